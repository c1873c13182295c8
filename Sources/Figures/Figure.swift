// Figures as plain data. A lesson computes a spec once (a loss curve's points, an attention
// matrix and its token labels); rendering it — at any size, in either theme, to PNG or SVG —
// never needs the computation again, and a run record can store the spec as JSON.
// Encoded with a "kind" field naming the chart.

public indirect enum Figure: Equatable, Sendable {
    case line(LineChart)
    case heatmap(Heatmap)
    case heatmapGrid(HeatmapGrid)
    case bar(BarChart)
    case scatter(ScatterPlot)
    case tokenStrip(TokenStrip)
    case graph(GraphDiagram)
    case smallMultiples(SmallMultiples)

    public var title: String {
        switch self {
        case .line(let c): return c.title
        case .heatmap(let c): return c.title
        case .heatmapGrid(let c): return c.title
        case .bar(let c): return c.title
        case .scatter(let c): return c.title
        case .tokenStrip(let c): return c.title
        case .graph(let c): return c.title
        case .smallMultiples(let c): return c.title
        }
    }
}

public enum AxisScale: String, Codable, Sendable { case linear, log }

/// Lines over a shared x axis: loss curves, learning-rate schedules, accuracy over rounds.
public struct LineChart: Codable, Equatable, Sendable {
    public struct Series: Codable, Equatable, Sendable {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        /// Draw as a dashed line (e.g. a theoretical curve beside a measured one).
        public var dashed: Bool
        /// False: drawn as measured even when the chart smooths. Sparse series (an evaluation
        /// every few hundred steps) would otherwise lag far behind their own points. Nil or
        /// true: follows the chart. Optional so specs stored without it still load.
        public var smoothed: Bool?
        public init(
            name: String, x: [Double], y: [Double], dashed: Bool = false, smoothed: Bool = true
        ) {
            self.name = name; self.x = x; self.y = y; self.dashed = dashed; self.smoothed = smoothed
        }
        public init(name: String, y: [Double], dashed: Bool = false, smoothed: Bool = true) {
            self.init(
                name: name, x: y.indices.map(Double.init), y: y, dashed: dashed, smoothed: smoothed)
        }
    }

    /// A vertical line at x with a label ("SFT starts").
    public struct Marker: Codable, Equatable, Sendable {
        public var x: Double
        public var label: String
        public init(x: Double, label: String) { self.x = x; self.label = label }
    }

    /// A horizontal reference line at y with a label ("bigram baseline").
    public struct Reference: Codable, Equatable, Sendable {
        public var y: Double
        public var label: String
        public init(y: Double, label: String) { self.y = y; self.label = label }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var xScale: AxisScale
    public var yScale: AxisScale
    /// Exponential moving average weight in [0, 1); when set, each series is drawn smoothed
    /// with its raw values faded behind.
    public var smoothing: Double?
    public var markers: [Marker]
    public var references: [Reference]

    public init(
        title: String, xLabel: String = "", yLabel: String = "", series: [Series],
        xScale: AxisScale = .linear,
        yScale: AxisScale = .linear, smoothing: Double? = nil, markers: [Marker] = [],
        references: [Reference] = []
    ) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
        self.xScale = xScale; self.yScale = yScale; self.smoothing = smoothing
        self.markers = markers; self.references = references
    }
}

/// A matrix of values with labelled rows and columns: attention weights, confusion tables.
public struct Heatmap: Codable, Equatable, Sendable {
    public var title: String
    /// values[row][column]
    public var values: [[Double]]
    public var rowLabels: [String]
    public var columnLabels: [String]
    public var colorbarLabel: String
    /// Causal attention: cells above the diagonal (column > row) are masked, not drawn.
    public var maskUpperTriangle: Bool
    /// The values mapped to the ends of the colormap; nil: the data's range.
    public var minimum: Double?
    public var maximum: Double?

    public init(
        title: String, values: [[Double]], rowLabels: [String], columnLabels: [String],
        colorbarLabel: String = "",
        maskUpperTriangle: Bool = false, minimum: Double? = nil, maximum: Double? = nil
    ) {
        self.title = title; self.values = values; self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.colorbarLabel = colorbarLabel; self.maskUpperTriangle = maskUpperTriangle
        self.minimum = minimum; self.maximum = maximum
    }
}

/// Small heatmaps in a grid sharing one colour scale: attention of every layer × head.
public struct HeatmapGrid: Codable, Equatable, Sendable {
    public var title: String
    public var panels: [Heatmap]
    public var columns: Int
    /// Print the row and column labels on the outer panels only.
    public var labelsOnEdges: Bool

    public init(title: String, panels: [Heatmap], columns: Int, labelsOnEdges: Bool = true) {
        self.title = title; self.panels = panels; self.columns = columns
        self.labelsOnEdges = labelsOnEdges
    }
}

/// Horizontal bars with labels and values: the top-k next-token probabilities.
public struct BarChart: Codable, Equatable, Sendable {
    public struct Bar: Codable, Equatable, Sendable {
        public var label: String
        public var value: Double
        /// Drawn in the accent colour (the sampled token).
        public var highlighted: Bool
        public init(label: String, value: Double, highlighted: Bool = false) {
            self.label = label; self.value = value; self.highlighted = highlighted
        }
    }
    public var title: String
    public var bars: [Bar]
    public var valueLabel: String
    /// Show values as percentages (probabilities).
    public var percent: Bool
    /// The labels are tokens: their whitespace is shown ("·" for a space). Nil or false: labels
    /// as written (categories such as "raw HTML"). Optional so specs stored without it still load.
    public var tokenLabels: Bool?

    public init(
        title: String, bars: [Bar], valueLabel: String = "", percent: Bool = false,
        tokenLabels: Bool = false
    ) {
        self.title = title; self.bars = bars; self.valueLabel = valueLabel; self.percent = percent
        self.tokenLabels = tokenLabels
    }
}

/// Labelled points in 2-D, coloured by group: embeddings after PCA.
public struct ScatterPlot: Codable, Equatable, Sendable {
    public struct Dot: Codable, Equatable, Sendable {
        public var x: Double, y: Double
        public var label: String
        public var group: String
        public init(x: Double, y: Double, label: String = "", group: String = "") {
            self.x = x; self.y = y; self.label = label; self.group = group
        }
    }
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var points: [Dot]

    public init(title: String, xLabel: String = "", yLabel: String = "", points: [Dot]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.points = points
    }
}

/// A text as its tokens, boundaries visible, each token coloured by its id or by a value.
public struct TokenStrip: Codable, Equatable, Sendable {
    public struct Token: Codable, Equatable, Sendable {
        public var text: String
        public var id: Int
        public var value: Double?
        public init(text: String, id: Int, value: Double? = nil) {
            self.text = text; self.id = id; self.value = value
        }
    }
    public enum Coloring: String, Codable, Sendable { case byID, byValue }
    public var title: String
    public var tokens: [Token]
    public var coloring: Coloring
    /// What the value is (for the legend): "loss (nats)", "probability".
    public var valueLabel: String
    /// Print each token's id under it.
    public var showIDs: Bool

    public init(
        title: String, tokens: [Token], coloring: Coloring = .byID, valueLabel: String = "",
        showIDs: Bool = true
    ) {
        self.title = title; self.tokens = tokens; self.coloring = coloring
        self.valueLabel = valueLabel; self.showIDs = showIDs
    }
}

/// Nodes and edges laid out automatically: BPE merges, a tree of sampled alternatives. Labels
/// are drawn as written (only control characters escaped): a token label should come with its
/// whitespace already shown, as `LanguageModel.label` gives it.
public struct GraphDiagram: Codable, Equatable, Sendable {
    public struct Node: Codable, Equatable, Sendable {
        public var id: String
        public var label: String
        public var highlighted: Bool
        public init(id: String, label: String, highlighted: Bool = false) {
            self.id = id; self.label = label; self.highlighted = highlighted
        }
    }
    public struct Edge: Codable, Equatable, Sendable {
        public var from: String
        public var to: String
        public var label: String
        public init(from: String, to: String, label: String = "") {
            self.from = from; self.to = to; self.label = label
        }
    }
    public enum Layout: String, Codable, Sendable {
        /// Roots at the top, edges pointing down (a tree of choices).
        case tree
        /// Sources at the bottom, each node one layer above its highest input (merges build up).
        case layers
    }
    public var title: String
    public var nodes: [Node]
    public var edges: [Edge]
    public var layout: Layout

    public init(title: String, nodes: [Node], edges: [Edge], layout: Layout = .tree) {
        self.title = title; self.nodes = nodes; self.edges = edges; self.layout = layout
    }
}

/// Any figures in a grid under a shared title.
public struct SmallMultiples: Codable, Equatable, Sendable {
    public var title: String
    public var figures: [Figure]
    public var columns: Int
    /// The panels share one value scale (bar lengths; line charts' y axes), so a panel's bar
    /// or line compares with its neighbour's: a 10% bar is drawn a tenth of a 100% one. False:
    /// each panel on its own scale, for panels that measure different things (say so in the
    /// title). Nil, in specs stored before it: shared.
    public var sharedScale: Bool?
    public init(title: String, figures: [Figure], columns: Int, sharedScale: Bool = true) {
        self.title = title; self.figures = figures; self.columns = columns
        self.sharedScale = sharedScale
    }
}

extension Figure: Codable {
    enum CodingKeys: String, CodingKey { case kind, spec }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "line": self = .line(try c.decode(LineChart.self, forKey: .spec))
        case "heatmap": self = .heatmap(try c.decode(Heatmap.self, forKey: .spec))
        case "heatmapGrid": self = .heatmapGrid(try c.decode(HeatmapGrid.self, forKey: .spec))
        case "bar": self = .bar(try c.decode(BarChart.self, forKey: .spec))
        case "scatter": self = .scatter(try c.decode(ScatterPlot.self, forKey: .spec))
        case "tokenStrip": self = .tokenStrip(try c.decode(TokenStrip.self, forKey: .spec))
        case "graph": self = .graph(try c.decode(GraphDiagram.self, forKey: .spec))
        case "smallMultiples":
            self = .smallMultiples(try c.decode(SmallMultiples.self, forKey: .spec))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: c, debugDescription: "unknown figure kind '\(other)'")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .line(let s): try c.encode("line", forKey: .kind); try c.encode(s, forKey: .spec)
        case .heatmap(let s): try c.encode("heatmap", forKey: .kind); try c.encode(s, forKey: .spec)
        case .heatmapGrid(let s):
            try c.encode("heatmapGrid", forKey: .kind); try c.encode(s, forKey: .spec)
        case .bar(let s): try c.encode("bar", forKey: .kind); try c.encode(s, forKey: .spec)
        case .scatter(let s): try c.encode("scatter", forKey: .kind); try c.encode(s, forKey: .spec)
        case .tokenStrip(let s):
            try c.encode("tokenStrip", forKey: .kind); try c.encode(s, forKey: .spec)
        case .graph(let s): try c.encode("graph", forKey: .kind); try c.encode(s, forKey: .spec)
        case .smallMultiples(let s):
            try c.encode("smallMultiples", forKey: .kind); try c.encode(s, forKey: .spec)
        }
    }
}
