// Rendering a figure spec: validate it, pick a size, draw it on a PNG or SVG canvas.
// A bad spec (empty data, NaN or infinite values, label counts that do not match, a zero or
// negative size) is always a thrown FigureError naming the chart, the field and the index:
// no partial figure is ever produced.

import Foundation

public struct FigureError: Error, CustomStringConvertible, Equatable {
    public let chart: String
    public let problem: String
    public var description: String { "figure '\(chart)': \(problem)" }
}

public struct RenderOptions: Sendable {
    /// Size in points; nil picks one from the data (a 12×12 heatmap gets bigger cells than 64×64).
    public var width: Double?
    public var height: Double?
    public var theme: Theme
    /// PNG pixels per point (2 for sharp text on high-density screens).
    public var scale: Double
    /// Prefix for SVG element ids; give each figure inlined in one page its own.
    public var idPrefix: String

    public init(
        width: Double? = nil, height: Double? = nil, theme: Theme = .light, scale: Double = 2,
        idPrefix: String = "fig-"
    ) {
        self.width = width; self.height = height; self.theme = theme; self.scale = scale
        self.idPrefix = idPrefix
    }
}

public enum FigureRenderer {
    public static func png(
        _ figure: Figure, options: RenderOptions = RenderOptions()
    ) throws -> Data {
        let (width, height) = try prepare(figure, options)
        let canvas = CairoCanvas(width: width, height: height, scale: options.scale)
        draw(
            figure, in: Rect(x: 0, y: 0, width: width, height: height), on: canvas,
            theme: options.theme, background: true)
        return try canvas.pngData()
    }

    public static func svg(
        _ figure: Figure, options: RenderOptions = RenderOptions()
    ) throws -> String {
        let (width, height) = try prepare(figure, options)
        let canvas = SVGCanvas(width: width, height: height, idPrefix: options.idPrefix)
        draw(
            figure, in: Rect(x: 0, y: 0, width: width, height: height), on: canvas,
            theme: options.theme, background: true)
        return canvas.document(title: figure.title)
    }

    /// The width of the report's text column (style.css: `main` is 52rem wide, less padding):
    /// wider figures are shown scaled down, their text with them.
    public static let pageWidth = 792.0

    /// The size a figure gets when the options leave it open.
    public static func naturalSize(_ figure: Figure) -> (width: Double, height: Double) {
        switch figure {
        case .line: return (720, 420)
        case .heatmap(let h): return HeatmapDrawing.naturalSize(h)
        case .heatmapGrid(let g): return HeatmapDrawing.naturalSize(g)
        case .bar(let b): return (600, 70 + 26 * Double(b.bars.count))
        case .scatter: return (640, 480)
        case .tokenStrip(let s): return TokenStripDrawing.naturalSize(s)
        case .graph(let g): return GraphDrawing.naturalSize(g)
        case .smallMultiples(let m):
            let cells = m.figures.map(naturalSize)
            let columns = max(1, min(m.columns, m.figures.count))
            let rows = (m.figures.count + columns - 1) / columns
            // Cells narrow to fit the report's text column, so their text is never scaled down.
            let cellWidth = min(
                cells.map(\.width).max() ?? 400, 480, (pageWidth - 24) / Double(columns))
            let cellHeight = min(cells.map(\.height).max() ?? 300, 360)
            return (Double(columns) * cellWidth + 24, Double(rows) * cellHeight + 56)
        }
    }

    static func prepare(_ figure: Figure, _ options: RenderOptions) throws -> (Double, Double) {
        try FigureValidation.check(figure)
        let natural = naturalSize(figure)
        let width = options.width ?? natural.width, height = options.height ?? natural.height
        guard width.isFinite, height.isFinite, width >= 1, height >= 1 else {
            throw FigureError(
                chart: figure.title, problem: "size \(width) × \(height) is not positive and finite"
            )
        }
        guard width * height * options.scale * options.scale <= 1e8 else {
            throw FigureError(
                chart: figure.title,
                problem:
                    "size \(Int(width)) × \(Int(height)) at scale \(options.scale) is too large to render"
            )
        }
        guard options.scale.isFinite, options.scale > 0 else {
            throw FigureError(
                chart: figure.title, problem: "scale \(options.scale) must be positive")
        }
        return (width, height)
    }

    /// `shared`: the values a panel's axis must cover besides its own (small multiples that
    /// share a scale).
    static func draw(
        _ figure: Figure, in rect: Rect, on canvas: Canvas, theme: Theme, background: Bool,
        shared: SharedScale = SharedScale()
    ) {
        if background { canvas.fill(rect, theme.background) }
        switch figure {
        case .line(let c):
            LineChartDrawing(chart: c, theme: theme, sharedY: shared.lines).draw(
                in: rect, on: canvas)
        case .heatmap(let h): HeatmapDrawing.draw(h, in: rect, on: canvas, theme: theme)
        case .heatmapGrid(let g): HeatmapDrawing.draw(g, in: rect, on: canvas, theme: theme)
        case .bar(let b):
            BarChartDrawing.draw(b, in: rect, on: canvas, theme: theme, shared: shared.bars)
        case .scatter(let s): ScatterDrawing.draw(s, in: rect, on: canvas, theme: theme)
        case .tokenStrip(let s): TokenStripDrawing.draw(s, in: rect, on: canvas, theme: theme)
        case .graph(let g): GraphDrawing.draw(g, in: rect, on: canvas, theme: theme)
        case .smallMultiples(let m):
            let top = drawTitle(m.title, in: rect, on: canvas, theme: theme)
            let columns = max(1, min(m.columns, m.figures.count))
            let rows = (m.figures.count + columns - 1) / columns
            let cellWidth = (rect.width - 24) / Double(columns),
                cellHeight = (rect.maxY - top - 8) / Double(rows)
            let shared = m.sharedScale == false ? SharedScale() : SharedScale(m.figures)
            for (index, child) in m.figures.enumerated() {
                let cell = Rect(
                    x: rect.x + 12 + Double(index % columns) * cellWidth,
                    y: top + Double(index / columns) * cellHeight,
                    width: cellWidth, height: cellHeight)
                canvas.beginClip(cell)
                draw(child, in: cell, on: canvas, theme: theme, background: false, shared: shared)
                canvas.endClip()
            }
        }
    }

    /// Draws a figure title at the top of `rect`; returns the y where content may start.
    @discardableResult
    static func drawTitle(_ title: String, in rect: Rect, on canvas: Canvas, theme: Theme) -> Double
    {
        guard !title.isEmpty else { return rect.y + 10 }
        let style = theme.text(titleSize, bold: true)
        for (number, line) in titleLines(title, in: rect).enumerated() {
            canvas.text(
                canvas.fitted(line, style: style, width: rect.width - 24),
                at: Point(rect.x + 12, rect.y + 10 + Double(number) * titleLineHeight),
                style: style, vertical: .top)
        }
        return titleBottom(title, in: rect)
    }

    static let titleSize = 15.0
    static var titleLineHeight: Double {
        TextMetrics.shared.measure("Hg", style: Theme.light.text(titleSize, bold: true)).height + 2
    }

    /// The title as drawn: wrapped at spaces into as many lines as it needs, up to
    /// `maximumTitleLines` (a small-multiples panel titled by a whole claim needs three); only
    /// what is left past the last line is cut.
    static func titleLines(_ title: String, in rect: Rect) -> [String] {
        let visible = Labels.visible(title)
        let style = Theme.light.text(titleSize, bold: true)
        let width = rect.width - 24
        func fits(_ line: String) -> Bool { TextMetrics.shared.measure(line, style: style).width <= width }
        guard !fits(visible) else { return [visible] }
        var lines: [String] = []
        var line = ""
        for word in visible.split(separator: " ", omittingEmptySubsequences: false) {
            let longer = line.isEmpty ? String(word) : line + " " + word
            if fits(longer) || line.isEmpty || lines.count == maximumTitleLines - 1 {
                line = longer
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        lines.append(line)
        // Two lines are split near the middle, which reads better than a full line and a stub.
        let halves = BarChartDrawing.twoLines(visible)
        return lines.count == 2 && halves.allSatisfy(fits) ? halves : lines
    }

    static let maximumTitleLines = 3

    /// Where content starts below a title (the same with or without drawing it).
    static func titleBottom(_ title: String, in rect: Rect) -> Double {
        guard !title.isEmpty else { return rect.y + 10 }
        let extra = Double(titleLines(title, in: rect).count - 1) * titleLineHeight
        return rect.y + 14
            + TextMetrics.shared.measure("Hg", style: Theme.light.text(titleSize, bold: true))
            .height + 6 + extra
    }
}

/// One value scale for the panels of small multiples: every bar panel's axis covers all the
/// bar panels' values, every line panel's y axis all the line panels' (when they are drawn on
/// the same kind of axis: a log panel and a linear one cannot share). Other kinds keep their
/// own (heatmap grids already share one colour scale).
struct SharedScale {
    var bars: [Double] = []
    var lines: [Double] = []

    init() {}

    init(_ panels: [Figure]) {
        var lineCharts: [LineChart] = []
        for panel in panels {
            switch panel {
            case .bar(let b): bars += b.bars.map(\.value)
            case .line(let c): lineCharts.append(c)
            default: break
            }
        }
        let scales = Set(lineCharts.map { LineChartDrawing.yScale($0) })
        if scales.count == 1 { lines = lineCharts.flatMap(LineChartDrawing.yValues) }
    }
}

/// Labels as they are drawn: control characters (a token "\n") become visible escapes.
enum Labels {
    static func visible(_ label: String) -> String {
        var out = ""
        for scalar in label.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) {
                out += String(format: "\\x%02X", v)
            } else if v == 0xFFFE || v == 0xFFFF {
                out += String(format: "\\u{%X}", v)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A token's text with its whitespace shown: space "·", newline "↵", tab "→".
    static func token(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case " ": out += "·"
            case "\n": out += "↵"
            case "\t": out += "→"
            case "\r": out += "␍"
            default: out += visible(String(scalar))
            }
        }
        return out.isEmpty ? "∅" : out
    }
}
