import Course
import Figures
import Foundation
import Testing
@testable import LessonEngine
@testable import Report

let hostile = "</script><img src=x onerror=\"alert(1)\">&"

@Suite struct MarkdownTests {
    @Test func blocksAndInlines() {
        let html = Markdown.html("""
        # Title
        Some *emphasis*, **strong**, `code <b>` and a [link](https://example.org).

        - one
        - two

        1. first
        2. second

        > quoted

        | a | b |
        |---|---|
        | 1 | 2 |

        ```
        let x = 1 < 2
        ```
        """)
        #expect(html.contains("<h1 id=\"title\">Title</h1>"))
        #expect(html.contains("<em>emphasis</em>") && html.contains("<strong>strong</strong>"))
        #expect(html.contains("<code>code &lt;b&gt;</code>"))
        #expect(html.contains("<a href=\"https://example.org\">link</a>"))
        #expect(html.contains("<ul><li>one</li><li>two</li></ul>") && html.contains("<ol><li>first</li><li>second</li></ol>"))
        #expect(html.contains("<blockquote><p>quoted</p></blockquote>"))
        #expect(html.contains("<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>"))
        #expect(html.contains("<pre><code>let x = 1 &lt; 2</code></pre>"))
    }

    @Test func whatWeTriedIsACollapsedBlock() {
        let html = Markdown.html("""
        The claim's cell.

        > **What we tried** Training only on problems with a *wrong* sample
        > did not help: `tokenwise sweep 12 --set lr=2e-5,1e-4` measures it.
        >
        > A second paragraph, <b>escaped</b> \(hostile).

        > An ordinary quote.
        """)
        #expect(html == """
        <p>The claim&#39;s cell.</p>
        <details class="tried"><summary>What we tried</summary><p>Training only on problems with a \
        <em>wrong</em> sample did not help: <code>tokenwise sweep 12 --set lr=2e-5,1e-4</code> \
        measures it.</p>
        <p>A second paragraph, &lt;b&gt;escaped&lt;/b&gt; &lt;/script&gt;&lt;img src=x \
        onerror=&quot;alert(1)&quot;&gt;&amp;.</p></details>
        <blockquote><p>An ordinary quote.</p></blockquote>
        """)
        // The marker alone on the first line, and a colon after it.
        #expect(Markdown.html("> **What we tried**\n> Fewer steps.") ==
                "<details class=\"tried\"><summary>What we tried</summary><p>Fewer steps.</p></details>")
        #expect(Markdown.html("> **What we tried**: fewer steps.") ==
                "<details class=\"tried\"><summary>What we tried</summary><p>fewer steps.</p></details>")
    }

    @Test func rawHTMLAndScriptLinksAreNeutralised() {
        let html = Markdown.html("\(hostile) [click](javascript:alert(1)) [data](data:text/html,x)")
        #expect(!html.contains("<script") && !html.contains("</script>") && !html.contains("<img"))
        #expect(html.contains("&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;"))
        #expect(!html.contains("href=\"javascript") && !html.contains("href=\"data"))
    }

    @Test func swiftIsHighlightedAndEscaped() {
        let html = SwiftHighlighter.html("let s = \"</script>\" // <b>\nif 1 < 2 { }")
        #expect(html.contains("<span class=\"k\">let</span>"))
        #expect(html.contains("<span class=\"s\">&quot;&lt;/script&gt;&quot;</span>"))
        #expect(html.contains("<span class=\"c\">// &lt;b&gt;</span>"))
        #expect(html.contains("<span class=\"n\">1</span> &lt; <span class=\"n\">2</span>"))
    }
}

@Suite struct PageTests {
    func record(cells: [CellRecord], status: RunRecord.Status = .succeeded) -> RunRecord {
        let declaration = ParameterDeclaration(name: "steps", kind: .int, defaultValue: "10", doc: "how \(hostile) many", line: 2)
        return RunRecord(format: 1, lessonID: "05-x", title: "X \(hostile)", path: "lessons/05-x.swift", sourceHash: "0",
                         declarations: [declaration],
                         parameters: ParameterValues(values: ["steps": "20"], changed: ["steps": "20"]), quick: false, status: status,
                         compileErrors: [], cells: cells, stages: [StageReport(name: "s", key: "k", outcome: .reused, seconds: 0.1)],
                         provenance: Provenance(codeVersion: "abc", libraryHash: "def", machine: "test machine", startedAt: Date(timeIntervalSince1970: 0),
                                                compileSeconds: 0.4, compileCached: true, runSeconds: 1.5))
    }

    @Test func everyOutputKindReachesThePageEscaped() {
        let figure = Figure.bar(BarChart(title: "chart \(hostile)", bars: [.init(label: hostile, value: 1)]))
        let cell = CellRecord(cell: Cell(index: 0, prose: "# Title\nProse \(hostile)", code: "print(\"\(hostile)\")", firstLine: 1, codeLine: 3),
                              status: .ok,
                              outputs: [.text("printed \(hostile)"), .figure(name: "c", figure: figure),
                                        .table(Table(title: hostile, columns: [hostile], rows: [[hostile]])),
                                        .metric(Metric(name: "metric \(hostile)", value: 1.5, unit: "u")),
                                        .expectation(ExpectationResult(claim: "claim \(hostile)", measured: "1 < 2", passed: true)),
                                        .expectation(ExpectationResult(claim: "failing claim", measured: "3 ≥ 2", passed: false)),
                                        .progress(ProgressReport(label: "training", step: 5, total: 5, loss: 1.25))],
                              error: nil, seconds: 0.1)
        let html = LessonPage(record: record(cells: [cell]), previous: ("04-w", "W"), next: nil).html()
        #expect(!html.contains("<img") && !html.contains("</script>"))
        #expect(html.components(separatedBy: "&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;").count - 1 >= 8)
        #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(html.contains("id=\"c0-1-clip") || html.contains("<figure class=\"chart\""))
        #expect(html.contains("<table class=\"data\">"))
        #expect(html.contains("<span class=\"value\">1.5</span>"))
        #expect(html.contains("class=\"expect pass\"") && html.contains("class=\"expect fail\""))
        #expect(html.contains("training: 5 of 5, loss 1.2500"))
        #expect(html.contains("changed from 10"))
        #expect(html.contains("href=\"04-w.html\""))
        #expect(html.contains("test machine") && html.contains("(cached)"))
        #expect(html.hasPrefix("<!doctype html>") && html.contains("<link rel=\"stylesheet\" href=\"../style.css\">"))
    }

    @Test func failedAndNotRunCellsAreMarked() {
        let cells = [
            CellRecord(cell: Cell(index: 0, prose: "", code: "a", firstLine: 1, codeLine: 1), status: .ok, outputs: [], error: nil, seconds: 0),
            CellRecord(cell: Cell(index: 1, prose: "## B", code: "b", firstLine: 2, codeLine: 3), status: .failed, outputs: [], error: "crashed: \(hostile)", seconds: 0),
            CellRecord(cell: Cell(index: 2, prose: "## C", code: "c", firstLine: 4, codeLine: 5), status: .notRun, outputs: [], error: nil, seconds: 0),
        ]
        let html = LessonPage(record: record(cells: cells, status: .failed), previous: nil, next: nil).html()
        #expect(html.contains("This cell failed.") && html.contains("crashed: &lt;/script&gt;"))
        #expect(html.contains("Not run: an earlier cell failed."))
        #expect(html.contains("stopped by an error"))
    }

    @Test func indexHasTheOutlineReportCardAndProvenance() {
        let cell = CellRecord(cell: Cell(index: 0, prose: "", code: "", firstLine: 1, codeLine: 1), status: .ok,
                              outputs: [.metric(Metric(name: "loss", value: 1.86, unit: "nats")),
                                        .expectation(ExpectationResult(claim: "loss below bigram \(hostile)", measured: "1.86 < 2.5", passed: true)),
                                        .expectation(ExpectationResult(claim: "recall grows", measured: "0.1 vs 0.2", passed: false, checked: false))],
                              error: nil, seconds: 0)
        let html = IndexPage(entries: [.init(id: "05-x", title: "X", record: record(cells: [cell]), note: nil),
                                       .init(id: "06-y", title: "Y", record: nil, note: "not run yet")]).html()
        #expect(html.contains("<a href=\"lessons/05-x.html\">X</a>"))
        #expect(html.contains("not run yet"))
        #expect(html.contains("1 of 2 lessons run") && html.contains("1 of 1 claims hold · 1 not checked in quick mode"))
        #expect(html.contains("<tr class=\"unchecked\"><td>– not checked in quick mode</td><td><a href=\"lessons/05-x.html#cell-0\">recall grows</a></td>"))
        #expect(html.contains("loss below bigram &lt;/script&gt;"))
        #expect(html.contains("steps=20") && html.contains("test machine"))
    }
}

@Suite struct SiteWriterTests {
    /// A course lesson's page goes to site/lessons/; one from elsewhere to site/scratch/, so the
    /// course's folder of pages holds the course only.
    @Test func pagesOfLessonsFromOutsideTheCourseAreKeptApart() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-site-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let course = root.appendingPathComponent("lessons"), elsewhere = root.appendingPathComponent("notes")
        for folder in [course, elsewhere] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let text = "//: # A lesson\nprint(1)\n"
        try Data(text.utf8).write(to: course.appendingPathComponent("01-a.swift"))
        try Data(text.utf8).write(to: elsewhere.appendingPathComponent("mine.swift"))
        let engine = Engine(workspace: root.appendingPathComponent(".tokenwise"), toolchain: try Toolchain.locate(), timeLimit: 10)
        let site = SiteWriter(engine: engine, lessonsDirectory: course)
        for (url, folder) in [(course.appendingPathComponent("01-a.swift"), "lessons"), (elsewhere.appendingPathComponent("mine.swift"), "scratch")] {
            let source = try LessonSource(url: url, course: course)
            var record = PageTests().record(cells: [])
            record.lessonID = source.id
            let page = try site.writeLessonPage(record, source: source)
            #expect(page.deletingLastPathComponent().lastPathComponent == folder, "\(url.lastPathComponent) → \(page.path)")
            #expect(FileManager.default.fileExists(atPath: page.path))
        }
    }
}
