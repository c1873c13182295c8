// Horizontal bar charts (top-k next-token probabilities) and scatter plots (embeddings in 2-D).

import Foundation

enum BarChartDrawing {
    /// `shared`: values of the other panels of small multiples the axis must also cover.
    static func draw(
        _ chart: BarChart, in rect: Rect, on canvas: Canvas, theme: Theme, shared: [Double] = []
    ) {
        let top = FigureRenderer.drawTitle(chart.title, in: rect, on: canvas, theme: theme)
        // Tokens in monospace with their whitespace shown; categories ("raw HTML") as plain text.
        let tokens = chart.tokenLabels == true
        let labelStyle = theme.text(12, monospace: tokens), valueStyle = theme.text(11, muted: true)
        let labels = chart.bars.map { tokens ? Labels.token($0.label) : Labels.visible($0.label) }
        // A highlighted bar's label is bold: measured as drawn, so it is not cut ("our mo…").
        let styles = chart.bars.map { bar -> TextStyle in
            var style = labelStyle
            style.bold = bar.highlighted
            if bar.highlighted { style.color = theme.accent }
            return style
        }
        let widths = zip(labels, styles).map { canvas.measure($0, style: $1).width }
        let labelWidth = min(tokens ? 200 : 240, widths.max() ?? 0)
        let values = chart.bars.map(\.value)
        let axis = Axis(
            scale: .linear, values: values + shared, padFraction: 0, includeZero: true)
        // Values as people read them: 11390 (not 11390.038), 1.392, 42.5%.
        let valueText = { (v: Double) in
            chart.percent
                ? String(format: "%.1f%%", v * 100)
                : abs(v) >= 100 && abs(v) < 1e15
                    ? String(Int(v.rounded())) : Axis.label((v * 1000).rounded() / 1000)
        }
        let valueWidth =
            values.map { canvas.measure(valueText($0), style: valueStyle).width }.max() ?? 30
        let plotX = rect.x + 16 + labelWidth + 8
        let plotWidth = max(10, rect.maxX - 16 - valueWidth - 8 - plotX)
        let footer = chart.valueLabel.isEmpty ? 8.0 : 24.0
        let rowHeight = min(26, (rect.maxY - top - footer) / Double(chart.bars.count))
        let zeroX = plotX + axis.fraction(0) * plotWidth
        for (index, bar) in chart.bars.enumerated() {
            let y = top + Double(index) * rowHeight
            let end = plotX + axis.fraction(bar.value) * plotWidth
            let color = bar.highlighted ? theme.accent : theme.bar
            canvas.fill(
                Rect(
                    x: min(zeroX, end), y: y + rowHeight * 0.15, width: max(1, abs(end - zeroX)),
                    height: rowHeight * 0.7), color, cornerRadius: 2)
            let style = styles[index]
            // A category too long for the label column goes on two lines where the row has
            // room for them, each cut only if a single word is still too long.
            let lines =
                !tokens && widths[index] > labelWidth && rowHeight >= 22
                ? Self.twoLines(labels[index]) : [labels[index]]
            var lineStyle = style
            if lines.count == 2 { lineStyle.size = 10.5 }
            for (number, line) in lines.enumerated() {
                let offset = lines.count == 2 ? (number == 0 ? -6.0 : 6.0) : 0
                canvas.text(
                    canvas.fitted(line, style: lineStyle, width: labelWidth),
                    at: Point(plotX - 8, y + rowHeight / 2 + offset), style: lineStyle,
                    horizontal: .end, vertical: .middle)
            }
            canvas.text(
                valueText(bar.value), at: Point(max(end, zeroX) + 6, y + rowHeight / 2),
                style: valueStyle, vertical: .middle)
        }
        canvas.line(
            Point(zeroX, top), Point(zeroX, top + rowHeight * Double(chart.bars.count)), theme.axis)
        if !chart.valueLabel.isEmpty {
            canvas.text(
                Labels.visible(chart.valueLabel), at: Point(plotX + plotWidth / 2, rect.maxY - 6),
                style: theme.text(11, muted: true),
                horizontal: .middle, vertical: .bottom)
        }
    }

    /// "identity conversations only" → ["identity", "conversations only"]: split at the space
    /// nearest the middle; a label with no space stays one line.
    static func twoLines(_ label: String) -> [String] {
        let characters = Array(label)
        let spaces = characters.indices.filter { characters[$0] == " " }
        guard
            let split = spaces.min(by: {
                abs($0 - characters.count / 2) < abs($1 - characters.count / 2)
            })
        else { return [label] }
        return [String(characters[..<split]), String(characters[(split + 1)...])]
    }
}

enum ScatterDrawing {
    static func draw(_ plot: ScatterPlot, in rect: Rect, on canvas: Canvas, theme: Theme) {
        var top = FigureRenderer.drawTitle(plot.title, in: rect, on: canvas, theme: theme)
        var groups: [String] = []
        for point in plot.points where !groups.contains(point.group) { groups.append(point.group) }
        if groups.count > 1 || !(groups.first ?? "").isEmpty {
            let style = theme.text(11.5)
            var x = rect.x + 16
            for (index, group) in groups.enumerated() {
                let label = Labels.visible(group.isEmpty ? "(none)" : group)
                canvas.circle(
                    center: Point(x + 5, top + 8), radius: 4.5,
                    fill: Palette.series(index, theme: theme), stroke: nil, lineWidth: 0)
                canvas.text(label, at: Point(x + 14, top + 8), style: style, vertical: .middle)
                x += 14 + canvas.measure(label, style: style).width + 16
            }
            top += 22
        }
        let tickStyle = theme.text(10.5, muted: true)
        let xAxis = Axis(scale: .linear, values: plot.points.map(\.x), padFraction: 0.08)
        let yAxis = Axis(scale: .linear, values: plot.points.map(\.y), padFraction: 0.08)
        let yTicks = yAxis.ticks(target: 5)
        let left =
            rect.x + 14 + (plot.yLabel.isEmpty ? 0 : 20)
            + (yTicks.map { canvas.measure(Axis.label($0), style: tickStyle).width }.max() ?? 20)
            + 6
        let bottom = rect.maxY - 12 - (plot.xLabel.isEmpty ? 0 : 20) - 16
        let area = Rect(
            x: left, y: top + 4, width: max(10, rect.maxX - 16 - left),
            height: max(10, bottom - top - 4))
        func px(_ x: Double) -> Double { area.x + xAxis.fraction(x) * area.width }
        func py(_ y: Double) -> Double { area.maxY - yAxis.fraction(y) * area.height }
        for y in yTicks {
            canvas.line(Point(area.x, py(y)), Point(area.maxX, py(y)), theme.grid)
            canvas.text(
                Axis.label(y), at: Point(area.x - 6, py(y)), style: tickStyle, horizontal: .end,
                vertical: .middle)
        }
        for x in xAxis.ticks(target: 6) {
            canvas.line(Point(px(x), area.y), Point(px(x), area.maxY), theme.grid)
            canvas.text(
                Axis.label(x), at: Point(px(x), area.maxY + 4), style: tickStyle,
                horizontal: .middle, vertical: .top)
        }
        canvas.stroke(area, theme.axis, lineWidth: 0.8)
        if !plot.xLabel.isEmpty {
            canvas.text(
                Labels.visible(plot.xLabel), at: Point(area.x + area.width / 2, rect.maxY - 10),
                style: theme.text(12), horizontal: .middle, vertical: .bottom)
        }
        if !plot.yLabel.isEmpty {
            canvas.text(
                Labels.visible(plot.yLabel), at: Point(rect.x + 14, area.y + area.height / 2),
                style: theme.text(12), horizontal: .middle, vertical: .top, rotation: -90)
        }
        // Points, then labels where they do not collide with one already placed.
        let labelStyle = theme.text(10.5, monospace: true)
        var placed: [Rect] = []
        canvas.beginClip(area)
        for point in plot.points {
            let color = Palette.series(groups.firstIndex(of: point.group) ?? 0, theme: theme)
            canvas.circle(
                center: Point(px(point.x), py(point.y)), radius: 4, fill: color.withAlpha(0.85),
                stroke: theme.background, lineWidth: 0.8)
        }
        for point in plot.points where !point.label.isEmpty {
            let label = Labels.token(point.label)
            let extent = canvas.measure(label, style: labelStyle)
            let box = Rect(
                x: px(point.x) + 6, y: py(point.y) - extent.height / 2, width: extent.width,
                height: extent.height)
            guard box.maxX <= area.maxX, !placed.contains(where: { $0.overlaps(box) }) else {
                continue
            }
            placed.append(box)
            canvas.text(label, at: Point(box.x, py(point.y)), style: labelStyle, vertical: .middle)
        }
        canvas.endClip()
    }
}

extension Rect {
    func overlaps(_ other: Rect) -> Bool {
        x < other.maxX && other.x < maxX && y < other.maxY && other.y < maxY
    }
}
