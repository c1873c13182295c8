// The checks every spec passes before anything is drawn.

enum FigureValidation {
    static func check(_ figure: Figure) throws {
        func fail(_ problem: String) -> FigureError {
            FigureError(chart: figure.title, problem: problem)
        }
        func finite(_ values: [Double], _ field: String) throws {
            if let index = values.firstIndex(where: { !$0.isFinite }) {
                throw fail("\(field)[\(index)] is \(values[index]), not a finite number")
            }
        }
        switch figure {
        case .line(let chart):
            guard !chart.series.isEmpty else { throw fail("has no series") }
            for (i, s) in chart.series.enumerated() {
                guard !s.y.isEmpty else { throw fail("series \(i) ('\(s.name)') is empty") }
                guard s.x.count == s.y.count else {
                    throw fail(
                        "series \(i) ('\(s.name)') has \(s.x.count) x values but \(s.y.count) y values"
                    )
                }
                try finite(s.x, "series \(i) x")
                try finite(s.y, "series \(i) y")
                if chart.yScale == .log, let bad = s.y.firstIndex(where: { $0 <= 0 }) {
                    throw fail(
                        "series \(i) y[\(bad)] is \(s.y[bad]); a log axis needs positive values")
                }
                if chart.xScale == .log, let bad = s.x.firstIndex(where: { $0 <= 0 }) {
                    throw fail(
                        "series \(i) x[\(bad)] is \(s.x[bad]); a log axis needs positive values")
                }
            }
            if let smoothing = chart.smoothing, !(0..<1).contains(smoothing) {
                throw fail("smoothing \(smoothing) must be in [0, 1)")
            }
            try finite(chart.markers.map(\.x), "markers x")
            try finite(chart.references.map(\.y), "references y")
            if chart.yScale == .log, chart.references.contains(where: { $0.y <= 0 }) {
                throw fail("a reference line is not positive on a log axis")
            }
        case .heatmap(let heatmap):
            try checkHeatmap(heatmap, fail)
        case .heatmapGrid(let grid):
            guard !grid.panels.isEmpty else { throw fail("has no panels") }
            guard grid.columns >= 1 else {
                throw fail("columns must be at least 1, got \(grid.columns)")
            }
            for panel in grid.panels { try checkHeatmap(panel, fail) }
        case .bar(let chart):
            guard !chart.bars.isEmpty else { throw fail("has no bars") }
            try finite(chart.bars.map(\.value), "bars value")
        case .scatter(let plot):
            guard !plot.points.isEmpty else { throw fail("has no points") }
            try finite(plot.points.map(\.x), "points x")
            try finite(plot.points.map(\.y), "points y")
        case .tokenStrip(let strip):
            guard !strip.tokens.isEmpty else { throw fail("has no tokens") }
            if strip.coloring == .byValue {
                if let index = strip.tokens.firstIndex(where: { $0.value == nil }) {
                    throw fail("tokens[\(index)] has no value to colour by")
                }
                try finite(strip.tokens.map { $0.value! }, "tokens value")
            }
        case .graph(let graph):
            guard !graph.nodes.isEmpty else { throw fail("has no nodes") }
            var ids = Set<String>()
            for node in graph.nodes where !ids.insert(node.id).inserted {
                throw fail("node id '\(node.id)' is used twice")
            }
            for (i, edge) in graph.edges.enumerated()
            where !ids.contains(edge.from) || !ids.contains(edge.to) {
                throw fail(
                    "edges[\(i)] connects '\(edge.from)' → '\(edge.to)', and \(ids.contains(edge.from) ? edge.to : edge.from) is not a node"
                )
            }
            if GraphLayout.hasCycle(graph) {
                throw fail(
                    "the edges form a cycle; a \(graph.layout.rawValue) layout needs an acyclic graph"
                )
            }
        case .smallMultiples(let multiples):
            guard !multiples.figures.isEmpty else { throw fail("has no figures") }
            guard multiples.columns >= 1 else {
                throw fail("columns must be at least 1, got \(multiples.columns)")
            }
            for child in multiples.figures { try check(child) }
        }
    }

    static func checkHeatmap(_ h: Heatmap, _ fail: (String) -> FigureError) throws {
        let name = h.title.isEmpty ? "" : " '\(h.title)'"
        guard let width = h.values.first?.count, width > 0 else {
            throw fail("heatmap\(name) has no values")
        }
        if let row = h.values.firstIndex(where: { $0.count != width }) {
            throw fail(
                "heatmap\(name) row \(row) has \(h.values[row].count) values, row 0 has \(width)")
        }
        guard h.rowLabels.count == h.values.count else {
            throw fail(
                "heatmap\(name) has \(h.values.count) rows but \(h.rowLabels.count) row labels")
        }
        guard h.columnLabels.count == width else {
            throw fail(
                "heatmap\(name) has \(width) columns but \(h.columnLabels.count) column labels")
        }
        for (r, row) in h.values.enumerated() {
            if let c = row.firstIndex(where: { !$0.isFinite }) {
                throw fail("heatmap\(name) value [\(r)][\(c)] is \(row[c]), not a finite number")
            }
        }
        for bound in [h.minimum, h.maximum].compactMap({ $0 }) where !bound.isFinite {
            throw fail("heatmap\(name) colour range is not finite")
        }
        if let low = h.minimum, let high = h.maximum, low >= high {
            throw fail("heatmap\(name) minimum \(low) is not below maximum \(high)")
        }
    }
}
