// Line charts: title, a legend row, grid and ticks, the series (smoothed ones over their
// faded raw values), dashed reference lines and event markers, all clipped to the plot. A
// loss that spans more than two decades is drawn on a log y axis, and its label says so.

import Foundation

struct LineChartDrawing {
    let chart: LineChart
    let theme: Theme
    /// Values the y axis must also cover: the other panels of small multiples sharing a scale.
    var sharedY: [Double] = []

    /// The y axis as drawn: the chart's own scale, except that a loss (its y label or title
    /// says "loss") whose values are all positive and span more than two decades goes on a log
    /// axis. Why a rule here rather than an option each lesson sets: lessons draw their loss
    /// curves themselves, stored runs keep their specs, and some lessons' code is pinned by
    /// their shipped sweeps; a finetune that memorises drives its loss from ~6 to ~1e-4, and on
    /// a linear axis everything after the first steps lies on zero. Losses within two decades
    /// (pretraining's ~8 → ~0.7) keep the linear axis a reader expects; other quantities
    /// (rates, learning rates) are left as their lesson drew them.
    static func yScale(_ chart: LineChart) -> AxisScale {
        guard chart.yScale == .linear,
            (chart.yLabel + " " + chart.title).lowercased().contains("loss")
        else { return chart.yScale }
        let values = yValues(chart)
        guard let low = values.min(), let high = values.max(), low > 0 else { return .linear }
        return log10(high / low) > 2 ? .log : .linear
    }

    /// Every y the chart draws: its series and its reference lines.
    static func yValues(_ chart: LineChart) -> [Double] {
        chart.series.flatMap(\.y) + chart.references.map(\.y)
    }

    /// The y label as drawn: "loss (nats), log scale" where the rule above chose a log axis.
    static func yLabel(_ chart: LineChart) -> String {
        guard chart.yScale == .linear, yScale(chart) == .log else { return chart.yLabel }
        return chart.yLabel.isEmpty ? "log scale" : chart.yLabel + ", log scale"
    }

    func draw(in rect: Rect, on canvas: Canvas) {
        var top = FigureRenderer.drawTitle(chart.title, in: rect, on: canvas, theme: theme)
        top = drawLegend(from: top, in: rect, on: canvas)
        let tickStyle = theme.text(11, muted: true), labelStyle = theme.text(12)
        let allX = chart.series.flatMap(\.x) + chart.markers.map(\.x)
        let xAxis = Axis(scale: chart.xScale, values: allX, padFraction: 0.01)
        let yAxis = Axis(scale: Self.yScale(chart), values: Self.yValues(chart) + sharedY)
        let yLabel = Self.yLabel(chart)
        let yTicks = yAxis.ticks(target: 6)
        let tickWidth =
            yTicks.map { canvas.measure(Axis.label($0), style: tickStyle).width }.max() ?? 20
        let left = rect.x + 16 + (yLabel.isEmpty ? 0 : 20) + tickWidth + 6
        let bottom = rect.maxY - 12 - (chart.xLabel.isEmpty ? 0 : 20) - 18
        let plot = Rect(
            x: left, y: top + 4, width: max(10, rect.maxX - 20 - left),
            height: max(10, bottom - top - 4))
        func px(_ x: Double) -> Double { plot.x + xAxis.fraction(x) * plot.width }
        func py(_ y: Double) -> Double { plot.maxY - yAxis.fraction(y) * plot.height }

        // Grid and ticks.
        for y in yTicks {
            canvas.line(Point(plot.x, py(y)), Point(plot.maxX, py(y)), theme.grid)
            canvas.text(
                Axis.label(y), at: Point(plot.x - 6, py(y)), style: tickStyle, horizontal: .end,
                vertical: .middle)
        }
        var lastLabelEnd = -Double.infinity
        for x in xAxis.ticks(target: max(2, Int(plot.width / 90))) {
            canvas.line(Point(px(x), plot.y), Point(px(x), plot.maxY), theme.grid)
            let label = Axis.label(x)
            let width = canvas.measure(label, style: tickStyle).width
            guard px(x) - width / 2 > lastLabelEnd + 4 else { continue }   // never overlap tick labels
            canvas.text(
                label, at: Point(px(x), plot.maxY + 5), style: tickStyle, horizontal: .middle,
                vertical: .top)
            lastLabelEnd = px(x) + width / 2
        }
        canvas.line(Point(plot.x, plot.maxY), Point(plot.maxX, plot.maxY), theme.axis)
        canvas.line(Point(plot.x, plot.y), Point(plot.x, plot.maxY), theme.axis)
        if !chart.xLabel.isEmpty {
            canvas.text(
                Labels.visible(chart.xLabel), at: Point(plot.x + plot.width / 2, rect.maxY - 10),
                style: labelStyle, horizontal: .middle, vertical: .bottom)
        }
        if !yLabel.isEmpty {
            canvas.text(
                Labels.visible(yLabel), at: Point(rect.x + 14, plot.y + plot.height / 2),
                style: labelStyle,
                horizontal: .middle, vertical: .top, rotation: -90)
        }

        canvas.beginClip(plot)
        for reference in chart.references {
            canvas.line(
                Point(plot.x, py(reference.y)), Point(plot.maxX, py(reference.y)), theme.muted,
                lineWidth: 1.2, dash: [5, 4])
        }
        for marker in chart.markers {
            canvas.line(
                Point(px(marker.x), plot.y), Point(px(marker.x), plot.maxY), theme.muted,
                lineWidth: 1.2, dash: [2, 3])
        }
        for (index, series) in chart.series.enumerated() {
            let color = Palette.series(index, theme: theme)
            let raw = zip(series.x, series.y).map { Point(px($0), py($1)) }
            if let smoothing = chart.smoothing, smoothing > 0, series.smoothed != false {
                canvas.polyline(raw, color.withAlpha(0.25), lineWidth: 1, dash: [])
                let smooth = Self.smoothed(series.y, weight: smoothing)
                canvas.polyline(
                    zip(series.x, smooth).map { Point(px($0), py($1)) }, color, lineWidth: 2,
                    dash: series.dashed ? [6, 4] : [])
            } else {
                canvas.polyline(raw, color, lineWidth: 2, dash: series.dashed ? [6, 4] : [])
            }
            if raw.count == 1 {
                canvas.circle(center: raw[0], radius: 3, fill: color, stroke: nil, lineWidth: 0)
            }
        }
        canvas.endClip()

        // Labels of references (right, above the line) and markers (top, beside the line).
        let smallStyle = theme.text(10.5, muted: true)
        for reference in chart.references {
            let label = canvas.fitted(
                Labels.visible(reference.label), style: smallStyle, width: plot.width - 8)
            canvas.text(
                label, at: Point(plot.maxX - 4, py(reference.y) - 3), style: smallStyle,
                horizontal: .end, vertical: .bottom)
        }
        var markerRow = 0, lastMarkerEnd = -Double.infinity
        for marker in chart.markers.sorted(by: { $0.x < $1.x }) {
            let label = Labels.visible(marker.label)
            let width = canvas.measure(label, style: smallStyle).width
            let x = min(px(marker.x) + 4, plot.maxX - width - 2)
            markerRow = x < lastMarkerEnd + 6 ? markerRow + 1 : 0   // stagger labels that would touch
            canvas.text(
                label, at: Point(x, plot.y + 4 + Double(markerRow) * 13), style: smallStyle,
                vertical: .top)
            lastMarkerEnd = x + width
        }
    }

    /// One legend row (wrapping) below the title; returns the y below it.
    private func drawLegend(from y: Double, in rect: Rect, on canvas: Canvas) -> Double {
        guard chart.series.count > 1 || !(chart.series.first?.name.isEmpty ?? true) else {
            return y
        }
        let style = theme.text(11.5)
        var x = rect.x + 16, row = y + 2
        for (index, series) in chart.series.enumerated() {
            let label = canvas.fitted(
                Labels.visible(series.name), style: style, width: rect.width - 60)
            let width = 22 + canvas.measure(label, style: style).width + 16
            if x + width > rect.maxX - 12 && x > rect.x + 16 { x = rect.x + 16; row += 17 }
            let color = Palette.series(index, theme: theme)
            canvas.line(
                Point(x, row + 7), Point(x + 16, row + 7), color, lineWidth: 2.5,
                dash: series.dashed ? [4, 3] : [])
            canvas.text(label, at: Point(x + 22, row + 7), style: style, vertical: .middle)
            x += width
        }
        return row + 20
    }

    /// Debiased exponential moving average (TensorBoard's smoothing).
    static func smoothed(_ values: [Double], weight: Double) -> [Double] {
        var average = 0.0, correction = 0.0
        return values.map { value in
            average = average * weight + (1 - weight) * value
            correction = correction * weight + (1 - weight)
            return average / correction
        }
    }
}
