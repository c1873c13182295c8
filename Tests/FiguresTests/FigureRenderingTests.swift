import Foundation
import Testing
@testable import Figures

@Suite struct FigureRenderingTests {
    @Test(arguments: FigureGallery.examples().map(\.name))
    func everyKindRendersToBothFormats(name: String) throws {
        let figure = FigureGallery.examples().first { $0.name == name }!.figure
        let options = RenderOptions(scale: 1)
        let png = try FigureRenderer.png(figure, options: options)
        let pixels = try PNGPixels(png)
        let size = FigureRenderer.naturalSize(figure)
        #expect(pixels.width == Int(size.width.rounded()) && pixels.height == Int(size.height.rounded()))
        #expect(pixels.matches(1, 1, hex: 0xFFFFFF))   // light theme background
        let svg = try FigureRenderer.svg(figure, options: options)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("<title>\(SVGCanvas.escape(figure.title))</title>"))
        #expect(svg.contains("<text "))
        #expect(svg.hasSuffix("</svg>\n"))
    }

    @Test func heatmapCellsHaveTheirColours() throws {
        let heatmap = Heatmap(title: "Known cells", values: [[0, 0.3], [1, 0.5]], rowLabels: ["a", "b"], columnLabels: ["a", "b"], maskUpperTriangle: true)
        let (width, height) = FigureRenderer.naturalSize(.heatmap(heatmap))
        let pixels = try PNGPixels(try FigureRenderer.png(.heatmap(heatmap), options: RenderOptions(scale: 1)))
        let rect = Rect(x: 0, y: 0, width: width, height: height)
        let (grid, cell) = HeatmapDrawing.layout(heatmap, in: rect, top: FigureRenderer.titleBottom(heatmap.title, in: rect))
        func center(_ row: Int, _ column: Int) -> (Int, Int) { (Int(grid.x + (Double(column) + 0.5) * cell), Int(grid.y + (Double(row) + 0.85) * cell)) }
        var (x, y) = center(0, 0)
        #expect(pixels.matches(x, y, hex: 0x440154), "minimum → viridis(0) at \(x),\(y): \(pixels.rgb(x, y))")
        (x, y) = center(1, 0)
        #expect(pixels.matches(x, y, hex: 0xFDE725), "maximum → viridis(1): \(pixels.rgb(x, y))")
        (x, y) = center(1, 1)
        #expect(pixels.matches(x, y, hex: 0x21918C, tolerance: 6), "0.5 → viridis(0.5): \(pixels.rgb(x, y))")
        (x, y) = center(0, 1)
        #expect(pixels.matches(x, y, hex: 0xF2F3F5), "masked cell: \(pixels.rgb(x, y))")
    }

    @Test func darkThemeAndScale() throws {
        let figure = Figure.bar(BarChart(title: "t", bars: [.init(label: "a", value: 1)]))
        let pixels = try PNGPixels(try FigureRenderer.png(figure, options: RenderOptions(width: 200, height: 100, theme: .dark, scale: 2)))
        #expect(pixels.width == 400 && pixels.height == 200)
        #expect(pixels.matches(2, 2, hex: 0x1B1E23))
    }

    @Test func highlightedBarUsesTheAccent() throws {
        let chart = BarChart(title: "", bars: [.init(label: "x", value: 1, highlighted: true)])
        let pixels = try PNGPixels(try FigureRenderer.png(.bar(chart), options: RenderOptions(width: 300, height: 60, scale: 1)))
        // One full-length bar: its middle is well inside.
        var found = false
        for x in stride(from: 60, to: 240, by: 10) where pixels.matches(x, 30, hex: 0xD55E00) { found = true }
        #expect(found)
    }

    @Test func hostileStringsAreEscapedInSVG() throws {
        let hostile = "</script><img src=x onerror=\"alert(1)\">&"
        let figure = Figure.bar(BarChart(title: hostile, bars: [.init(label: hostile, value: 0.5)], valueLabel: hostile))
        let svg = try FigureRenderer.svg(figure)
        #expect(!svg.contains("<img"))
        #expect(!svg.contains("</script>"))
        #expect(svg.contains("&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;"))
    }

    @Test func sparseSeriesCanOptOutOfSmoothing() throws {
        func polylines(_ smoothed: Bool) throws -> Int {
            let chart = LineChart(title: "t", xLabel: "step", yLabel: "loss",
                                  series: [.init(name: "evaluation", x: [0, 500, 1000], y: [7, 2, 1], smoothed: smoothed)], smoothing: 0.9)
            return try FigureRenderer.svg(.line(chart)).components(separatedBy: "<polyline").count - 1
        }
        // Smoothed: faded raw values and the smoothed line; opted out: the measured values only.
        #expect(try polylines(true) == polylines(false) + 1)
    }

    /// A highlighted (bold) label is measured bold, so it is drawn whole; a label too long for
    /// the label column is wrapped onto two lines, not cut.
    @Test func barLabelsAreNeitherCutWhenBoldNorWhenLong() throws {
        let bold = try FigureRenderer.svg(.bar(BarChart(title: "t", bars: [
            .init(label: "our model", value: 0.3, highlighted: true), .init(label: "gzip -9", value: 1.4),
        ])))
        #expect(bold.contains(">our model</text>") && !bold.contains("…"))
        let long = "identity conversations and a system message, both of them together"
        let wrapped = try FigureRenderer.svg(.bar(BarChart(title: "t", bars: [
            .init(label: long, value: 0.1), .init(label: "none", value: 0.2),
        ])), options: RenderOptions(width: 720, height: 200))
        #expect(wrapped.contains(">identity conversations and a system</text>"))
        #expect(wrapped.contains(">message, both of them together</text>"))
        #expect(BarChartDrawing.twoLines("one two three") == ["one two", "three"] || BarChartDrawing.twoLines("one two three") == ["one", "two three"])
        #expect(BarChartDrawing.twoLines("nospace") == ["nospace"])
        // A title too long for one line takes two.
        let titled = try FigureRenderer.svg(.bar(BarChart(
            title: "Birthplaces the assistant knows, by how many biographies mentioned the person",
            bars: [.init(label: "1", value: 0.5)])), options: RenderOptions(width: 480, height: 200))
        #expect(!titled.contains("…") && titled.contains(">Birthplaces the assistant knows, by how</text>"))
        // A whole claim as a narrow panel's title takes three lines, each within the panel.
        let claim = "worked solutions beat answer-first on held-out word problems (accuracy, worked − answer first)"
        let panel = Rect(x: 0, y: 0, width: 340, height: 200)
        let lines = FigureRenderer.titleLines(claim, in: panel)
        #expect(lines.count == 3)
        #expect(lines.joined(separator: " ") == claim)
        let style = Theme.light.text(FigureRenderer.titleSize, bold: true)
        #expect(lines.allSatisfy { TextMetrics.shared.measure($0, style: style).width <= panel.width - 24 })
    }

    @Test func barLabelsShowWhitespaceOnlyWhenTheyAreTokens() throws {
        let bars: [BarChart.Bar] = [.init(label: "raw HTML", value: 1), .init(label: " the\n", value: 0.5)]
        let categories = try FigureRenderer.svg(.bar(BarChart(title: "t", bars: bars)))
        #expect(categories.contains(">raw HTML<") && !categories.contains("raw·HTML"))
        let tokens = try FigureRenderer.svg(.bar(BarChart(title: "t", bars: bars, tokenLabels: true)))
        #expect(tokens.contains(">raw·HTML<") && tokens.contains(">·the↵<"))
        // A spec stored before the field existed still loads (as category labels).
        let stored = #"{"title":"t","bars":[{"label":"a b","value":1,"highlighted":false}],"valueLabel":"","percent":false}"#
        #expect(try JSONDecoder().decode(BarChart.self, from: Data(stored.utf8)).tokenLabels == nil)
    }

    /// Six panels in three columns fit the report's column: their text is drawn at its size,
    /// not shrunk with a figure twice as wide as the page.
    @Test func smallMultiplesFitThePageWidth() {
        let bar = Figure.bar(BarChart(title: "p", bars: [.init(label: "a", value: 1)]))
        let line = Figure.line(LineChart(title: "l", series: [.init(name: "s", y: [1, 2])]))
        for (figures, columns) in [(Array(repeating: bar, count: 6), 3), ([line, line], 2), ([bar], 1)] {
            let size = FigureRenderer.naturalSize(.smallMultiples(SmallMultiples(title: "m", figures: figures, columns: columns)))
            #expect(size.width <= FigureRenderer.pageWidth)
        }
    }

    /// Small multiples share one value scale unless they say otherwise: a 10% bar beside a
    /// 100% one is drawn a tenth as long (each on its own scale, both would fill their panel).
    @Test func smallMultiplesShareOneScaleUnlessTheySayOtherwise() throws {
        func barLengths(shared: Bool) throws -> [Int] {
            let panels: [Figure] = [1.0, 0.105].map {
                .bar(BarChart(title: "p", bars: [.init(label: "a", value: $0)], percent: true))
            }
            let figure = Figure.smallMultiples(SmallMultiples(title: "m", figures: panels, columns: 2, sharedScale: shared))
            let pixels = try PNGPixels(try FigureRenderer.png(figure, options: RenderOptions(width: 600, height: 160, scale: 1)))
            // The longest run of the bar colour in any row of each half.
            return [0..<300, 300..<600].map { columns in
                (0..<pixels.height).map { y in
                    var longest = 0, run = 0
                    for x in columns {
                        run = pixels.matches(x, y, hex: 0x0072B2) ? run + 1 : 0
                        longest = max(longest, run)
                    }
                    return longest
                }.max()!
            }
        }
        let shared = try barLengths(shared: true), own = try barLengths(shared: false)
        #expect(shared[0] > 100 && abs(Double(shared[1]) / Double(shared[0]) - 0.105) < 0.02, "\(shared)")
        #expect(abs(own[0] - own[1]) < 12 && own[1] > 100, "\(own)")   // the value labels differ in width
        // Lines share with lines, bars with bars; lines on different kinds of axis cannot.
        let bar = Figure.bar(BarChart(title: "b", bars: [.init(label: "a", value: 3)]))
        let line = LineChart(title: "l", series: [.init(name: "s", y: [1, 2])], references: [.init(y: 5, label: "r")])
        var logLine = line
        logLine.yScale = .log
        let scale = SharedScale([bar, .line(line), .line(line)])
        #expect(scale.bars == [3] && scale.lines == [1, 2, 5, 1, 2, 5])
        #expect(SharedScale([.line(line), .line(logLine)]).lines.isEmpty)
        // A spec stored before the field existed shares (nil).
        let stored = #"{"title":"m","figures":[],"columns":2}"#
        #expect(try JSONDecoder().decode(SmallMultiples.self, from: Data(stored.utf8)).sharedScale == nil)
    }

    /// A loss spanning more than two decades is drawn on a log axis, labelled so; a loss within
    /// two decades, anything that is not a loss, and a chart with a value ≤ 0 keep theirs.
    @Test func aLossSpanningDecadesGetsALogAxisLabelledSo() throws {
        func chart(_ y: [Double], yLabel: String = "loss (nats)", title: String = "Finetuning") -> LineChart {
            LineChart(title: title, xLabel: "step", yLabel: yLabel, series: [.init(name: "", y: y)])
        }
        let memorised = chart([6.5, 1e-2, 1e-4])
        #expect(LineChartDrawing.yScale(memorised) == .log)
        #expect(LineChartDrawing.yLabel(memorised) == "loss (nats), log scale")
        #expect(LineChartDrawing.yScale(chart([8, 0.7])) == .linear)
        #expect(LineChartDrawing.yScale(chart([6.5, 1e-4], yLabel: "", title: "Reward model: pairwise loss")) == .log)
        #expect(LineChartDrawing.yScale(chart([3e-3, 3e-6], yLabel: "learning rate", title: "Schedule")) == .linear)
        #expect(LineChartDrawing.yScale(chart([6.5, 0, 1e-4])) == .linear)
        var explicit = chart([8, 0.7], yLabel: "loss")
        explicit.yScale = .log
        #expect(LineChartDrawing.yScale(explicit) == .log && LineChartDrawing.yLabel(explicit) == "loss")
        // Drawn on it: 1e-2 sits halfway between 1 and 1e-4, and the label says log scale.
        let svg = try FigureRenderer.svg(.line(chart([1, 1e-2, 1e-4])))
        #expect(svg.contains(">loss (nats), log scale</text>") && svg.contains(">1e-4</text>"))
        let lines = svg.components(separatedBy: "<polyline points=\"").dropFirst().map {
            $0.prefix { $0 != "\"" }.split(separator: " ").map { Double($0.split(separator: ",")[1])! }
        }
        let points = try #require(lines.first { $0.count == 3 })   // the series (axes are two-point lines)
        #expect(abs(points[1] - (points[0] + points[2]) / 2) < 0.01, "\(points)")
    }

    /// Lesson 4's grid (4 layers × 4 heads over 5 tokens) fits the report's text column with
    /// its values printed at a size that reads, so the page does not shrink them.
    @Test func anAttentionGridFitsThePageWithReadableValues() throws {
        let values = (0..<5).map { row in (0..<5).map { $0 <= row ? 1 / Double(row + 1) : 0 } }
        let labels = ["Gartes", "·Dorqua", "·was", "·born", "·in"]
        let grid = HeatmapGrid(title: "Attention after training", panels: (0..<16).map {
            Heatmap(title: "layer \($0 / 4 + 1) head \($0 % 4 + 1)", values: values, rowLabels: labels, columnLabels: labels,
                    maskUpperTriangle: true, minimum: 0, maximum: 1)
        }, columns: 4)
        #expect(FigureRenderer.naturalSize(.heatmapGrid(grid)).width <= FigureRenderer.pageWidth)
        let svg = try FigureRenderer.svg(.heatmapGrid(grid))
        let sizes = try Regex(#"font-size="([0-9.]+)"[^>]*>0\.33</text>"#)
        let printed = svg.matches(of: sizes).compactMap { Double($0.output[1].substring!) }
        #expect(printed.count == 16 * 3)   // every panel's three 1/3 cells
        #expect(printed.allSatisfy { $0 >= 9.5 }, "\(printed.first ?? 0)")
    }

    /// Graph labels are drawn as written: an architecture's "token ids (T)" keeps its spaces;
    /// token labels arrive already marked ("“·the”", as LanguageModel.label writes them).
    @Test func graphLabelsAreDrawnAsWritten() throws {
        let graph = GraphDiagram(title: "g", nodes: [.init(id: "a", label: "token ids (T)"), .init(id: "b", label: "“·the” 21%")],
                                 edges: [.init(from: "a", to: "b")])
        let svg = try FigureRenderer.svg(.graph(graph))
        #expect(svg.contains(">token ids (T)<") && svg.contains(">“·the” 21%<"))
    }

    @Test func controlCharactersBecomeVisibleEscapes() throws {
        let figure = Figure.tokenStrip(TokenStrip(title: "t", tokens: [.init(text: "a\u{0}b\u{7}", id: 1), .init(text: " \n", id: 2), .init(text: "日本👋🏽", id: 3)]))
        let svg = try FigureRenderer.svg(figure)
        #expect(svg.contains("a\\x00b\\x07"))
        #expect(svg.contains("·↵"))
        #expect(svg.contains("日本👋🏽"))
        _ = try FigureRenderer.png(figure)   // CJK and emoji without a font for them: boxes, no crash
    }

    @Test func outputIsDeterministic() throws {
        for (_, figure) in FigureGallery.examples() {
            #expect(try FigureRenderer.png(figure) == FigureRenderer.png(figure))
            #expect(try FigureRenderer.svg(figure) == FigureRenderer.svg(figure))
        }
    }

    @Test func idsArePrefixedPerFigure() throws {
        let figure = FigureGallery.examples().first { $0.name == "small-multiples" }!.figure
        let first = try FigureRenderer.svg(figure, options: RenderOptions(idPrefix: "a-"))
        let second = try FigureRenderer.svg(figure, options: RenderOptions(idPrefix: "b-"))
        func ids(_ svg: String) -> Set<String> {
            Set(svg.components(separatedBy: "id=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) })
        }
        #expect(!ids(first).isEmpty)
        #expect(ids(first).allSatisfy { $0.hasPrefix("a-") })
        #expect(ids(first).isDisjoint(with: ids(second)))
    }

    @Test func specsRoundTripThroughJSON() throws {
        for (_, figure) in FigureGallery.examples() {
            let data = try JSONEncoder().encode(figure)
            #expect(try JSONDecoder().decode(Figure.self, from: data) == figure)
        }
        #expect(String(decoding: try JSONEncoder().encode(Figure.bar(BarChart(title: "t", bars: []))), as: UTF8.self).contains("\"kind\":\"bar\""))
    }
}

@Suite struct BadSpecTests {
    func error(_ figure: Figure, options: RenderOptions = RenderOptions()) -> String {
        do {
            _ = try FigureRenderer.png(figure, options: options)
            return "no error"
        } catch {
            // SVG must refuse the same spec with the same message.
            let svgMessage = (try? FigureRenderer.svg(figure, options: options)).map { _ in "no error" } ?? "\(error)"
            return "\(error)" == svgMessage ? "\(error)" : "png and svg disagree"
        }
    }

    @Test func emptyData() {
        #expect(error(.line(LineChart(title: "L", series: []))) == "figure 'L': has no series")
        #expect(error(.line(LineChart(title: "L", series: [.init(name: "s", y: [])]))) == "figure 'L': series 0 ('s') is empty")
        #expect(error(.bar(BarChart(title: "B", bars: []))) == "figure 'B': has no bars")
        #expect(error(.heatmap(Heatmap(title: "H", values: [], rowLabels: [], columnLabels: []))) == "figure 'H': heatmap 'H' has no values")
        #expect(error(.tokenStrip(TokenStrip(title: "T", tokens: []))) == "figure 'T': has no tokens")
        #expect(error(.scatter(ScatterPlot(title: "S", points: []))) == "figure 'S': has no points")
        #expect(error(.graph(GraphDiagram(title: "G", nodes: [], edges: []))) == "figure 'G': has no nodes")
        #expect(error(.smallMultiples(SmallMultiples(title: "M", figures: [], columns: 2))) == "figure 'M': has no figures")
        #expect(error(.heatmapGrid(HeatmapGrid(title: "HG", panels: [], columns: 2))) == "figure 'HG': has no panels")
    }

    @Test func nonFiniteValues() {
        #expect(error(.line(LineChart(title: "L", series: [.init(name: "s", y: [1, .nan])]))) == "figure 'L': series 0 y[1] is nan, not a finite number")
        #expect(error(.bar(BarChart(title: "B", bars: [.init(label: "a", value: .infinity)]))) == "figure 'B': bars value[0] is inf, not a finite number")
        #expect(error(.heatmap(Heatmap(title: "H", values: [[1, -.infinity]], rowLabels: ["a"], columnLabels: ["a", "b"]))) == "figure 'H': heatmap 'H' value [0][1] is -inf, not a finite number")
        #expect(error(.scatter(ScatterPlot(title: "S", points: [.init(x: .nan, y: 1)]))) == "figure 'S': points x[0] is nan, not a finite number")
        #expect(error(.tokenStrip(TokenStrip(title: "T", tokens: [.init(text: "a", id: 1, value: .nan)], coloring: .byValue))) == "figure 'T': tokens value[0] is nan, not a finite number")
        #expect(error(.line(LineChart(title: "L", series: [.init(name: "s", y: [1, 0])], yScale: .log))) == "figure 'L': series 0 y[1] is 0.0; a log axis needs positive values")
    }

    @Test func mismatchedCounts() {
        #expect(error(.line(LineChart(title: "L", series: [.init(name: "s", x: [1, 2], y: [1])]))) == "figure 'L': series 0 ('s') has 2 x values but 1 y values")
        #expect(error(.heatmap(Heatmap(title: "H", values: [[1, 2], [3, 4]], rowLabels: ["a"], columnLabels: ["a", "b"]))) == "figure 'H': heatmap 'H' has 2 rows but 1 row labels")
        #expect(error(.heatmap(Heatmap(title: "H", values: [[1, 2], [3, 4]], rowLabels: ["a", "b"], columnLabels: ["a"]))) == "figure 'H': heatmap 'H' has 2 columns but 1 column labels")
        #expect(error(.heatmap(Heatmap(title: "H", values: [[1, 2], [3]], rowLabels: ["a", "b"], columnLabels: ["a", "b"]))) == "figure 'H': heatmap 'H' row 1 has 1 values, row 0 has 2")
        #expect(error(.tokenStrip(TokenStrip(title: "T", tokens: [.init(text: "a", id: 1)], coloring: .byValue))) == "figure 'T': tokens[0] has no value to colour by")
        #expect(error(.graph(GraphDiagram(title: "G", nodes: [.init(id: "a", label: "a")], edges: [.init(from: "a", to: "z")]))) == "figure 'G': edges[0] connects 'a' → 'z', and z is not a node")
        #expect(error(.graph(GraphDiagram(title: "G", nodes: [.init(id: "a", label: "a"), .init(id: "a", label: "b")], edges: []))) == "figure 'G': node id 'a' is used twice")
        #expect(error(.graph(GraphDiagram(title: "G", nodes: [.init(id: "a", label: "a"), .init(id: "b", label: "b")], edges: [.init(from: "a", to: "b"), .init(from: "b", to: "a")]))).contains("cycle"))
    }

    @Test func zeroOrBadSize() {
        let figure = Figure.bar(BarChart(title: "B", bars: [.init(label: "a", value: 1)]))
        #expect(error(figure, options: RenderOptions(width: 0)) == "figure 'B': size 0.0 × 96.0 is not positive and finite")
        #expect(error(figure, options: RenderOptions(height: -5)) == "figure 'B': size 600.0 × -5.0 is not positive and finite")
        #expect(error(figure, options: RenderOptions(width: .nan)).contains("not positive and finite"))
        #expect(error(figure, options: RenderOptions(scale: 0)) == "figure 'B': scale 0.0 must be positive")
        #expect(error(figure, options: RenderOptions(width: 1e6, height: 1e6)).contains("too large"))
    }
}
