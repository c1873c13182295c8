// One lesson's page: its prose, highlighted code (plumbing marked `// harness:` collapsed), and
// every output in the cell that made it — text, figures (inline SVG), tables (rates compact),
// metrics, claims (a failing one with its story as one callout) — plus its place in the course
// with its neighbours at the top and the bottom, its contents, its parameters, a closing list of
// what the run showed (each claim linked to its cell) and provenance.

import LessonRuntime
import Figures
import Foundation
import LessonEngine

struct LessonPage {
    let record: RunRecord
    let previous: (id: String, title: String)?
    let next: (id: String, title: String)?
    /// Where the lesson sits in the course ("Lesson 7 of 14"); nil for a lesson from elsewhere.
    var position: (number: Int, count: Int)? = nil
    /// Stored sweeps of this lesson (full settings), each with whether the lesson's code changed
    /// since: how its claims fared on other seeds and BLAS kernels.
    var sweeps: [(sweep: SweepRecord, stale: Bool)] = []

    func html() -> String {
        // Every heading gets an id; the cells' own ids are taken first.
        var outline = Outline(
            reserved: Set(record.cells.map { "cell-\($0.cell.index)" } + ["contents", "top"]))
        let cells = record.cells.map { cellHTML($0, outline: &outline) }
        var body: [String] = []
        // The lesson's own "# Title" heading opens its first cell; only a lesson without one gets a heading here.
        let hasHeading = outline.headings.contains { $0.level == 1 }
        let place = position.map { " · Lesson \($0.number) of \($0.count)" } ?? ""
        // Where the lesson sits, how it ran and its settings: above the contents and the text.
        let header =
            "<header id=\"top\"><div class=\"place\"><p class=\"crumbs\"><a href=\"../index.html\">Course</a>\(place)</p>\(navigationHTML(compact: true))</div>"
            + "<p class=\"meta\">\(HTML.escape(record.path)) · \(statusText())\(record.quick ? " · quick settings" : "")</p>"
            + parametersHTML() + "</header>"
        if !hasHeading { body.append("<h1>\(HTML.escape(record.title))</h1>") }
        if record.status == .compileFailed {
            body.append(
                "<section class=\"error\"><h2>The lesson did not compile</h2><pre>\(HTML.escape(record.compileErrors.joined(separator: "\n")))</pre><p>Nothing was run.</p></section>"
            )
        }
        body += cells
        body.append(showedHTML(outline: &outline))
        if !sweeps.isEmpty { body.append(sweepsHTML(outline: &outline)) }
        body.append(navigationHTML(compact: false))
        body.append(provenanceHTML())
        return Page.document(
            title: record.title, stylesheet: "../style.css", body: body.joined(separator: "\n"),
            sidebar: contentsHTML(outline), header: header)
    }

    /// The table of contents: the lesson's sections and their subsections, linked.
    func contentsHTML(_ outline: Outline) -> String? {
        let entries = outline.headings.filter { (2...3).contains($0.level) }
        guard !entries.isEmpty else { return nil }
        let items = entries.map {
            "<li class=\"level-\($0.level)\"><a href=\"#\($0.id)\">\($0.html)</a></li>"
        }
        return
            "<nav class=\"toc\" id=\"contents\" aria-label=\"Contents\"><p class=\"toc-title\"><a href=\"#top\">\(HTML.escape(record.title))</a></p><ol>\(items.joined())</ol></nav>"
    }

    func statusText() -> String {
        switch record.status {
        case .succeeded: return "ran in \(Page.duration(record.provenance.runSeconds))"
        case .compileFailed: return "<strong class=\"fail\">did not compile</strong>"
        case .failed: return "<strong class=\"fail\">stopped by an error</strong>"
        case .timedOut: return "<strong class=\"fail\">stopped at the time limit</strong>"
        }
    }

    func parametersHTML() -> String {
        guard !record.declarations.isEmpty else { return "" }
        let rows = record.declarations.map { p -> String in
            let value = record.parameters.values[p.name] ?? p.defaultValue
            let changed = record.parameters.changed[p.name] != nil
            return
                "<tr\(changed ? " class=\"changed\"" : "")><td><code>\(HTML.escape(p.name))</code></td><td>\(HTML.escape(value))\(changed ? " <span class=\"badge\">changed from \(HTML.escape(p.defaultValue))</span>" : "")</td><td>\(HTML.escape(p.doc))</td></tr>"
        }
        let summary =
            record.parameters.changed.isEmpty
            ? "Parameters (all defaults)"
            : "Parameters (\(record.parameters.changed.count) changed)"
        return
            "<details class=\"params\"\(record.parameters.changed.isEmpty ? "" : " open")><summary>\(summary)</summary><table><thead><tr><th>name</th><th>value</th><th>what it is</th></tr></thead><tbody>\(rows.joined())</tbody></table></details>"
    }

    func cellHTML(_ cell: CellRecord, outline: inout Outline) -> String {
        var parts: [String] = [
            "<section class=\"cell \(cell.status == .notRun && record.status != .succeeded ? "not-run" : "")\" id=\"cell-\(cell.cell.index)\">"
        ]
        if !cell.cell.prose.isEmpty {
            parts.append(
                "<div class=\"prose\">" + Markdown.html(cell.cell.prose, outline: &outline)
                    + "</div>")
        }
        // Harness parts that follow each other are one collapsed block, their summaries joined.
        var groups: [[Cell.CodePart]] = []
        for part in cell.cell.codeParts {
            if part.harness != nil, let last = groups.last?.last, last.harness != nil {
                groups[groups.count - 1].append(part)
            } else {
                groups.append([part])
            }
        }
        for group in groups {
            let code = group.map {
                "<pre class=\"code\" data-line=\"\($0.firstLine)\"><code>\(SwiftHighlighter.html($0.code))</code></pre>"
            }.joined()
            let harness = group.compactMap(\.harness)
            guard !harness.isEmpty else { parts.append(code); continue }
            let lines = group.map {
                $0.code.split(separator: "\n", omittingEmptySubsequences: false).count
            }.reduce(0, +)
            parts.append(
                "<details class=\"harness\"><summary>Harness: \(HTML.escape(harness.joined(separator: "; "))) <span class=\"meta\">(\(lines) line\(lines == 1 ? "" : "s"), from line \(group[0].firstLine))</span></summary>\(code)</details>"
            )
        }
        var outputs = cell.outputs.enumerated().map { ($0.offset, $0.element) }[...]
        while let (index, output) = outputs.popFirst() {
            // A failing claim and the story the lesson tells about it (shown right after it)
            // are one callout in the page's own font: the claim and its measurement first.
            if case .expectation(let e) = output, e.fails, case .text(let story)? = outputs.first?.1
            {
                outputs.removeFirst()
                parts.append(
                    "<aside class=\"callout failing\">\(outputHTML(output, cell: cell.cell.index, index: index))<div class=\"story\">\(Markdown.html(story))</div></aside>"
                )
                continue
            }
            // Metrics in a row are one compact list.
            if case .metric(let first) = output {
                var metrics = [first]
                while case .metric(let next)? = outputs.first?.1 {
                    metrics.append(next)
                    outputs.removeFirst()
                }
                if metrics.count > 1 {
                    parts.append(
                        "<ul class=\"metric-list\">"
                            + metrics.map { "<li class=\"metric\">\(Self.metricHTML($0))</li>" }
                            .joined() + "</ul>")
                    continue
                }
            }
            parts.append(outputHTML(output, cell: cell.cell.index, index: index))
        }
        if let error = cell.error {
            parts.append(
                "<div class=\"error\"><strong>This cell failed.</strong><pre>\(HTML.escape(error))</pre></div>"
            )
        }
        if cell.status == .notRun && record.status != .succeeded && record.status != .compileFailed
        {
            parts.append("<p class=\"note\">Not run: an earlier cell failed.</p>")
        }
        parts.append("</section>")
        return parts.joined(separator: "\n")
    }

    /// Text a lesson shows in words rather than prints as data: one paragraph of sentences
    /// (no line breaks, a capital first, a full stop last). It is set in the page's font with
    /// its Markdown rendered; anything else keeps the terminal's look.
    static func isProse(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.count >= 80 && !trimmed.contains("\n")
            && trimmed.first?.isUppercase == true
            && [".", "!", "?", ")", ":"].contains(trimmed.last.map(String.init) ?? "")
            && trimmed.contains(". ")
    }

    func outputHTML(_ output: Output, cell: Int, index: Int) -> String {
        switch output {
        case .text(let text):
            if Self.isProse(text) {
                return "<div class=\"shown-prose\">\(Markdown.html(text))</div>"
            }
            return "<pre class=\"output\">\(HTML.escape(text))</pre>"
        case .figure(let name, let figure):
            let options = RenderOptions(idPrefix: "c\(cell)-\(index)-")
            do {
                let svg = try FigureRenderer.svg(figure, options: options)
                return
                    "<figure class=\"chart\" id=\"\(HTML.escape(name))-\(cell)-\(index)\">\(svg)<figcaption class=\"drawn\">\(HTML.escape(figure.title))</figcaption></figure>"
            } catch {
                return
                    "<div class=\"error\"><strong>Figure not drawn:</strong> \(HTML.escape("\(error)"))</div>"
            }
        case .table(let table):
            return Self.tableHTML(table)
        case .metric(let metric):
            return "<p class=\"metric\">\(Self.metricHTML(metric))</p>"
        case .expectation(let e):
            return
                "<p class=\"expect \(e.state)\" id=\"claim-\(cell)-\(index)\"><span class=\"badge\">\(e.verdict)</span> \(HTML.escape(e.claim)) <span class=\"measured\">\(HTML.escape(e.measured))</span></p>"
        case .stepThrough(let s):
            let href = "../steps/" + Self.stepThroughFile(lesson: record.lessonID, name: s.name)
            return
                "<p class=\"step-through\"><a href=\"\(HTML.escape(href))\">▶ \(HTML.escape(s.title))</a> — step through this generation token by token (\(s.recording.frames.count) frames)</p>"
        case .progress(let p):
            var text = "\(p.label): \(p.step) of \(p.total)"
            if let loss = p.loss { text += String(format: ", loss %.4f", loss) }
            if let rate = p.tokensPerSecond { text += String(format: ", %.0f tokens/s", rate) }
            return "<p class=\"progress\">\(HTML.escape(text))</p>"
        }
    }

    /// Tables longer than this many rows show their first `shownRows`; the rest are one click
    /// away. Fifteen rows still show whole: lesson 12's fifteen tries at one problem are its
    /// point (how many are right, which one is kept), not a sample of it.
    static let longTable = 15, shownRows = 10

    /// A data table, rates compact; a long one with its later rows collapsed under a line that
    /// says how many (a second body, shown when the line is opened: style.css). A table with
    /// compact rates ("56% ±7") gets a line under it that says what ± means.
    static func tableHTML(_ table: Table) -> String {
        let hasIntervals = table.rows.contains { $0.contains { IntervalText($0) != nil } }
        return tableBodyHTML(table) + (hasIntervals ? intervalKey : "")
    }

    static let intervalKey =
        "<p class=\"note\">± is half the width of the 95% interval, in percentage points; hover over a value for its count and interval.</p>"

    private static func tableBodyHTML(_ table: Table) -> String {
        let head =
            "<thead><tr>" + table.columns.map { "<th>\(HTML.escape($0))</th>" }.joined()
            + "</tr></thead>"
        let rows = table.rows.map {
            "<tr>" + $0.map { "<td>\(IntervalText.cellHTML($0))</td>" }.joined() + "</tr>"
        }
        let caption = table.title.isEmpty ? "" : "<caption>\(HTML.escape(table.title))</caption>"
        guard rows.count > longTable else {
            return
                "<div class=\"table-wrap\"><table class=\"data\">\(caption)\(head)<tbody>\(rows.joined())</tbody></table></div>"
        }
        let hidden = rows.count - shownRows
        return
            "<div class=\"table-wrap long\"><table class=\"data\">\(caption)\(head)<tbody>\(rows.prefix(shownRows).joined())</tbody><tbody class=\"more-rows\">\(rows.dropFirst(shownRows).joined())</tbody></table>"
            + "<details class=\"more-rows\"><summary>\(hidden) more rows (\(rows.count) in all)</summary></details></div>"
    }

    /// A metric's name and its value, once: a rate named "share — 56% (123 of 220; 95% CI
    /// 49–62%)" shows "share 56% ±7" (the full text on hover), not the text and the number.
    static func metricHTML(_ metric: Metric) -> String {
        if let (name, interval) = IntervalText.metricName(metric.name) {
            return
                "<span class=\"name\">\(HTML.escape(name))</span> <span class=\"value\">\(interval.html)</span>"
        }
        let unit = metric.unit.isEmpty ? "" : " \(HTML.escape(metric.unit))"
        return
            "<span class=\"name\">\(HTML.escape(metric.name))</span> <span class=\"value\">\(HTML.escape(displayNumber(metric.value)))</span>\(unit)"
    }

    /// The file name of a lesson's step-through page inside site/steps/.
    static func stepThroughFile(lesson: String, name: String) -> String {
        "\(lesson)-\(name.filter { $0.isLetter || $0.isNumber || $0 == "-" }).html"
    }

    /// "What this run showed": the lesson's claims in the order it made them, one line each —
    /// verdict, claim and the measurement as the run printed it — linked to the cell that made
    /// it. A claim is named as on the report card, without what it measures (the full claim on
    /// hover and in its cell). Nothing for a lesson that makes no claim.
    func showedHTML(outline: inout Outline) -> String {
        let claims = record.claimsWithCells
        guard !claims.isEmpty else { return "" }
        let title = "What this run showed"
        let id = outline.add(level: 2, text: title, html: HTML.escape(title))
        let items = claims.map { cell, e in
            let short = IndexPage.shortClaim(e.claim)
            let hover = short == e.claim ? "" : " title=\"\(HTML.escape(e.claim))\""
            return
                "<li class=\"expect \(e.state)\"><span class=\"badge\">\(e.verdict)</span> <a href=\"#cell-\(cell)\"\(hover)>\(HTML.escape(short))</a> <span class=\"measured\">\(HTML.escape(e.measured))</span></li>"
        }
        return
            "<section class=\"showed\"><h2 id=\"\(id)\">\(title)</h2><p class=\"meta\">\(IndexPage.tally(claims.map(\.claim))).</p><ul class=\"showed\">\(items.joined())</ul></section>"
    }

    /// Previous and next lesson: `compact` at the top (arrows and short labels), in full at the bottom.
    func navigationHTML(compact: Bool) -> String {
        let previousLink =
            previous.map {
                "<a rel=\"prev\" href=\"\(HTML.escape($0.id)).html\" title=\"\(HTML.escape($0.title))\">← \(compact ? "Previous" : HTML.escape($0.title))</a>"
            } ?? "<span></span>"
        let nextLink =
            next.map {
                "<a rel=\"next\" href=\"\(HTML.escape($0.id)).html\" title=\"\(HTML.escape($0.title))\">\(compact ? "Next" : HTML.escape($0.title)) →</a>"
            } ?? "<span></span>"
        return "<nav class=\"pager\(compact ? " top" : "")\">\(previousLink)\(nextLink)</nav>"
    }

    /// Each stored sweep as a table of the claims: in how many of its runs each held, and each
    /// run's verdict and measurement, under the sweep's provenance (when, which commit, which CPU
    /// and BLAS kernel), linked to the sweep's own page. These numbers are not this run's: the
    /// provenance line says whose they are, and a sweep of older code says it is stale.
    func sweepsHTML(outline: inout Outline) -> String {
        let title = "How the claims travel: stored sweeps"
        let id = outline.add(level: 2, text: title, html: HTML.escape(title))
        var parts = [
            "<section class=\"sweeps\"><h2 id=\"\(id)\">\(HTML.escape(title))</h2>",
            "<p class=\"meta\">A claim about a trained model should hold on other seeds and with other BLAS kernels, whose rounding differs. Each sweep below is this lesson run once per setting, measured when and where its line says, not in the run above. <code>tokenwise sweep</code> measures your own.</p>",
        ]
        // A claim can hold in every run of each sweep and still change its verdict between them
        // (one kernel against another): counted over the runs of this code at this page's
        // settings but the seed. A stale sweep measured other code, and a run at another learning
        // rate, say, is an experiment, not a retrial: neither says how this page's claims travel.
        let current = sweeps.filter { !$0.stale }
        let retrial = { (run: SweepRecord.Run) in
            run.uses(self.record.parameters.values, ignoring: ["seed"])
        }
        let counted = current.flatMap { $0.sweep.runs.filter(retrial) }
        let retrials = counted.count
        if retrials > 1 {
            // Which seeds and kernels the count covers: one kernel's runs say nothing of another's.
            let kernels = Set(counted.map(\.blasKernel)).sorted()
            let seeds = Set(counted.compactMap { $0.settings["seed"] }).count
            let covered = "\(seeds > 1 ? "\(seeds) seeds" : "one seed"); BLAS kernel\(kernels.count > 1 ? "s" : "") \(kernels.joined(separator: ", "))"
            let texts = current.flatMap(\.sweep.claimTexts).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            let fragile = texts.compactMap { text -> String? in
                let tallies = current.map { $0.sweep.tally(of: text, counting: retrial) }
                let held = tallies.map(\.held).reduce(0, +), checked = tallies.map(\.checked).reduce(0, +)
                guard held > 0 && held < checked else { return nil }
                return "<li>\(HTML.escape(text)): holds in \(held) of \(checked) runs</li>"
            }
            parts.append(
                (fragile.isEmpty
                    ? "<p>Across the \(retrials) runs of this code at this page's settings (\(HTML.escape(covered))), each claim gives the same verdict in every run.</p>"
                    : "<p class=\"fail\">Across the \(retrials) runs of this code at this page's settings (\(HTML.escape(covered))), not every run gives these claims the same verdict:</p><ul class=\"fail\">\(fragile.joined())</ul>")
                    + (retrials < sweeps.map(\.sweep.runs.count).reduce(0, +)
                        ? "<p class=\"meta\">Not counted: stale sweeps (older code) and runs at other settings.</p>" : ""))
        }
        for (sweep, stale) in sweeps {
            let page = SweepPage(sweep: sweep, stale: stale)
            let (always, never, split) = page.verdicts
            // Collapsed under a one-line verdict, so the tables do not lengthen the page.
            // A stale sweep says so on its line: closed, the block showed no sign of it.
            let summary =
                (stale ? "<span class=\"fail\">stale (older code)</span> · " : "")
                + "\(HTML.escape(SweepPage.gridText(sweep.grid))) · BLAS kernel \(HTML.escape(sweep.provenance.blasCoreType)) · "
                + (sweep.runs.count == 1
                    ? "one run: \(always) of \(always + never) claims hold"
                    : split == 0
                    ? "each claim gives the same verdict in all \(sweep.runs.count) runs (\(always) hold, \(never) fail)"
                    : "<span class=\"fail\">\(split) of \(always + never + split) claims give different verdicts in different runs</span>")
            parts.append(
                "<details class=\"sweep\"><summary>\(summary)</summary>"
                    + "<p class=\"meta\">\(HTML.escape(page.provenanceText())) · <a href=\"../sweeps/\(HTML.escape(SweepPage.fileName(sweep)))\">every claim and metric</a></p>"
                    + (stale ? "<p class=\"expect fail\">Stale: this lesson's code or the library's has changed since the sweep was measured.</p>" + (staleComparison(sweep).map { "<p class=\"meta\">\(HTML.escape($0))</p>" } ?? "") : "")
                    + page.claimTable() + "</details>")
        }
        parts.append("</section>")
        return parts.joined(separator: "\n")
    }

    /// For a stale sweep, whether this page's run still gives its claims the verdicts the
    /// sweep's run at the same settings, under the same BLAS kernel, gave: a learner can tell a
    /// change that moved these claims from one that did not. Nil where the sweep has no such run
    /// or shares no checked claim with this page.
    func staleComparison(_ sweep: SweepRecord) -> String? {
        guard let kernel = record.provenance.blasKernel,
            let run = sweep.runs.first(where: {
                $0.blasKernel == kernel && $0.uses(record.parameters.values, ignoring: [])
            })
        else { return nil }
        let ours = Dictionary(
            record.expectations.filter(\.checked).map { ($0.claim, $0) }, uniquingKeysWith: { a, _ in a })
        let shared = run.claims.filter { $0.checked && ours[$0.claim] != nil }
        guard !shared.isEmpty else { return nil }
        let differing = shared.filter { ours[$0.claim]!.passed != $0.passed }
        let sameMeasurement = shared.filter { ours[$0.claim]!.measured == $0.measured }.count
        let settings = run.settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: " ")
        let opening = "Its run at this page's settings (\(settings), \(kernel)) against this page's run: "
        guard differing.isEmpty else {
            return opening + "\(differing.count) of the \(shared.count) claims they share give another verdict here ("
                + differing.map(\.claim).joined(separator: "; ") + ")."
        }
        return opening + "each of the \(shared.count) claims they share gives the same verdict ("
            + (sameMeasurement == shared.count
                ? "and the same measurement)." : "\(sameMeasurement) with the same measurement).")
    }

    /// How the page was made, collapsed under one line (code version, machine): every page
    /// keeps its provenance without a screen of it at the end.
    func provenanceHTML() -> String {
        let p = record.provenance
        let stages = record.stages.map {
            "\(HTML.escape($0.name)): \($0.outcome.rawValue) (\(Page.duration($0.seconds)))\($0.warning.map { " — " + HTML.escape($0) } ?? "")"
        }
        // The kernel belongs on the summary line: a sweep's column matches this page only
        // under the same one.
        let kernel = p.blasKernel.map { " · OpenBLAS " + HTML.escape($0) } ?? ""
        return """
            <footer class="provenance"><details><summary>How this page was made <span class="meta">· code \(HTML.escape(p.codeVersion)) · \(HTML.escape(p.machine))\(kernel)</span></summary><dl>
            <dt>code version</dt><dd>\(HTML.escape(p.codeVersion))</dd>
            <dt>machine</dt><dd>\(HTML.escape(p.machine))\(kernel)</dd>
            <dt>started</dt><dd>\(HTML.escape(ISO8601DateFormatter().string(from: p.startedAt)))</dd>
            <dt>compile</dt><dd>\(Page.duration(p.compileSeconds))\(p.compileCached ? " (cached)" : "")</dd>
            <dt>run</dt><dd>\(Page.duration(p.runSeconds))</dd>
            \(stages.isEmpty ? "" : "<dt>stages</dt><dd>" + stages.joined(separator: "<br>") + "</dd>")
            </dl></details></footer>
            """
    }
}

/// The page frame and small formatting helpers shared by every page.
enum Page {
    /// The page; a `sidebar` (a lesson's contents) sits beside the text on wide screens and
    /// above it on narrow ones; a `wide` page (the report card's table) takes more of the screen.
    static func document(
        title: String, stylesheet: String, body: String, sidebar: String? = nil,
        header: String = "", wide: Bool = false
    ) -> String {
        let main = wide ? "<main class=\"wide\">" : "<main>"
        let content =
            sidebar.map {
                "<div class=\"with-sidebar\">\n\(header)\n\($0)\n\(main)\n\(body)\n</main>\n</div>"
            } ?? "\(main)\n\(header)\n\(body)\n</main>"
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(title)) — Tokenwise</title>
            <link rel="stylesheet" href="\(stylesheet)">
            </head>
            <body>
            \(content)
            </body>
            </html>

            """
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 1 { return String(format: "%.0f ms", seconds * 1000) }
        if seconds < 120 { return String(format: "%.1f s", seconds) }
        return String(format: "%d min %02d s", Int(seconds) / 60, Int(seconds) % 60)
    }

}
