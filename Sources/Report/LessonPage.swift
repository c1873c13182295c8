// One lesson's page: its prose, highlighted code, and every output in the cell that made it —
// text, figures (inline SVG), tables, metrics, expectations with pass/fail — plus which
// parameters differ from the defaults, the run's provenance, and links to its neighbours.

import LessonRuntime
import Figures
import Foundation
import LessonEngine

struct LessonPage {
    let record: RunRecord
    let previous: (id: String, title: String)?
    let next: (id: String, title: String)?

    func html() -> String {
        var body: [String] = []
        // The lesson's own "# Title" heading opens its first cell; only a lesson without one gets a heading here.
        let hasHeading = record.cells.contains {
            $0.cell.prose.split(separator: "\n").contains { $0.hasPrefix("# ") }
        }
        body.append(
            "<header><p class=\"crumbs\"><a href=\"../index.html\">Course</a></p>"
                + (hasHeading ? "" : "<h1>\(HTML.escape(record.title))</h1>"))
        body.append(
            "<p class=\"meta\">\(HTML.escape(record.path)) · \(statusText())\(record.quick ? " · quick settings" : "")</p>"
        )
        body.append(parametersHTML() + "</header>")
        if record.status == .compileFailed {
            body.append(
                "<section class=\"error\"><h2>The lesson did not compile</h2><pre>\(HTML.escape(record.compileErrors.joined(separator: "\n")))</pre><p>Nothing was run.</p></section>"
            )
        }
        for cell in record.cells { body.append(cellHTML(cell)) }
        body.append(navigationHTML())
        body.append(provenanceHTML())
        return Page.document(
            title: record.title, stylesheet: "../style.css", body: body.joined(separator: "\n"))
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

    func cellHTML(_ cell: CellRecord) -> String {
        var parts: [String] = [
            "<section class=\"cell \(cell.status == .notRun && record.status != .succeeded ? "not-run" : "")\" id=\"cell-\(cell.cell.index)\">"
        ]
        if !cell.cell.prose.isEmpty {
            parts.append("<div class=\"prose\">" + Markdown.html(cell.cell.prose) + "</div>")
        }
        if !cell.cell.code.isEmpty {
            parts.append(
                "<pre class=\"code\" data-line=\"\(cell.cell.codeLine)\"><code>\(SwiftHighlighter.html(cell.cell.code))</code></pre>"
            )
        }
        for (index, output) in cell.outputs.enumerated() {
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

    func outputHTML(_ output: Output, cell: Int, index: Int) -> String {
        switch output {
        case .text(let text):
            return "<pre class=\"output\">\(HTML.escape(text))</pre>"
        case .figure(let name, let figure):
            let options = RenderOptions(idPrefix: "c\(cell)-\(index)-")
            do {
                let svg = try FigureRenderer.svg(figure, options: options)
                return
                    "<figure class=\"chart\" id=\"\(HTML.escape(name))-\(cell)-\(index)\">\(svg)<figcaption>\(HTML.escape(figure.title))</figcaption></figure>"
            } catch {
                return
                    "<div class=\"error\"><strong>Figure not drawn:</strong> \(HTML.escape("\(error)"))</div>"
            }
        case .table(let table):
            let head =
                "<thead><tr>" + table.columns.map { "<th>\(HTML.escape($0))</th>" }.joined()
                + "</tr></thead>"
            let rows = table.rows.map {
                "<tr>" + $0.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>"
            }.joined()
            let caption =
                table.title.isEmpty ? "" : "<caption>\(HTML.escape(table.title))</caption>"
            return
                "<div class=\"table-wrap\"><table class=\"data\">\(caption)\(head)<tbody>\(rows)</tbody></table></div>"
        case .metric(let metric):
            return
                "<p class=\"metric\"><span class=\"name\">\(HTML.escape(metric.name))</span> <span class=\"value\">\(HTML.escape(displayNumber(metric.value)))</span> \(HTML.escape(metric.unit))</p>"
        case .expectation(let e):
            return
                "<p class=\"expect \(e.state)\"><span class=\"badge\">\(e.verdict)</span> \(HTML.escape(e.claim)) <span class=\"measured\">\(HTML.escape(e.measured))</span></p>"
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

    /// The file name of a lesson's step-through page inside site/steps/.
    static func stepThroughFile(lesson: String, name: String) -> String {
        "\(lesson)-\(name.filter { $0.isLetter || $0.isNumber || $0 == "-" }).html"
    }

    func navigationHTML() -> String {
        let previousLink =
            previous.map {
                "<a rel=\"prev\" href=\"\(HTML.escape($0.id)).html\">← \(HTML.escape($0.title))</a>"
            } ?? "<span></span>"
        let nextLink =
            next.map {
                "<a rel=\"next\" href=\"\(HTML.escape($0.id)).html\">\(HTML.escape($0.title)) →</a>"
            } ?? "<span></span>"
        return "<nav class=\"pager\">\(previousLink)\(nextLink)</nav>"
    }

    func provenanceHTML() -> String {
        let p = record.provenance
        let stages = record.stages.map {
            "\(HTML.escape($0.name)): \($0.outcome.rawValue) (\(Page.duration($0.seconds)))\($0.warning.map { " — " + HTML.escape($0) } ?? "")"
        }
        return """
            <footer class="provenance"><h2>How this page was made</h2><dl>
            <dt>code version</dt><dd>\(HTML.escape(p.codeVersion))</dd>
            <dt>machine</dt><dd>\(HTML.escape(p.machine))</dd>
            <dt>started</dt><dd>\(HTML.escape(ISO8601DateFormatter().string(from: p.startedAt)))</dd>
            <dt>compile</dt><dd>\(Page.duration(p.compileSeconds))\(p.compileCached ? " (cached)" : "")</dd>
            <dt>run</dt><dd>\(Page.duration(p.runSeconds))</dd>
            \(stages.isEmpty ? "" : "<dt>stages</dt><dd>" + stages.joined(separator: "<br>") + "</dd>")
            </dl></footer>
            """
    }
}

/// The page frame and small formatting helpers shared by every page.
enum Page {
    static func document(title: String, stylesheet: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title)) — Tokenwise</title>
        <link rel="stylesheet" href="\(stylesheet)">
        </head>
        <body>
        <main>
        \(body)
        </main>
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
