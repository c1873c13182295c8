// The site as a map: heading anchors, each lesson's contents and place in the course, and the
// report card's claim links, followed to the cells that made them.

import Foundation
import Testing
@testable import LessonEngine
@testable import LessonRuntime
@testable import Report

@Suite struct MapTests {
    func record(_ id: String, cells: [CellRecord], quick: Bool = false) -> RunRecord {
        RunRecord(format: 1, lessonID: id, title: "Lesson \(id)", path: "lessons/\(id).swift", sourceHash: "0",
                  declarations: [], parameters: ParameterValues(values: ["model": ""], changed: [:]), quick: quick,
                  status: .succeeded, compileErrors: [], cells: cells, stages: [],
                  provenance: Provenance(codeVersion: "abc", libraryHash: "def", machine: "test machine",
                                         startedAt: Date(timeIntervalSince1970: 0), compileSeconds: 0.4,
                                         compileCached: true, runSeconds: 1))
    }

    func cell(_ index: Int, _ prose: String, _ outputs: [Output] = [], code: String = "") -> CellRecord {
        CellRecord(cell: Cell(index: index, prose: prose, code: code, firstLine: index * 10 + 1, codeLine: index * 10 + 2),
                   status: .ok, outputs: outputs, error: nil, seconds: 0)
    }

    @Test func slugsAreStableReadableAndUniqueOnAPage() {
        #expect(Outline.slug("What training *changed*?") == "what-training-changed")
        #expect(Outline.slug("The model's `show(_:)` — and 2 heads") == "the-models-show-and-2-heads")
        #expect(Outline.slug("¿Qué? 你好") == "qu")
        #expect(Outline.slug("…") == "section")
        #expect(Outline.slug(String(repeating: "word ", count: 40)).count <= 64)
        var outline = Outline(reserved: ["cell-1"])
        #expect(outline.add(level: 2, text: "Results", html: "Results") == "results")
        #expect(outline.add(level: 2, text: "Results", html: "Results") == "results-2")
        #expect(outline.add(level: 3, text: "Cell 1", html: "Cell 1") == "cell-1-2")
        let html = Markdown.html("## A <b> heading\n\n## A <b> heading")
        #expect(html.contains("<h2 id=\"a-b-heading\">A &lt;b&gt; heading</h2>"))
        #expect(html.contains("<h2 id=\"a-b-heading-2\">"))
    }

    @Test func aLessonPageShowsItsPlaceAndContentsAtTheTopAndItsNeighboursTwice() {
        let page = LessonPage(
            record: record("07-x", cells: [cell(0, "# Seven\nIntro."), cell(1, "## First part"), cell(2, "### A detail\n## First part")]),
            previous: ("06-w", "Six"), next: ("08-y", "Eight"), position: (number: 7, count: 14)
        ).html()
        #expect(page.contains("Lesson 7 of 14"))
        #expect(page.contains("<nav class=\"toc\" id=\"contents\""))
        for id in ["first-part", "a-detail", "first-part-2"] {
            #expect(page.contains("href=\"#\(id)\"") && page.contains(" id=\"\(id)\""), "\(id)")
        }
        #expect(!page.contains("href=\"#seven\""))   // the title is not in its own contents
        // The contents come before the text, and previous/next are at the top and at the bottom.
        #expect(page.range(of: "id=\"contents\"")!.lowerBound < page.range(of: "id=\"cell-0\"")!.lowerBound)
        #expect(page.components(separatedBy: "rel=\"next\" href=\"08-y.html\"").count - 1 == 2)
        #expect(page.components(separatedBy: "rel=\"prev\" href=\"06-w.html\"").count - 1 == 2)
    }

    /// Every claim link on the report card lands on the lesson page's cell holding that claim.
    @Test func reportCardClaimLinksLandOnTheirCells() throws {
        let failing = ExpectationResult(claim: "SFT keeps what the base knew (accuracy, sft − base)",
                                        measured: "-0.127 ≤ -0.1 (a 10-point margin)", passed: false,
                                        value: -0.127, threshold: -0.1)
        let holding = ExpectationResult(claim: "the loss falls", measured: "1 < 2", passed: true, value: 1, threshold: 2)
        let records = [
            record("04-a", cells: [cell(0, "# A"), cell(1, "## Loss", [.metric(Metric(name: "loss", value: 1, unit: "nats")), .expectation(holding)])]),
            record("07-b", cells: [cell(0, "# B"), cell(1, "## Setup"),
                                   cell(2, "## Knowledge", [.expectation(holding), .expectation(failing), .text("Here the claim **fails**.")])]),
        ]
        let index = IndexPage(entries: records.map { .init(id: $0.lessonID, title: $0.title, record: $0, note: nil) }).html()
        let links = try Regex(#"href="lessons/([0-9a-z-]+)\.html#([a-z0-9-]+)""#)
        let found = index.matches(of: links).map { (String($0.output[1].substring!), String($0.output[2].substring!)) }
        #expect(found.count >= 5)
        #expect(index.contains("SFT keeps what the base knew</a>: <span class=\"measured\">-0.127 ≤ -0.1 (a 10-point margin)</span>"))
        for (lesson, anchor) in found {
            let record = try #require(records.first { $0.lessonID == lesson })
            let page = LessonPage(record: record, previous: nil, next: nil).html()
            let start = try #require(page.range(of: "id=\"\(anchor)\""), "\(lesson)#\(anchor) lands nowhere")
            let rest = page[start.lowerBound...]
            let end = try #require(rest.range(of: "</section>").map { rest[..<$0.lowerBound] })
            let number = try #require(Int(anchor.dropFirst("cell-".count)))
            let claims = record.cells[number].outputs.compactMap { if case .expectation(let e) = $0 { e.claim } else { nil } }
            #expect(!claims.isEmpty, "\(anchor) is a cell with a claim")
            for claim in claims { #expect(end.contains(HTML.escape(claim)), "\(claim) in \(lesson)#\(anchor)") }
        }
        #expect(!index.contains("model="))   // a parameter with no value is no chip
    }

    @Test func aFailingClaimAndItsStoryAreOneCalloutInProse() {
        let failing = ExpectationResult(claim: "a claim", measured: "0 ≤ 1", passed: false, value: 0, threshold: 1)
        let page = LessonPage(record: record("07-b", cells: [
            cell(0, "# B", [.expectation(failing), .text("So it did **not** work: <b>escaped</b>.")]),
            cell(1, "## Later", [.text("Nor does the model name itself, as real models trained on the web do. It says nothing of itself at all."),
                                 .text("step 1 loss 2.3\nstep 2 loss 2.1")]),
        ]), previous: nil, next: nil).html()
        #expect(page.contains("<aside class=\"callout failing\"><p class=\"expect fail\" id=\"claim-0-0\"><span class=\"badge\">✗ does not hold</span> a claim <span class=\"measured\">0 ≤ 1</span></p><div class=\"story\"><p>So it did <strong>not</strong> work: &lt;b&gt;escaped&lt;/b&gt;.</p></div></aside>"))
        #expect(page.contains("<div class=\"shown-prose\"><p>Nor does the model name itself"))
        #expect(page.contains("<pre class=\"output\">step 1 loss 2.3\nstep 2 loss 2.1</pre>"))
    }

    /// A lesson closes with its claims, one line each (verdict, claim, measurement as printed),
    /// each linked to its cell, listed in the contents, and placed before the stored sweeps.
    @Test func aLessonPageClosesWithWhatThisRunShowedLinkedToTheCells() throws {
        let holding = ExpectationResult(claim: "the loss falls <b>", measured: "1.86 < 2.5 (bigram)", passed: true, value: 1.86, threshold: 2.5)
        let failing = ExpectationResult(claim: "SFT keeps what the base knew (accuracy, sft − base)", measured: "-0.127 ≤ -0.1", passed: false)
        let unchecked = ExpectationResult(claim: "recall grows", measured: "0.1 vs 0.2", passed: false, checked: false)
        let lessons = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("lessons")
        let sweep = try #require(Engine.courseSweeps(lessonsDirectory: lessons).first)
        let page = LessonPage(record: record("07-b", cells: [
            cell(0, "# B"), cell(1, "## Loss", [.expectation(holding)]),
            cell(2, "## Knowledge", [.text("x"), .expectation(failing), .text("It **fails**."), .expectation(unchecked)]),
        ]), previous: nil, next: nil, sweeps: [(sweep, false)]).html()
        #expect(page.contains(
            "<section class=\"showed\"><h2 id=\"what-this-run-showed\">What this run showed</h2><p class=\"meta\">1 of 2 claims hold · 1 not checked in quick mode.</p><ul class=\"showed\">"
            + "<li class=\"expect pass\"><span class=\"badge\">✓ holds</span> <a href=\"#cell-1\">the loss falls &lt;b&gt;</a> <span class=\"measured\">1.86 &lt; 2.5 (bigram)</span></li>"
            + "<li class=\"expect fail\"><span class=\"badge\">✗ does not hold</span> <a href=\"#cell-2\" title=\"SFT keeps what the base knew (accuracy, sft − base)\">SFT keeps what the base knew</a> <span class=\"measured\">-0.127 ≤ -0.1</span></li>"
            + "<li class=\"expect unchecked\"><span class=\"badge\">– not checked in quick mode</span> <a href=\"#cell-2\">recall grows</a> <span class=\"measured\">0.1 vs 0.2</span></li></ul></section>"))
        #expect(page.contains("<li class=\"level-2\"><a href=\"#what-this-run-showed\">What this run showed</a></li>"))
        let showed = try #require(page.range(of: "<section class=\"showed\">")).lowerBound
        #expect(page.range(of: "id=\"cell-2\"")!.lowerBound < showed)
        #expect(showed < page.range(of: "<section class=\"sweeps\">")!.lowerBound)
        // A lesson without claims has no such section.
        let none = LessonPage(record: record("01-a", cells: [cell(0, "# A")]), previous: nil, next: nil).html()
        #expect(!none.contains("What this run showed"))
    }

    @Test func ratesShowTheirValueOnceAndCompactlyWithTheFullTextOnHover() {
        let rate = IntervalText("56% (123 of 220; 95% CI 49–62%)")
        #expect(rate?.compact == "56% ±7")
        #expect(IntervalText("38% (mean of 12; 95% CI 31–45%)")?.compact == "38% ±7")
        #expect(IntervalText("0% (0 of 26; 95% CI 0–13%)")?.compact == "0% ±7")
        #expect(IntervalText("56% (123 of 220; 95% CI 49–62%) and more") == nil)
        #expect(IntervalText("+31 points (95% CI +12 to +48)") == nil)
        #expect(IntervalText.cellHTML("56% (123 of 220; 95% CI 49–62%)")
                == "<span class=\"interval\" title=\"56% (123 of 220; 95% CI 49–62%)\">56% ±7</span>")
        #expect(IntervalText.cellHTML("<b>") == "&lt;b&gt;")
        let metric = LessonPage.metricHTML(Metric(name: "share — 32% (20 of 63; 95% CI 22–44%)", value: 31.746, unit: "%"))
        #expect(metric == "<span class=\"name\">share</span> <span class=\"value\"><span class=\"interval\" title=\"32% (20 of 63; 95% CI 22–44%)\">32% ±11</span></span>")
        #expect(!metric.contains("31.75"))
        #expect(LessonPage.metricHTML(Metric(name: "loss", value: 1.5, unit: "nats")) == "<span class=\"name\">loss</span> <span class=\"value\">1.5</span> nats")
        // A cell's metrics in a row are one list; a single one stays a paragraph.
        let metrics = LessonPage(record: record("04-a", cells: [
            cell(0, "", [.metric(Metric(name: "a", value: 1)), .metric(Metric(name: "b", value: 2)), .text("x"),
                         .metric(Metric(name: "c", value: 3))]),
        ]), previous: nil, next: nil).html()
        #expect(metrics.contains("<ul class=\"metric-list\"><li class=\"metric\"><span class=\"name\">a</span> <span class=\"value\">1</span></li><li class=\"metric\"><span class=\"name\">b</span>"))
        #expect(metrics.contains("<p class=\"metric\"><span class=\"name\">c</span>"))
        let table = LessonPage(record: record("10-c", cells: [cell(0, "", [.table(Table(columns: ["round", "right"], rows: [["1", "56% (123 of 220; 95% CI 49–62%)"]]))])]),
                               previous: nil, next: nil).html()
        #expect(table.contains("<td>1</td><td><span class=\"interval\" title=\"56% (123 of 220; 95% CI 49–62%)\">56% ±7</span></td>"))
        // A table with compact rates says what ± means under it; one without does not.
        #expect(table.contains("</table></div>" + LessonPage.intervalKey))
        #expect(!LessonPage.tableHTML(Table(columns: ["#"], rows: [["1"]])).contains(LessonPage.intervalKey))
    }

    /// A table of more than fifteen rows shows its first ten; the others are in a second body,
    /// shown when the line under the table is opened. Fifteen rows or fewer: one body, as before.
    @Test func longTablesShowTheirFirstRowsAndTheRestOneClickAway() {
        let rows = (1...24).map { ["\($0)", "<reply \($0)>"] }
        let long = LessonPage.tableHTML(Table(title: "24 sampled solutions", columns: ["#", "solution"], rows: rows))
        #expect(long.hasPrefix("<div class=\"table-wrap long\"><table class=\"data\"><caption>24 sampled solutions</caption>"))
        #expect(long.contains("<td>10</td><td>&lt;reply 10&gt;</td></tr></tbody><tbody class=\"more-rows\"><tr><td>11</td>"))
        #expect(long.hasSuffix("</tbody></table><details class=\"more-rows\"><summary>14 more rows (24 in all)</summary></details></div>"))
        #expect(long.components(separatedBy: "<tr>").count - 1 == 25)   // the head and every row, once
        let short = LessonPage.tableHTML(Table(columns: ["#"], rows: (1...15).map { ["\($0)"] }))
        #expect(short.hasPrefix("<div class=\"table-wrap\">") && !short.contains("more-rows"))
        // The page's provenance is one line, the rest collapsed under it.
        let page = LessonPage(record: record("04-a", cells: [cell(0, "# A")]), previous: nil, next: nil).html()
        #expect(page.contains("<footer class=\"provenance\"><details><summary>How this page was made <span class=\"meta\">· code abc · test machine</span></summary><dl>"))
        // With the BLAS kernel the run used: a sweep's column matches the page only under it.
        var withKernel = record("04-a", cells: [cell(0, "# A")])
        withKernel.provenance.blasKernel = "SkylakeX"
        let kernelPage = LessonPage(record: withKernel, previous: nil, next: nil).html()
        #expect(kernelPage.contains("· code abc · test machine · OpenBLAS SkylakeX</span></summary>"))
    }

    @Test func harnessCodeIsCollapsedUnderItsOneLine() {
        let code = "let x = 1\n// harness: table assembly\nshow(x)\nprint(x)\n// end harness\nlet y = 2"
        let page = LessonPage(record: record("04-a", cells: [cell(0, "# A", code: code)]), previous: nil, next: nil).html()
        #expect(page.contains("<details class=\"harness\"><summary>Harness: table assembly <span class=\"meta\">(2 lines, from line 4)</span></summary><pre class=\"code\" data-line=\"4\">"))
        #expect(page.contains("<pre class=\"code\" data-line=\"2\"><code><span class=\"k\">let</span> x"))
        #expect(page.contains("<pre class=\"code\" data-line=\"7\"><code><span class=\"k\">let</span> y"))
        #expect(!page.contains("// harness") && !page.contains("end harness"))
        // Two harness parts in a row are one block.
        let joined = LessonPage(record: record("04-a", cells: [cell(0, "# A", code: "// harness: one\na()\n// harness: two\nb()")]),
                                previous: nil, next: nil).html()
        #expect(joined.components(separatedBy: "<details class=\"harness\">").count - 1 == 1)
        #expect(joined.contains("<summary>Harness: one; two <span class=\"meta\">(2 lines, from line 3)</span></summary>"))
    }

    @Test func theLeaderboardIsADotPlotWithWhiskersAtTheTopOfTheReportCard() throws {
        let table = Table(title: "Leaderboard", columns: ["rank", "model", "rating", "95% CI", "wins"],
                          rows: [["1", "sft-<b>", "1066", "1039–1154", "24% (30 of 126; 95% CI 17–32%)"],
                                 ["2", "base", "1059", "1036–1126", "26% (33 of 126; 95% CI 19–34%)"]])
        let plot = try #require(LeaderboardPlot(table))
        #expect(plot.rows == [.init(model: "sft-<b>", rating: 1066, low: 1039, high: 1154),
                              .init(model: "base", rating: 1059, low: 1036, high: 1126)])
        #expect(LeaderboardPlot(Table(columns: ["model", "rating"], rows: [["a", "1"]])) == nil)
        #expect(LeaderboardPlot(Table(columns: ["model", "rating", "95% CI"], rows: [["a", "1", "2–1"]])) == nil)
        let svg = plot.svg()
        #expect(svg.components(separatedBy: "class=\"dot\"").count - 1 == 2)
        #expect(svg.components(separatedBy: "class=\"whisker\"").count - 1 == 6)
        #expect(svg.contains(">sft-&lt;b&gt;</text>") && !svg.contains("<b>"))
        #expect(LeaderboardPlot.ticks(from: 1020, to: 1170) == [1050, 1100, 1150])
        let index = IndexPage(entries: [.init(id: "14-arena", title: "Arena", record: record("14-arena", cells: [cell(0, "# Arena"), cell(1, "", [.table(table)])]), note: nil)]).html()
        let models = try #require(index.range(of: "<section id=\"models\">"))
        #expect(models.lowerBound < index.range(of: "<section id=\"lessons\">")!.lowerBound)
        #expect(index.contains("href=\"lessons/14-arena.html#cell-1\""))
        // The arena's row on the report card names its leader, escaped.
        #expect(index.contains("leads: sft-&lt;b&gt; 1066 (95% CI 1039–1154)</a>"))
        // A lesson whose claims were none of them checked says so, not "0 of 0 claims hold".
        let unchecked = ExpectationResult(claim: "c", measured: "1 vs 2", passed: false, checked: false)
        #expect(IndexPage.tally([unchecked]) == "1 not checked in quick mode")
        #expect(IndexPage.tally([unchecked, ExpectationResult(claim: "d", measured: "1 < 2", passed: true)])
                == "1 of 1 claims hold · 1 not checked in quick mode")
    }
}
