// A sweep's page: every claim of the lesson against every combination of settings (its verdict
// and measurement in each, and how many runs it held in), a figure of each claim's measurement
// against the one numeric setting where there is one, every metric against every combination,
// and the sweep's provenance — marked stale when the lesson's code or the library's has changed since.

import Figures
import Foundation
import LessonEngine
import LessonRuntime

struct SweepPage {
    let sweep: SweepRecord
    /// Whether the lesson's code or the library's has changed since the sweep was measured.
    let stale: Bool
    /// The site folder of the lesson's own page ("lessons", or "scratch" for one outside the course).
    var lessonFolder = "lessons"

    /// The page's file name inside site/sweeps/.
    static func fileName(_ sweep: SweepRecord) -> String {
        "\(sweep.lessonID)-\(sweep.fileStem).html"
    }

    /// "lr = 1e-4, 3e-4 × seed = 1, 2, 3".
    static func gridText(_ grid: SweepGrid) -> String {
        grid.axes.map { "\($0.key) = \($0.values.joined(separator: ", "))" }.joined(separator: " × ")
    }

    /// A run's settings as "lr=1e-4 seed=2", in the grid's key order.
    func label(_ run: SweepRecord.Run) -> String {
        sweep.grid.axes.map { "\($0.key)=\(run.settings[$0.key] ?? "?")" }.joined(separator: " ")
    }

    /// A metric's name without the numbers a rate writes into it ("… — 40% (77 of 191; …)").
    static func baseName(_ name: String) -> String {
        name.components(separatedBy: " — ").first ?? name
    }

    func html() -> String {
        var body = [
            "<header><p class=\"crumbs\"><a href=\"../index.html\">Course</a> · <a href=\"../\(lessonFolder)/\(HTML.escape(sweep.lessonID)).html\">\(HTML.escape(sweep.title))</a></p>",
            "<h1>Sweep: \(HTML.escape(sweep.title))</h1>",
            "<p class=\"meta\">\(HTML.escape(Self.gridText(sweep.grid))) · \(sweep.runs.count) run\(sweep.runs.count == 1 ? "" : "s")\(sweep.quick ? " · quick settings" : "")</p>",
            "<p class=\"meta\">\(HTML.escape(provenanceText()))</p></header>",
        ]
        if stale {
            body.append(
                "<p class=\"expect fail\">Stale: the lesson's code or the library's has changed since this sweep was measured; run it again for numbers that match the lesson.</p>"
            )
        }
        body.append(claimsHTML())
        if let figure = claimFigure() {
            let svg = (try? FigureRenderer.svg(figure, options: RenderOptions(idPrefix: "sweep-"))) ?? ""
            body.append(
                "<figure class=\"chart\">\(svg)<figcaption>\(HTML.escape(figure.title))</figcaption></figure>")
        }
        body.append(metricsHTML())
        return Page.document(
            title: "Sweep: \(sweep.title)", stylesheet: "../style.css", body: body.joined(separator: "\n"))
    }

    func provenanceText() -> String {
        let p = sweep.provenance
        let date = ISO8601DateFormatter().string(from: p.date)
        let flags = p.cpuFlags.isEmpty ? "" : " (\(p.cpuFlags.joined(separator: ", ")))"
        // The latest reproduction in full; earlier ones (the record keeps them all) as a count,
        // so the line stays one line however often the code changed without moving a float.
        let all = p.reproduced ?? []
        let reproduced = all.last.map { r in
            let settings = r.settings.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
            let earlier = all.count > 1
                ? "; \(all.count) reproductions in all, the first \(ISO8601DateFormatter().string(from: all[0].date)) at commit \(all[0].commit)"
                : ""
            return "; reproduced \(ISO8601DateFormatter().string(from: r.date)) at commit \(r.commit) on \(r.machine) "
                + "(the run at \(settings) again: every claim and metric but the timings the same\(earlier))"
        } ?? ""
        return "measured \(date), commit \(p.commit), on \(p.machine)\(flags), BLAS kernel \(p.blasCoreType)\(reproduced)"
    }

    func claimsHTML() -> String {
        let measured =
            "<tr class=\"meta\"><td>measured</td><td></td>"
            + sweep.runs.map { run in
                let date = ISO8601DateFormatter().string(from: run.measured)
                return "<td>\(HTML.escape("\(date), \(run.commit), \(run.blasKernel)\(run.reused ? ", reused" : "")"))</td>"
            }.joined() + "</tr>"
        return "<section><h2>Claims</h2>\(claimTable(extraRows: measured))</section>"
    }

    /// Every claim against every run: its tally ("2 of 3", marked where the runs disagree), then
    /// each run's verdict and measurement. The sweep's page and its lesson's page show it.
    func claimTable(extraRows: String = "") -> String {
        let head = "<tr><th>claim</th><th>holds in</th>" + sweep.runs.map { "<th>\(HTML.escape(label($0)))</th>" }.joined() + "</tr>"
        let rows = sweep.claimTexts.map { text -> String in
            let (held, checked) = sweep.tally(of: text)
            let cells = sweep.runs.map { run -> String in
                guard let claim = run.claims.first(where: { $0.claim == text }) else { return "<td>–</td>" }
                return "<td class=\"\(claim.state)\" title=\"\(HTML.escape(claim.verdict))\">\(claim.checked ? (claim.passed ? "✓ " : "✗ ") : "– ")\(HTML.escape(claim.measured))</td>"
            }.joined()
            let tally = checked == 0 ? "not checked" : "\(held) of \(checked)"
            let split = held > 0 && held < checked
            return "<tr><td>\(HTML.escape(text))</td><td\(split ? " class=\"fail\"" : "")>\(tally)</td>\(cells)</tr>"
        }.joined()
        return "<div class=\"table-wrap\"><table class=\"data\"><thead>\(head)</thead><tbody>\(rows)\(extraRows)</tbody></table></div>"
    }

    /// How many claims held in every run that checked them, in none, and in some but not all.
    var verdicts: (always: Int, never: Int, split: Int) {
        sweep.claimTexts.reduce(into: (0, 0, 0)) { counts, text in
            let (held, checked) = sweep.tally(of: text)
            if checked == 0 { return }
            if held == checked { counts.0 += 1 } else if held == 0 { counts.1 += 1 } else { counts.2 += 1 }
        }
    }

    func metricsHTML() -> String {
        var seen = Set<String>()
        let names = sweep.metricNames.map(Self.baseName).filter { seen.insert($0).inserted }
        let head = "<tr><th>metric</th>" + sweep.runs.map { "<th>\(HTML.escape(label($0)))</th>" }.joined() + "</tr>"
        let rows = names.map { name -> String in
            let cells = sweep.runs.map { run -> String in
                guard let metric = run.metrics.first(where: { Self.baseName($0.name) == name }) else { return "<td>–</td>" }
                return "<td title=\"\(HTML.escape(metric.name))\">\(HTML.escape(displayNumber(metric.value))) \(HTML.escape(metric.unit))</td>"
            }.joined()
            return "<tr><td>\(HTML.escape(name))</td>\(cells)</tr>"
        }.joined()
        return "<section><h2>Metrics</h2><div class=\"table-wrap\"><table class=\"data\"><thead>\(head)</thead><tbody>\(rows)</tbody></table></div></section>"
    }

    /// Each claim's measurement against the numeric setting (a seed only when nothing else
    /// varies), one line per value of the other settings, the claim's threshold as a reference.
    func claimFigure() -> Figure? {
        guard let axis = sweep.grid.numericAxis else { return nil }
        let others = sweep.grid.axes.filter { $0.key != axis.key }
        var charts: [Figure] = []
        for text in sweep.claimTexts {
            var groups: [String: [(x: Double, y: Double)]] = [:]
            var order: [String] = []
            var threshold: Double?
            for run in sweep.runs {
                guard let claim = run.claims.first(where: { $0.claim == text }), let value = claim.value,
                    let x = run.settings[axis.key].flatMap(Double.init)
                else { continue }
                threshold = threshold ?? claim.threshold
                let group = others.map { "\($0.key)=\(run.settings[$0.key] ?? "?")" }.joined(separator: " ")
                if groups[group] == nil { order.append(group) }
                groups[group, default: []].append((x, value))
            }
            guard !groups.isEmpty else { continue }
            // Points in the setting's order, not the runs' (seeds 2, 3, 1 would draw a Z).
            let series = order.map { group in
                let points = groups[group]!.sorted { $0.x < $1.x }
                return LineChart.Series(
                    name: group.isEmpty ? "measured" : group, x: points.map(\.x),
                    y: points.map(\.y), smoothed: false)
            }
            charts.append(
                .line(
                    LineChart(
                        title: text, xLabel: axis.key, yLabel: "measured", series: series,
                        references: threshold.map { [.init(y: $0, label: "threshold")] } ?? [])))
        }
        guard !charts.isEmpty else { return nil }
        // The claims measure different things (a rate, a loss, a count): no shared scale.
        return .smallMultiples(
            SmallMultiples(
                title: "Each claim's measurement against \(axis.key), each on its own scale (the line: the claim's threshold)",
                figures: charts, columns: min(2, charts.count), sharedScale: false))
    }
}
