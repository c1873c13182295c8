// The arena's leaderboard as a dot plot: each model's rating as a dot, its 95% interval as a
// whisker, one row per model in rank order, on one shared axis. Read from the table the arena
// lesson shows (columns "model", "rating" and "95% CI" as "low–high"), so the front page needs
// nothing beyond the stored run. Inline SVG, every label escaped.

import Foundation
import LessonRuntime

struct LeaderboardPlot {
    struct Row: Equatable {
        let model: String
        let rating: Double
        let low: Double
        let high: Double
    }

    let title: String
    let rows: [Row]

    /// The leaderboard in `table`, or nil when it is no leaderboard (or a row does not parse).
    init?(_ table: Table) {
        guard let model = table.columns.firstIndex(of: "model"),
            let rating = table.columns.firstIndex(of: "rating"),
            let interval = table.columns.firstIndex(where: { $0.hasPrefix("95% CI") })
        else { return nil }
        var rows: [Row] = []
        for row in table.rows {
            guard row.count > max(model, rating, interval), let value = Double(row[rating])
            else { return nil }
            let bounds = row[interval].split(whereSeparator: { $0 == "–" || $0 == " " })
                .compactMap { Double($0) }
            guard bounds.count == 2, bounds[0] <= bounds[1] else { return nil }
            rows.append(Row(model: row[model], rating: value, low: bounds[0], high: bounds[1]))
        }
        guard !rows.isEmpty else { return nil }
        title = table.title
        self.rows = rows
    }

    /// Ticks every 10, 20, 25, 50, 100… points: about five across the range.
    static func ticks(from low: Double, to high: Double) -> [Double] {
        let span = max(high - low, 1)
        let raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var tick = (low / step).rounded(.up) * step
        var ticks: [Double] = []
        while tick <= high + 1e-9 { ticks.append(tick); tick += step }
        return ticks
    }

    func svg() -> String {
        let width = 640.0, labelWidth = 110.0, right = 16.0, rowHeight = 18.0, top = 4.0
        let axisHeight = 38.0
        let height = top + Double(rows.count) * rowHeight + axisHeight
        let lowest = rows.map(\.low).min()!, highest = rows.map(\.high).max()!
        let pad = max((highest - lowest) * 0.05, 5)
        let (from, to) = (lowest - pad, highest + pad)
        func x(_ value: Double) -> Double {
            labelWidth + (value - from) / (to - from) * (width - labelWidth - right)
        }
        func f(_ value: Double) -> String { String(format: "%.1f", value) }
        var parts: [String] = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"leaderboard\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        ]
        let bottom = top + Double(rows.count) * rowHeight
        for tick in Self.ticks(from: from, to: to) {
            parts.append(
                "<line x1=\"\(f(x(tick)))\" y1=\"\(f(top))\" x2=\"\(f(x(tick)))\" y2=\"\(f(bottom))\" class=\"grid\"/><text x=\"\(f(x(tick)))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\">\(displayNumber(tick))</text>"
            )
        }
        parts.append(
            "<text x=\"\(f((labelWidth + width - right) / 2))\" y=\"\(f(bottom + 31))\" text-anchor=\"middle\" class=\"axis-label\">rating (dot) and its 95% interval (whisker)</text>"
        )
        for (index, row) in rows.enumerated() {
            let y = top + (Double(index) + 0.5) * rowHeight
            parts.append(
                "<g><title>\(HTML.escape("\(row.model): \(displayNumber(row.rating)) (95% CI \(displayNumber(row.low))–\(displayNumber(row.high)))"))</title>"
                    + "<text x=\"\(f(labelWidth - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(HTML.escape(row.model))</text>"
                    + "<line x1=\"\(f(x(row.low)))\" y1=\"\(f(y))\" x2=\"\(f(x(row.high)))\" y2=\"\(f(y))\" class=\"whisker\"/>"
                    + "<line x1=\"\(f(x(row.low)))\" y1=\"\(f(y - 4))\" x2=\"\(f(x(row.low)))\" y2=\"\(f(y + 4))\" class=\"whisker\"/>"
                    + "<line x1=\"\(f(x(row.high)))\" y1=\"\(f(y - 4))\" x2=\"\(f(x(row.high)))\" y2=\"\(f(y + 4))\" class=\"whisker\"/>"
                    + "<circle cx=\"\(f(x(row.rating)))\" cy=\"\(f(y))\" r=\"4\" class=\"dot\"/></g>"
            )
        }
        parts.append("</svg>")
        return parts.joined()
    }
}
