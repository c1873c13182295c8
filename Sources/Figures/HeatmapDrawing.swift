// Heatmaps: cells coloured by viridis, row labels on the left, column labels rotated above,
// a colour bar, an optional causal mask (cells above the diagonal drawn as "not visible"),
// and values printed in the cells when they are big enough. Grids share one colour scale.

import Foundation

enum HeatmapDrawing {
    static let labelWidthLimit = 120.0

    static func cellSize(rows: Int, columns: Int, budget: Double) -> Double {
        max(6, min(36, budget / Double(max(rows, columns))))
    }

    static func labelStyle(cell: Double, theme: Theme) -> TextStyle {
        theme.text(max(6.5, min(11, cell * 0.72)), monospace: true)
    }

    static func labelExtent(_ labels: [String], style: TextStyle) -> Double {
        min(
            labelWidthLimit,
            labels.map { TextMetrics.shared.measure(Labels.token($0), style: style).width }.max()
                ?? 0)
    }

    static func naturalSize(_ h: Heatmap) -> (width: Double, height: Double) {
        let rows = h.values.count, columns = h.values.first?.count ?? 1
        let cell = cellSize(rows: rows, columns: columns, budget: 600)
        let style = labelStyle(cell: cell, theme: .light)
        let left = labelExtent(h.rowLabels, style: style) + 24
        let topLabels = labelExtent(h.columnLabels, style: style) * 0.87 + 12   // rotated 60°
        return (left + Double(columns) * cell + 90, 50 + topLabels + Double(rows) * cell + 24)
    }

    /// Cells at least this big print their values.
    static let valueCell = 26.0
    /// A grid's room for its colour bar (bar and tick labels) and between its panels.
    static let gridColorbarSpace = 50.0, gridGap = 12.0

    /// The grid's label size: from the cells it would have if the text column set no limit.
    static func gridLabelStyle(_ g: HeatmapGrid, columns: Int, theme: Theme) -> TextStyle {
        let first = g.panels[0]
        let n = max(first.values.count, first.values.first?.count ?? 1)
        return labelStyle(
            cell: cellSize(rows: n, columns: n, budget: min(260, 900 / Double(columns))),
            theme: theme)
    }

    static func naturalSize(_ g: HeatmapGrid) -> (width: Double, height: Double) {
        let columns = max(1, min(g.columns, g.panels.count)),
            rows = (g.panels.count + columns - 1) / columns
        let first = g.panels[0]
        let n = Double(max(first.values.count, first.values.first?.count ?? 1))
        let style = gridLabelStyle(g, columns: columns, theme: .light)
        let rowLabel = labelExtent(first.rowLabels, style: style) + 10,
            columnLabel = labelExtent(first.columnLabels, style: style) * 0.87 + 8
        // As wide as the report's text column allows, so the page does not scale the grid (and
        // the values printed in its cells) down; where that leaves cells too small for their
        // values, as big as they would be on their own.
        let unlimited = cellSize(
            rows: Int(n), columns: Int(n), budget: min(260, 900 / Double(columns)))
        let fitting =
            (FigureRenderer.pageWidth - rowLabel - gridColorbarSpace - gridGap * Double(columns))
            / (Double(columns) * n)
        let cell = fitting >= valueCell ? min(unlimited, fitting) : unlimited
        let panel = n * cell
        let labelBands = g.labelsOnEdges ? columnLabel : columnLabel * Double(rows)
        return (
            rowLabel + Double(columns) * (panel + gridGap) + gridColorbarSpace,
            50 + labelBands + Double(rows) * (panel + 30) + 10
        )
    }

    static func range(_ panels: [Heatmap]) -> (Double, Double) {
        var low = Double.infinity, high = -Double.infinity
        for h in panels {
            for (r, row) in h.values.enumerated() {
                for (c, v) in row.enumerated() where !(h.maskUpperTriangle && c > r) {
                    low = min(low, v); high = max(high, v)
                }
            }
        }
        if !low.isFinite { low = 0; high = 1 }
        let lower = panels.compactMap(\.minimum).min() ?? low
        let upper = panels.compactMap(\.maximum).max() ?? high
        return upper > lower ? (lower, upper) : (lower - 0.5, lower + 0.5)
    }

    /// Where the cells of a single heatmap go inside `rect`.
    static func layout(_ h: Heatmap, in rect: Rect, top: Double) -> (grid: Rect, cell: Double) {
        let rows = h.values.count, columns = h.values[0].count
        let colorbarSpace = 84.0
        let style = labelStyle(
            cell: cellSize(rows: rows, columns: columns, budget: 600), theme: .light)
        let left = labelExtent(h.rowLabels, style: style) + 18
        let topLabels = labelExtent(h.columnLabels, style: style) * 0.87 + 10
        let cell = max(
            1,
            min(
                (rect.width - left - colorbarSpace - 12) / Double(columns),
                (rect.maxY - top - topLabels - 16) / Double(rows)))
        return (
            Rect(
                x: rect.x + left, y: top + topLabels, width: cell * Double(columns),
                height: cell * Double(rows)), cell
        )
    }

    static func draw(_ h: Heatmap, in rect: Rect, on canvas: Canvas, theme: Theme) {
        let top = FigureRenderer.drawTitle(h.title, in: rect, on: canvas, theme: theme)
        let (low, high) = range([h])
        let (grid, cell) = layout(h, in: rect, top: top)
        drawPanel(
            h, in: grid, cell: cell, low: low, high: high, rowLabels: true, columnLabels: true,
            on: canvas, theme: theme)
        drawColorbar(
            Rect(x: grid.maxX + 18, y: grid.y, width: 14, height: min(grid.height, 240)), low: low,
            high: high,
            label: h.colorbarLabel, on: canvas, theme: theme)
    }

    static func draw(_ g: HeatmapGrid, in rect: Rect, on canvas: Canvas, theme: Theme) {
        let top = FigureRenderer.drawTitle(g.title, in: rect, on: canvas, theme: theme)
        let (low, high) = range(g.panels)
        let columns = max(1, min(g.columns, g.panels.count)),
            rows = (g.panels.count + columns - 1) / columns
        let first = g.panels[0]
        let n = Double(max(first.values.count, first.values[0].count))
        let probe = gridLabelStyle(g, columns: columns, theme: theme)
        let rowLabel = labelExtent(first.rowLabels, style: probe) + 10
        let columnLabel = labelExtent(first.columnLabels, style: probe) * 0.87 + 8
        // Each grid row: the panel titles, then column labels (top row only when labels sit on
        // the edges), then the panels.
        let titleBand = 18.0, gap = 12.0
        let labelBands = (0..<rows).map { !g.labelsOnEdges || $0 == 0 ? columnLabel : 0 }
        let panelWidth =
            (rect.width - rowLabel - gridColorbarSpace - gridGap * Double(columns))
            / Double(columns)
        let panelHeight =
            (rect.maxY - top - labelBands.reduce(0, +) - Double(rows) * (titleBand + gap))
            / Double(rows)
        let cell = max(1, min(panelWidth, panelHeight) / n)
        var rowTops: [Double] = []
        var y = top
        for row in 0..<rows {
            rowTops.append(y)
            y += titleBand + labelBands[row] + cell * n + gap
        }
        for (index, panel) in g.panels.enumerated() {
            let column = index % columns, row = index / columns
            let x = rect.x + rowLabel + Double(column) * (cell * n + gridGap)
            let titleStyle = theme.text(10.5, bold: true, muted: true)
            canvas.text(
                canvas.fitted(
                    Labels.visible(panel.title), style: titleStyle, width: cell * n + gridGap - 2),
                at: Point(x, rowTops[row]),
                style: titleStyle, vertical: .top)
            let panelTop = rowTops[row] + titleBand + labelBands[row]
            let box = Rect(
                x: x, y: panelTop, width: cell * Double(panel.values[0].count),
                height: cell * Double(panel.values.count))
            drawPanel(
                panel, in: box, cell: cell, low: low, high: high,
                rowLabels: !g.labelsOnEdges || column == 0,
                columnLabels: !g.labelsOnEdges || row == 0, on: canvas, theme: theme)
        }
        let gridRight = rect.x + rowLabel + Double(columns) * (cell * n + gridGap)
        drawColorbar(
            Rect(
                x: gridRight + 2, y: top + titleBand + columnLabel, width: 12,
                height: min(200, max(40, y - top - titleBand - columnLabel - gap))),
            low: low, high: high, label: first.colorbarLabel, on: canvas, theme: theme,
            labelWidth: rect.maxX - gridRight - 4)
    }

    static func drawPanel(
        _ h: Heatmap, in box: Rect, cell: Double, low: Double, high: Double, rowLabels: Bool,
        columnLabels: Bool,
        on canvas: Canvas, theme: Theme
    ) {
        let style = labelStyle(cell: cell, theme: theme)
        let showValues = cell >= valueCell
        let valueStyle = theme.text(min(11, cell * 0.34))
        for (r, row) in h.values.enumerated() {
            for (c, value) in row.enumerated() {
                let cellRect = Rect(
                    x: box.x + Double(c) * cell, y: box.y + Double(r) * cell, width: cell,
                    height: cell)
                if h.maskUpperTriangle && c > r {
                    canvas.fill(cellRect, theme.masked)
                    continue
                }
                let color = Palette.viridis((value - low) / (high - low))
                canvas.fill(cellRect, color)
                if showValues {
                    let text =
                        value.magnitude < 0.005
                        ? "0" : String(format: value.magnitude < 10 ? "%.2f" : "%.0f", value)
                    var ink = valueStyle
                    ink.color = color.luminance > 0.45 ? Color(hex: 0x1F2328) : Color(hex: 0xFFFFFF)
                    canvas.text(
                        text, at: Point(cellRect.x + cell / 2, cellRect.y + cell / 2), style: ink,
                        horizontal: .middle, vertical: .middle)
                }
            }
        }
        if cell >= 7 {
            if rowLabels {
                for (r, label) in h.rowLabels.enumerated() {
                    let shown = canvas.fitted(
                        Labels.token(label), style: style, width: labelWidthLimit)
                    canvas.text(
                        shown, at: Point(box.x - 5, box.y + (Double(r) + 0.5) * cell), style: style,
                        horizontal: .end, vertical: .middle)
                }
            }
            if columnLabels {
                for (c, label) in h.columnLabels.enumerated() {
                    let shown = canvas.fitted(
                        Labels.token(label), style: style, width: labelWidthLimit)
                    canvas.text(
                        shown, at: Point(box.x + (Double(c) + 0.5) * cell, box.y - 5), style: style,
                        horizontal: .start, vertical: .middle, rotation: -60)
                }
            }
        }
        canvas.stroke(box, theme.axis, lineWidth: 0.8)
    }

    static func drawColorbar(
        _ bar: Rect, low: Double, high: Double, label: String, on canvas: Canvas, theme: Theme,
        labelWidth: Double = 120
    ) {
        let steps = 48
        for i in 0..<steps {
            let t = Double(i) / Double(steps - 1)
            let y = bar.maxY - Double(i + 1) * bar.height / Double(steps)
            canvas.fill(
                Rect(x: bar.x, y: y, width: bar.width, height: bar.height / Double(steps) + 0.5),
                Palette.viridis(t))
        }
        canvas.stroke(bar, theme.axis, lineWidth: 0.8)
        let style = theme.text(10, muted: true)
        let axis = Axis(scale: .linear, values: [low, high], padFraction: 0)
        for tick in axis.ticks(target: 4) where tick >= low - 1e-12 && tick <= high + 1e-12 {
            let y = bar.maxY - (tick - low) / (high - low) * bar.height
            canvas.line(Point(bar.maxX, y), Point(bar.maxX + 3, y), theme.axis)
            canvas.text(
                Axis.label(tick), at: Point(bar.maxX + 5, y), style: style, vertical: .middle)
        }
        if !label.isEmpty {
            canvas.text(
                canvas.fitted(Labels.visible(label), style: style, width: labelWidth),
                at: Point(bar.x, bar.maxY + 6), style: style, vertical: .top)
        }
    }
}
