// Rates and means as the lesson runtime describes them (Sources/LessonRuntime/Rate.swift:
// "56% (123 of 220; 95% CI 49–62%)", "38% (mean of 12; 95% CI 31–45%)"), read back so a table
// cell can show "56% ±7" with the full text on hover, and a metric named "share — 56% (…)"
// shows its value once. Text in any other form is left as it is.

import Foundation

struct IntervalText: Equatable {
    /// "56%".
    let value: String
    /// Half the interval's width in points, rounded: 7 for 49–62%.
    let halfWidth: Int
    /// The text as the lesson wrote it.
    let full: String

    /// "56% ±7".
    var compact: String { "\(value) ±\(halfWidth)" }

    /// The rate or mean a whole text describes, or nil.
    init?(_ text: String) {
        let pattern =
            #"^(-?\d+)% \((?:\d+ of \d+|mean of \d+); 95% CI (-?\d+)–(-?\d+)%\)$"#
        guard let match = text.range(of: pattern, options: .regularExpression),
            match == text.startIndex..<text.endIndex
        else { return nil }
        let numbers = text.split { !($0.isNumber || $0 == "-") }.compactMap { Int($0) }
        // [value, hits, count, 95, low, high] or [value, count, 95, low, high]
        guard numbers.count >= 5, let low = numbers.dropLast().last, let high = numbers.last,
            high >= low
        else { return nil }
        value = "\(numbers[0])%"
        halfWidth = Int((Double(high - low) / 2).rounded())
        full = text
    }

    /// A metric named "name — 56% (123 of 220; 95% CI 49–62%)": the name and the interval.
    static func metricName(_ name: String) -> (name: String, interval: IntervalText)? {
        guard let dash = name.range(of: " — ", options: .backwards),
            let interval = IntervalText(String(name[dash.upperBound...]))
        else { return nil }
        return (String(name[..<dash.lowerBound]), interval)
    }

    /// The cell's HTML: the compact form with the full text as its tooltip, or the text escaped.
    static func cellHTML(_ text: String) -> String {
        guard let interval = IntervalText(text) else { return HTML.escape(text) }
        return interval.html
    }

    /// `<span class="interval" title="56% (123 of 220; 95% CI 49–62%)">56% ±7</span>`.
    var html: String {
        "<span class=\"interval\" title=\"\(HTML.escape(full))\">\(HTML.escape(compact))</span>"
    }
}
