// The course's front page: the outline (every lesson, its status and time), then the report
// card — each lesson's metrics and every claim with its measured value, pass or fail — and
// the provenance of the runs (parameters, code version, machine, durations).

import LessonRuntime
import Foundation
import LessonEngine

struct IndexPage {
    struct Entry {
        let id: String
        let title: String
        let record: RunRecord?
        let note: String?
    }

    let entries: [Entry]
    /// The workspace's sweeps, each with whether its lesson's code changed since.
    var sweeps: [(sweep: SweepRecord, stale: Bool)] = []

    func html() -> String {
        var body: [String] = ["<header><h1>Tokenwise — the course report</h1>"]
        let records = entries.compactMap(\.record)
        let claims = records.flatMap(\.expectations)
        body.append(
            "<p class=\"meta\">\(records.count) of \(entries.count) lessons run · \(Self.tally(claims))\(records.contains(where: \.quick) ? " · quick settings" : "")</p></header>"
        )
        body.append("<section><h2>Outline</h2><ol class=\"outline\">")
        for entry in entries {
            let status: String
            if let record = entry.record {
                let claims = record.expectations
                let state =
                    record.status == .succeeded
                    ? "ran in \(Page.duration(record.provenance.runSeconds))\(Self.computeText(record))"
                    : "<span class=\"fail\">\(record.status.rawValue)</span>"
                status = "\(state)\(claims.isEmpty ? "" : " · " + Self.tally(claims))"
                body.append(
                    "<li><a href=\"lessons/\(HTML.escape(entry.id)).html\">\(HTML.escape(entry.title))</a> <span class=\"meta\">\(status)</span></li>"
                )
            } else {
                body.append(
                    "<li>\(HTML.escape(entry.title)) <span class=\"meta\">\(HTML.escape(entry.note ?? "not run yet"))</span></li>"
                )
            }
        }
        body.append("</ol></section>")
        body.append("<section><h2>Report card</h2>")
        for entry in entries {
            guard let record = entry.record else { continue }
            body.append(
                "<h3><a href=\"lessons/\(HTML.escape(entry.id)).html\">\(HTML.escape(entry.title))</a></h3>"
            )
            if !record.metrics.isEmpty {
                let items = record.metrics.map {
                    "<li><span class=\"name\">\(HTML.escape($0.name))</span> <span class=\"value\">\(HTML.escape(displayNumber($0.value)))</span> \(HTML.escape($0.unit))</li>"
                }
                body.append("<ul class=\"metrics\">\(items.joined())</ul>")
            }
            if !record.expectations.isEmpty {
                let rows = record.expectations.map { e in
                    "<tr class=\"\(e.state)\"><td>\(e.verdict)</td><td>\(HTML.escape(e.claim))</td><td>\(HTML.escape(e.measured))</td></tr>"
                }
                body.append(
                    "<div class=\"table-wrap\"><table class=\"card\"><thead><tr><th>result</th><th>claim</th><th>measured</th></tr></thead><tbody>\(rows.joined())</tbody></table></div>"
                )
            }
            if record.status != .succeeded {
                body.append(
                    "<p class=\"fail\">The run \(record.status == .compileFailed ? "did not compile" : "stopped early"); see its page.</p>"
                )
            }
        }
        body.append("</section>")
        body.append(sweepsHTML())
        body.append(provenance(records))
        return Page.document(
            title: "Course report", stylesheet: "style.css", body: body.joined(separator: "\n"))
    }

    /// The stored sweeps, linked: lesson, grid, runs, date, and whether they are stale.
    func sweepsHTML() -> String {
        guard !sweeps.isEmpty else { return "" }
        let items = sweeps.map { sweep, stale -> String in
            let date = ISO8601DateFormatter().string(from: sweep.provenance.date)
            return
                "<li><a href=\"sweeps/\(HTML.escape(SweepPage.fileName(sweep)))\">\(HTML.escape(sweep.title))</a> <span class=\"meta\">\(HTML.escape(SweepPage.gridText(sweep.grid))) · \(sweep.runs.count) runs\(sweep.quick ? " · quick" : "") · \(HTML.escape(date))\(stale ? " · <span class=\"fail\">stale</span>" : "")</span></li>"
        }
        return "<section><h2>Sweeps</h2><ul>\(items.joined())</ul></section>"
    }

    /// " (computing stages 2 min 40 s)": the part of a run spent in stages it computed
    /// (training, mostly) rather than loaded from the store; nothing when it computed none.
    static func computeText(_ record: RunRecord) -> String {
        let seconds = record.stages.filter { $0.outcome != .reused }.map(\.seconds).reduce(0, +)
        return seconds > 0 ? " (computing stages \(Page.duration(seconds)))" : ""
    }

    /// "12 of 14 claims hold" (+ " · 3 not checked in quick mode").
    static func tally(_ claims: [ExpectationResult]) -> String {
        let checked = claims.filter(\.checked)
        let unchecked = claims.count - checked.count
        return "\(checked.filter(\.passed).count) of \(checked.count) claims hold"
            + (unchecked > 0 ? " · \(unchecked) not checked in quick mode" : "")
    }

    func provenance(_ records: [RunRecord]) -> String {
        guard let first = records.first else { return "" }
        let rows = records.map { r -> String in
            let parameters = r.parameters.values.sorted { $0.key < $1.key }.map {
                "\($0.key)=\($0.value)"
            }.joined(separator: " ")
            return
                "<tr><td>\(HTML.escape(r.lessonID))</td><td>\(Page.duration(r.provenance.compileSeconds))\(r.provenance.compileCached ? " (cached)" : "")</td><td>\(Page.duration(r.provenance.runSeconds))</td><td><code>\(HTML.escape(parameters))</code></td><td>\(HTML.escape(r.provenance.codeVersion))</td></tr>"
        }
        return """
            <section class="provenance"><h2>Provenance</h2>
            <p>Machine: \(HTML.escape(first.provenance.machine))</p>
            <div class="table-wrap"><table><thead><tr><th>lesson</th><th>compile</th><th>run</th><th>parameters</th><th>code</th></tr></thead><tbody>\(rows.joined())</tbody></table></div>
            </section>
            """
    }
}
