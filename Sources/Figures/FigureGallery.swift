// One example of every chart kind, with data shaped like the course's: `tokenwise gallery`
// renders them for a look, the tests render them to both formats, the benchmark times them.

import Foundation

public enum FigureGallery {
    public static func examples() -> [(name: String, figure: Figure)] {
        [
            ("line", .line(lossCurves(points: 400))),
            (
                "heatmap",
                .heatmap(
                    attention(
                        tokens: ["The", " cat", " sat", " on", " the", " mat", ".", "\n"], seed: 1,
                        title: "Attention, layer 2 head 1"))
            ),
            ("heatmap-64", .heatmap(largeHeatmap())),
            ("heatmap-grid", .heatmapGrid(attentionGrid())),
            (
                "bar",
                .bar(
                    BarChart(
                        title: "Next token after “The cat sat on the”",
                        bars: [
                            .init(label: " mat", value: 0.412, highlighted: true),
                            .init(label: " floor", value: 0.183),
                            .init(label: " bed", value: 0.094),
                            .init(label: " sofa", value: 0.061), .init(label: "\n", value: 0.032),
                            .init(label: " the", value: 0.018),
                        ],
                        valueLabel: "probability", percent: true, tokenLabels: true))
            ),
            (
                "scatter",
                .scatter(
                    ScatterPlot(
                        title: "Token embeddings (PCA)", xLabel: "component 1",
                        yLabel: "component 2", points: embeddings()))
            ),
            (
                "token-strip",
                .tokenStrip(
                    TokenStrip(
                        title: "A sentence as tokens",
                        tokens: [
                            .init(text: "Hello", id: 15496), .init(text: ",", id: 11),
                            .init(text: " world", id: 995), .init(text: "!", id: 0),
                            .init(text: "\n", id: 198), .init(text: "日本", id: 33768),
                            .init(text: " 👋", id: 61196), .init(text: "  ", id: 220),
                            .init(text: "tab\there", id: 7400),
                        ]))
            ),
            (
                "token-strip-values",
                .tokenStrip(
                    TokenStrip(
                        title: "Loss per token",
                        tokens: [
                            .init(text: "The", id: 464, value: 4.1),
                            .init(text: " cat", id: 3797, value: 6.3),
                            .init(text: " sat", id: 3332, value: 2.2),
                            .init(text: " on", id: 319, value: 0.9),
                            .init(text: " the", id: 262, value: 0.4),
                            .init(text: " mat", id: 2603, value: 1.7),
                        ],
                        coloring: .byValue, valueLabel: "loss (nats)"))
            ),
            ("graph", .graph(mergeGraph())),
            ("graph-tree", .graph(samplingTree())),
            (
                "small-multiples",
                .smallMultiples(
                    SmallMultiples(
                        title: "Learning-rate schedule and loss",
                        figures: [.line(schedule()), .line(lossCurves(points: 200))], columns: 2))
            ),
        ]
    }

    /// 64 × 64 causal attention with token labels (the benchmark's heatmap).
    public static func largeHeatmap() -> Heatmap {
        let words = ["the", " cat", " sat", " on", " mat", ".", "\n", " and", " a", " dog"]
        let labels = (0..<64).map { words[$0 % words.count] }
        var values: [[Double]] = []
        for r in 0..<64 {
            values.append(
                (0..<64).map { c -> Double in c <= r ? Double((r * 31 + c * 17) % 97) / 97 : 0 })
        }
        return Heatmap(
            title: "64 × 64 attention", values: values, rowLabels: labels, columnLabels: labels,
            colorbarLabel: "weight", maskUpperTriangle: true)
    }

    static func attentionGrid() -> HeatmapGrid {
        let tokens = ["The", " cat", " sat", " on", " the", " mat"]
        let panels = (0..<8).map {
            attention(tokens: tokens, seed: UInt64($0 + 2), title: "L\($0 / 4) H\($0 % 4)")
        }
        return HeatmapGrid(title: "Attention of every layer and head", panels: panels, columns: 4)
    }

    static func schedule() -> LineChart {
        let rates: [Double] = (0..<200).map { step in
            if step < 20 { return 1e-3 * Double(step + 1) / 20 }
            return 1e-4 + 0.5 * (1 + cos(Double.pi * Double(step - 20) / 180)) * 9e-4
        }
        return LineChart(
            title: "Learning rate", xLabel: "step", series: [.init(name: "lr", y: rates)])
    }

    public static func lossCurves(points: Int, series: Int = 2) -> LineChart {
        var state: UInt64 = 7
        func noise() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        let names = [
            "train loss", "validation loss", "train loss (6 layers)", "validation loss (6 layers)",
        ]
        return LineChart(
            title: "Training loss", xLabel: "step", yLabel: "loss (nats/token)",
            series: (0..<series).map { s in
                LineChart.Series(
                    name: names[s % names.count], x: (0..<points).map { Double($0 * 10) },
                    y: (0..<points).map { i in
                        1.6 + 0.1 * Double(s) + 2.6 * exp(-Double(i) / Double(points) * 6) + 0.25
                            * noise()
                    })
            },
            smoothing: 0.9, markers: [.init(x: Double(points * 10) * 0.6, label: "lr decay")],
            references: [
                .init(y: 3.3, label: "bigram baseline"), .init(y: 4.1, label: "unigram baseline"),
            ])
    }

    public static func attention(tokens: [String], seed: UInt64, title: String) -> Heatmap {
        var state = seed
        let n = tokens.count
        var rows: [[Double]] = []
        for r in 0..<n {
            var row = (0..<n).map { c -> Double in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return c <= r ? exp(2 * Double(state >> 11) / Double(1 << 53)) : 0
            }
            let sum = row.reduce(0, +)
            row = row.map { $0 / sum }
            rows.append(row)
        }
        return Heatmap(
            title: title, values: rows, rowLabels: tokens, columnLabels: tokens,
            colorbarLabel: "attention", maskUpperTriangle: true)
    }

    static func embeddings() -> [ScatterPlot.Dot] {
        let groups = [
            ("animals", ["cat", "dog", "fox", "owl", "bee"]),
            ("numbers", ["one", "two", "three", "four"]), ("verbs", ["run", "sat", "jumps", "is"]),
        ]
        var state: UInt64 = 3
        func noise() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        return groups.enumerated().flatMap { g, group in
            group.1.map {
                ScatterPlot.Dot(
                    x: Double(g) * 1.5 + noise(), y: Double(g % 2) * 1.2 + noise() * 1.5, label: $0,
                    group: group.0)
            }
        }
    }

    static func mergeGraph() -> GraphDiagram {
        let nodes = ["t", "h", "e", " ", "c", "a", "th", "the", " c", "at", " cat"].map {
            GraphDiagram.Node(id: $0, label: $0)
        }
        let edges = [
            ("t", "th"), ("h", "th"), ("th", "the"), ("e", "the"), (" ", " c"), ("c", " c"),
            ("a", "at"), ("t", "at"), (" c", " cat"), ("at", " cat"),
        ]
        return GraphDiagram(
            title: "The first merges", nodes: nodes,
            edges: edges.map { .init(from: $0.0, to: $0.1) }, layout: .layers)
    }

    static func samplingTree() -> GraphDiagram {
        let nodes: [GraphDiagram.Node] = [
            .init(id: "0", label: "The cat"), .init(id: "1", label: " sat", highlighted: true),
            .init(id: "2", label: " ran"),
            .init(id: "3", label: " on", highlighted: true), .init(id: "4", label: " down"),
            .init(id: "5", label: " away"),
            .init(id: "6", label: " the", highlighted: true),
        ]
        let edges: [GraphDiagram.Edge] = [
            .init(from: "0", to: "1", label: "41%"), .init(from: "0", to: "2", label: "12%"),
            .init(from: "1", to: "3", label: "63%"),
            .init(from: "1", to: "4", label: "20%"), .init(from: "2", to: "5", label: "55%"),
            .init(from: "3", to: "6", label: "71%"),
        ]
        return GraphDiagram(
            title: "Branches explored while sampling", nodes: nodes, edges: edges, layout: .tree)
    }
}
