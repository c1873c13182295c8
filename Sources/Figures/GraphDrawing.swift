// Graphs laid out in layers (a simple Sugiyama scheme): each node's layer is the longest path
// to it from a source; nodes in a layer are ordered by the mean position of their neighbours
// in the layer before (barycentre sweeps, fewer crossings); layers are centred. A `.tree`
// grows downwards from its roots; `.layers` builds upwards (BPE: bytes at the bottom, each
// merge above its parts).

import Foundation

enum GraphLayout {
    struct Placement {
        var layers: [[Int]]   // node indices per layer, in drawing order
        var boxes: [Rect]   // by node index
        var width: Double
        var height: Double
    }

    static let nodeHeight = 26.0
    static let layerGap = 46.0
    static let nodeGap = 12.0
    static let labelStyle = TextStyle(size: 12, monospace: true, color: Color(hex: 0))

    static func hasCycle(_ graph: GraphDiagram) -> Bool {
        layerOf(graph) == nil
    }

    /// Longest-path layer of every node (Kahn's algorithm), nil when there is a cycle.
    static func layerOf(_ graph: GraphDiagram) -> [Int]? {
        let index = Dictionary(
            graph.nodes.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        var incoming = [Int](repeating: 0, count: graph.nodes.count)
        var outgoing = [[Int]](repeating: [], count: graph.nodes.count)
        for edge in graph.edges {
            guard let from = index[edge.from], let to = index[edge.to] else { continue }
            outgoing[from].append(to)
            incoming[to] += 1
        }
        var layer = [Int](repeating: 0, count: graph.nodes.count)
        var ready = (0..<graph.nodes.count).filter { incoming[$0] == 0 }
        var visited = 0
        while let node = ready.popLast() {
            visited += 1
            for next in outgoing[node] {
                layer[next] = max(layer[next], layer[node] + 1)
                incoming[next] -= 1
                if incoming[next] == 0 { ready.append(next) }
            }
        }
        return visited == graph.nodes.count ? layer : nil
    }

    static func place(_ graph: GraphDiagram, top: Double) -> Placement {
        let layerIndex = layerOf(graph) ?? [Int](repeating: 0, count: graph.nodes.count)
        let count = (layerIndex.max() ?? 0) + 1
        var layers = [[Int]](repeating: [], count: count)
        for (node, layer) in layerIndex.enumerated() { layers[layer].append(node) }
        let index = Dictionary(
            graph.nodes.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        var neighbours = [[Int]](repeating: [], count: graph.nodes.count)
        for edge in graph.edges {
            guard let a = index[edge.from], let b = index[edge.to] else { continue }
            neighbours[a].append(b); neighbours[b].append(a)
        }
        // Barycentre sweeps: down then up, twice.
        for sweep in 0..<4 {
            let order =
                sweep % 2 == 0
                ? Array(1..<max(count, 1)) : Array((0..<max(count - 1, 0)).reversed())
            for l in order where l < count {
                let reference = sweep % 2 == 0 ? l - 1 : l + 1
                let position = Dictionary(
                    layers[reference].enumerated().map { ($1, Double($0)) },
                    uniquingKeysWith: { a, _ in a })
                let keyed = layers[l].enumerated().map { (slot, node) -> (Double, Int, Int) in
                    let around = neighbours[node].compactMap { position[$0] }
                    return (
                        around.isEmpty ? Double(slot) : around.reduce(0, +) / Double(around.count),
                        slot, node
                    )
                }
                layers[l] = keyed.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map(\.2)
            }
        }
        let widths = graph.nodes.map {
            max(
                34,
                TextMetrics.shared.measure(Labels.visible($0.label), style: labelStyle).width + 16)
        }
        let layerWidths = layers.map {
            $0.reduce(0) { $0 + widths[$1] } + nodeGap * Double(max(0, $0.count - 1))
        }
        let width = (layerWidths.max() ?? 100) + 32
        var boxes = [Rect](
            repeating: Rect(x: 0, y: 0, width: 0, height: 0), count: graph.nodes.count)
        for (l, nodes) in layers.enumerated() {
            // Trees grow down from their roots; merge graphs build up from their sources.
            let row = graph.layout == .tree ? l : count - 1 - l
            var x = (width - layerWidths[l]) / 2
            for node in nodes {
                boxes[node] = Rect(
                    x: x, y: top + Double(row) * (nodeHeight + layerGap), width: widths[node],
                    height: nodeHeight)
                x += widths[node] + nodeGap
            }
        }
        return Placement(
            layers: layers, boxes: boxes, width: width,
            height: Double(count) * (nodeHeight + layerGap) - layerGap)
    }
}

enum GraphDrawing {
    static func naturalSize(_ graph: GraphDiagram) -> (width: Double, height: Double) {
        let placement = GraphLayout.place(graph, top: 0)
        return (max(320, placement.width + 24), placement.height + 70)
    }

    static func draw(_ graph: GraphDiagram, in rect: Rect, on canvas: Canvas, theme: Theme) {
        let top = FigureRenderer.drawTitle(graph.title, in: rect, on: canvas, theme: theme)
        let placement = GraphLayout.place(graph, top: 0)
        // Scale down (never up) to fit, and centre.
        let scale = min(
            1, (rect.width - 16) / placement.width,
            (rect.maxY - top - 10) / max(placement.height, 1))
        let offsetX = rect.x + (rect.width - placement.width * scale) / 2, offsetY = top + 4
        func box(_ i: Int) -> Rect {
            let b = placement.boxes[i]
            return Rect(
                x: offsetX + b.x * scale, y: offsetY + b.y * scale, width: b.width * scale,
                height: b.height * scale)
        }
        let index = Dictionary(
            graph.nodes.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let edgeStyle = theme.text(10 * max(scale, 0.7), muted: true)
        for edge in graph.edges {
            guard let a = index[edge.from], let b = index[edge.to] else { continue }
            let from = box(a), to = box(b)
            // Leave from the side facing the target.
            let downward = to.y > from.y
            let start = Point(from.x + from.width / 2, downward ? from.maxY : from.y)
            let end = Point(to.x + to.width / 2, downward ? to.y : to.maxY)
            let bend = (end.y - start.y) / 2
            canvas.curve(
                from: start, control1: Point(start.x, start.y + bend),
                control2: Point(end.x, end.y - bend), to: end, theme.axis, lineWidth: 1.2)
            let tip = downward ? -1.0 : 1.0
            canvas.fillPolygon(
                [end, Point(end.x - 4, end.y + 7 * tip), Point(end.x + 4, end.y + 7 * tip)],
                theme.axis)
            if !edge.label.isEmpty {
                let middle = Point((start.x + end.x) / 2, (start.y + end.y) / 2)
                let label = Labels.visible(edge.label)
                let extent = canvas.measure(label, style: edgeStyle)
                canvas.fill(
                    Rect(
                        x: middle.x - extent.width / 2 - 2, y: middle.y - extent.height / 2,
                        width: extent.width + 4, height: extent.height),
                    theme.background.withAlpha(0.85))
                canvas.text(
                    label, at: middle, style: edgeStyle, horizontal: .middle, vertical: .middle)
            }
        }
        for (i, node) in graph.nodes.enumerated() {
            let b = box(i)
            let fill =
                node.highlighted
                ? theme.accent.mixed(with: theme.background, 0.75)
                : (theme == .light ? Color(hex: 0xEEF3F8) : Color(hex: 0x2A3038))
            canvas.fill(b, fill, cornerRadius: 5 * scale)
            canvas.stroke(
                b, node.highlighted ? theme.accent : theme.axis,
                lineWidth: node.highlighted ? 1.6 : 1, cornerRadius: 5 * scale)
            var style = GraphLayout.labelStyle
            style.size *= scale
            style.color = theme.foreground
            canvas.text(
                canvas.fitted(Labels.visible(node.label), style: style, width: b.width - 4),
                at: Point(b.x + b.width / 2, b.y + b.height / 2),
                style: style, horizontal: .middle, vertical: .middle)
        }
    }
}
