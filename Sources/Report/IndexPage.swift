// The course's front page, a report card on one screen: the course's models compared (the
// arena's leaderboard), then one row per lesson — its headline numbers, claims held, and each
// failing claim linked to the cell that made it — then the step-through pages; every metric and
// claim collapsed below, and the provenance of the runs (parameters, code version, machine).

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
        body.append(leaderboardHTML())
        body.append(lessonTableHTML())
        body.append(stepThroughHTML())
        body.append(measurementsHTML())
        body.append(sweepsHTML())
        body.append(provenance(records))
        return Page.document(
            title: "Course report", stylesheet: "style.css", body: body.joined(separator: "\n"),
            wide: true)
    }

    /// "lessons/07-the-assistant.html#cell-8": the cell of a lesson's page that holds an output.
    static func cellLink(_ id: String, cell: Int) -> String {
        "lessons/\(HTML.escape(id)).html#cell-\(cell)"
    }

    /// The course's models side by side: the arena's leaderboard (the last lesson that shows
    /// one) as a dot plot with interval whiskers, linked to the cell that measured it.
    func leaderboardHTML() -> String {
        for entry in entries.reversed() {
            guard let record = entry.record else { continue }
            for cell in record.cells {
                for case .table(let table) in cell.outputs {
                    guard let plot = LeaderboardPlot(table) else { continue }
                    return """
                        <section id="models"><h2>The course's models, compared</h2>
                        <figure class="chart leaderboard-figure">\(plot.svg())<figcaption>\(HTML.escape(plot.title)) — from <a href="\(Self.cellLink(entry.id, cell: cell.cell.index))">\(HTML.escape(entry.title))</a>\(record.quick ? " (quick settings: small models, wide intervals)" : "").</figcaption></figure>
                        </section>
                        """
                }
            }
        }
        return ""
    }

    /// One row per lesson: its title, headline numbers, claims held, and each failing claim
    /// with its measurement, linked to the cell that made it.
    func lessonTableHTML() -> String {
        var rows: [String] = []
        for (number, entry) in entries.enumerated() {
            let link =
                "<a href=\"lessons/\(HTML.escape(entry.id)).html\">\(HTML.escape(entry.title))</a>"
            guard let record = entry.record else {
                rows.append(
                    "<tr><td class=\"number\">\(number + 1)</td><td>\(link)</td><td colspan=\"3\" class=\"meta\">\(HTML.escape(entry.note ?? "not run yet"))</td></tr>"
                )
                continue
            }
            let claims = record.claimsWithCells
            let checked = claims.filter(\.claim.checked)
            let held = checked.filter(\.claim.passed).count
            let unchecked = claims.count - checked.count
            var tally =
                checked.isEmpty
                ? ""
                : "<span class=\"\(held == checked.count ? "pass" : "fail")\">\(held) of \(checked.count)</span>"
            if unchecked > 0 {
                tally +=
                    "\(tally.isEmpty ? "" : "<br>")<span class=\"meta\">\(unchecked) not checked (quick)</span>"
            }
            var failures = claims.filter(\.claim.fails).map { cell, claim in
                "<li><a href=\"\(Self.cellLink(entry.id, cell: cell))\" title=\"\(HTML.escape(claim.claim))\">\(HTML.escape(Self.shortClaim(claim.claim)))</a>: <span class=\"measured\">\(HTML.escape(claim.measured))</span></li>"
            }
            if record.status != .succeeded {
                failures.insert(
                    "<li class=\"fail\">The run \(record.status == .compileFailed ? "did not compile" : "stopped early"); see its page.</li>",
                    at: 0)
            }
            rows.append(
                "<tr><td class=\"number\">\(number + 1)</td><td>\(link)</td><td class=\"headline\">\(Self.headlineHTML(record, id: entry.id))</td><td class=\"claims\">\(tally)</td><td>\(failures.isEmpty ? "" : "<ul class=\"failures\">\(failures.joined())</ul>")</td></tr>"
            )
        }
        return
            "<section id=\"lessons\"><h2>Lesson by lesson</h2><div class=\"table-wrap\"><table class=\"card\"><thead><tr><th>#</th><th class=\"lesson\">lesson</th><th class=\"headline\">headline result</th><th>claims held</th><th class=\"failures\">claims that fail: measured, and where</th></tr></thead><tbody>\(rows.joined())</tbody></table></div></section>"
    }

    /// A lesson's headline: the numbers measured for its first claim about a model — one with a
    /// measured value and a threshold, not a check that the lesson's code equals the library's
    /// — in that claim's cell or the nearest cell above with any (two at most; times and speeds
    /// left out). A lesson without such a claim shows its first number.
    static func headlineHTML(_ record: RunRecord, id: String) -> String {
        let metrics = record.cells.flatMap { cell in
            cell.outputs.compactMap { output -> (cell: Int, metric: Metric)? in
                if case .metric(let m) = output, !isTiming(m) { return (cell.cell.index, m) }
                return nil
            }
        }
        let headline = record.claimsWithCells.first {
            $0.claim.value != nil && $0.claim.threshold != nil
                && !$0.claim.claim.contains("library")
        }
        // The arena's headline is its leader.
        for cell in record.cells {
            for case .table(let table) in cell.outputs {
                guard let leader = LeaderboardPlot(table)?.rows.first else { continue }
                let text =
                    "leads: \(leader.model) \(displayNumber(leader.rating)) (95% CI \(displayNumber(leader.low))–\(displayNumber(leader.high)))"
                return
                    "<a class=\"quiet\" href=\"\(cellLink(id, cell: cell.cell.index))\">\(HTML.escape(text))</a>"
            }
        }
        guard let (cell, claim) = headline else {
            return metrics.first.map { LessonPage.metricHTML($0.metric) } ?? ""
        }
        let shown: String
        if let nearest = metrics.filter({ $0.cell <= cell }).last?.cell {
            shown = metrics.filter { $0.cell == nearest }.prefix(2).map {
                LessonPage.metricHTML($0.metric)
            }.joined(separator: "<br>")
        } else {
            shown = "<span class=\"measured\">\(HTML.escape(claim.measured))</span>"
        }
        return "<a class=\"quiet\" href=\"\(cellLink(id, cell: cell))\">\(shown)</a>"
    }

    /// "SFT keeps the base model's knowledge" for "SFT keeps the base model's knowledge
    /// (accuracy, sft free text − base multiple choice)": the claim without what it measures.
    static func shortClaim(_ claim: String) -> String {
        guard claim.hasSuffix(")"), let open = claim.range(of: " (", options: .backwards),
            open.lowerBound > claim.startIndex
        else { return claim }
        return String(claim[..<open.lowerBound])
    }

    static func isTiming(_ metric: Metric) -> Bool {
        ["s", "tokens/s"].contains(metric.unit)
    }

    /// The step-through pages of every lesson, listed.
    func stepThroughHTML() -> String {
        var items: [String] = []
        for entry in entries {
            guard let record = entry.record else { continue }
            for case .stepThrough(let s) in record.cells.flatMap(\.outputs) {
                let file = LessonPage.stepThroughFile(lesson: record.lessonID, name: s.name)
                items.append(
                    "<li><a href=\"steps/\(HTML.escape(file))\">\(HTML.escape(s.title))</a> <span class=\"meta\">\(HTML.escape(entry.title)) · \(s.recording.frames.count) frames</span></li>"
                )
            }
        }
        guard !items.isEmpty else { return "" }
        return
            "<section id=\"step-through\"><h2>Step through it</h2><p>A generation one token at a time: the context, the candidates with their probabilities, the pick.</p><ul>\(items.joined())</ul></section>"
    }

    /// Every metric and claim of every lesson, collapsed: each value once, in its unit.
    func measurementsHTML() -> String {
        var blocks: [String] = []
        for entry in entries {
            guard let record = entry.record else { continue }
            var parts: [String] = []
            if !record.metrics.isEmpty {
                let items = record.metrics.map { "<li>\(LessonPage.metricHTML($0))</li>" }
                parts.append("<ul class=\"metrics\">\(items.joined())</ul>")
            }
            let claims = record.claimsWithCells
            if !claims.isEmpty {
                let rows = claims.map { cell, e in
                    "<tr class=\"\(e.state)\"><td>\(e.verdict)</td><td><a href=\"\(Self.cellLink(entry.id, cell: cell))\">\(HTML.escape(e.claim))</a></td><td>\(HTML.escape(e.measured))</td></tr>"
                }
                parts.append(
                    "<div class=\"table-wrap\"><table class=\"card\"><thead><tr><th>result</th><th>claim</th><th>measured</th></tr></thead><tbody>\(rows.joined())</tbody></table></div>"
                )
            }
            guard !parts.isEmpty else { continue }
            let claimText =
                record.expectations.isEmpty ? "" : " · " + Self.tally(record.expectations)
            blocks.append(
                "<details class=\"lesson-measurements\"><summary>\(HTML.escape(entry.title)) <span class=\"meta\">\(record.metrics.count) measurements\(claimText)</span></summary>\(parts.joined())</details>"
            )
        }
        guard !blocks.isEmpty else { return "" }
        return
            "<section id=\"measurements\"><h2>Every measurement and claim</h2>\(blocks.joined(separator: "\n"))</section>"
    }

    /// The stored sweeps, linked: lesson, grid, runs, BLAS kernel, date, and whether they are stale.
    func sweepsHTML() -> String {
        guard !sweeps.isEmpty else { return "" }
        let items = sweeps.map { sweep, stale -> String in
            let date = ISO8601DateFormatter().string(from: sweep.provenance.date)
            return
                "<li><a href=\"sweeps/\(HTML.escape(SweepPage.fileName(sweep)))\">\(HTML.escape(sweep.title))</a> <span class=\"meta\">\(HTML.escape(SweepPage.gridText(sweep.grid))) · \(sweep.runs.count) run\(sweep.runs.count == 1 ? "" : "s") · \(HTML.escape(sweep.provenance.blasCoreType))\(sweep.quick ? " · quick" : "") · \(HTML.escape(date))\(stale ? " · <span class=\"fail\">stale</span>" : "")</span></li>"
        }
        return "<section><h2>Sweeps</h2><ul>\(items.joined())</ul></section>"
    }

    /// " (computing stages 2 min 40 s)": the part of a run spent in stages it computed
    /// (training, mostly) rather than loaded from the store; nothing when it computed none.
    /// Stages computed side by side (a pair of finetunes) can add up to more than the run.
    static func computeText(_ record: RunRecord) -> String {
        let seconds = record.stages.filter { $0.outcome != .reused }.map(\.seconds).reduce(0, +)
        guard seconds > 0 else { return "" }
        let overlapped = seconds > record.provenance.runSeconds ? ", some side by side" : ""
        return " (computing stages \(Page.duration(seconds))\(overlapped))"
    }

    /// "12 of 14 claims hold" (+ " · 3 not checked in quick mode"; only that where none was checked).
    static func tally(_ claims: [ExpectationResult]) -> String {
        let checked = claims.filter(\.checked)
        let unchecked = claims.count - checked.count
        let held = "\(checked.filter(\.passed).count) of \(checked.count) claims hold"
        let notChecked = "\(unchecked) not checked in quick mode"
        if unchecked == 0 { return held }
        return checked.isEmpty ? notChecked : held + " · " + notChecked
    }

    func provenance(_ records: [RunRecord]) -> String {
        guard let first = records.first else { return "" }
        let rows = records.map { r -> String in
            // A parameter with no value (a model directory not given) says nothing.
            let parameters = r.parameters.values.filter { !$0.value.isEmpty }
                .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return
                "<tr><td>\(HTML.escape(r.lessonID))</td><td>\(Page.duration(r.provenance.compileSeconds))\(r.provenance.compileCached ? " (cached)" : "")</td><td>\(Page.duration(r.provenance.runSeconds))\(Self.computeText(r))</td><td>\(parameters.isEmpty ? "" : "<code>\(HTML.escape(parameters))</code>")</td><td>\(HTML.escape(r.provenance.codeVersion))</td></tr>"
        }
        return """
            <section class="provenance" id="provenance"><h2>Provenance</h2>
            <p>Machine: \(HTML.escape(first.provenance.machine))</p>
            <details><summary>Each lesson's run: compile and run time, parameters, code version</summary><div class="table-wrap"><table><thead><tr><th>lesson</th><th>compile</th><th>run</th><th>parameters</th><th>code</th></tr></thead><tbody>\(rows.joined())</tbody></table></div></details>
            </section>
            """
    }
}
