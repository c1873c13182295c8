// A text as its tokens: each token a box with its text (whitespace made visible: "·" for a
// space, "↵" for a newline, after which the strip breaks the line) and its id below,
// coloured by id (neighbours distinct) or by a value (loss, probability) with a colour bar.

import Foundation

enum TokenStripDrawing {
    struct Placed { let index: Int; let rect: Rect; let label: String }

    static let textStyle = TextStyle(size: 13, monospace: true, color: Color(hex: 0))
    static let idStyle = TextStyle(size: 8.5, monospace: true, color: Color(hex: 0))

    /// Token boxes wrapped into lines of `width` points, starting at (x, y).
    static func layout(
        _ strip: TokenStrip, x: Double, y: Double, width: Double
    ) -> (boxes: [Placed], bottom: Double) {
        let rowHeight = strip.showIDs ? 36.0 : 24.0
        var boxes: [Placed] = []
        var cursor = x, row = y
        for (index, token) in strip.tokens.enumerated() {
            let label = Labels.token(token.text)
            var boxWidth = TextMetrics.shared.measure(label, style: textStyle).width + 8
            if strip.showIDs {
                boxWidth = max(
                    boxWidth, TextMetrics.shared.measure(String(token.id), style: idStyle).width + 6
                )
            }
            boxWidth = min(boxWidth, width)
            if cursor + boxWidth > x + width && cursor > x { cursor = x; row += rowHeight + 4 }
            boxes.append(
                Placed(
                    index: index, rect: Rect(x: cursor, y: row, width: boxWidth, height: rowHeight),
                    label: label))
            cursor += boxWidth + 2
            if token.text.hasSuffix("\n") { cursor = x; row += rowHeight + 4 }   // the text's own line break
        }
        let bottom = (boxes.last.map { $0.rect.maxY } ?? y)
        return (boxes, bottom)
    }

    static func naturalSize(_ strip: TokenStrip) -> (width: Double, height: Double) {
        let width = 760.0
        let (_, bottom) = layout(strip, x: 16, y: 44, width: width - 32)
        return (width, bottom + (strip.coloring == .byValue ? 52 : 16))
    }

    static func draw(_ strip: TokenStrip, in rect: Rect, on canvas: Canvas, theme: Theme) {
        let top = FigureRenderer.drawTitle(strip.title, in: rect, on: canvas, theme: theme)
        let values = strip.tokens.compactMap(\.value)
        let low = values.min() ?? 0, high = values.max() ?? 1
        let (boxes, bottom) = layout(strip, x: rect.x + 16, y: top, width: rect.width - 32)
        for box in boxes {
            let token = strip.tokens[box.index]
            let fill: Color
            switch strip.coloring {
            case .byID: fill = Palette.tokenBackground(token.id, theme: theme)
            case .byValue:
                let t = high > low ? (token.value! - low) / (high - low) : 0.5
                fill = Palette.viridis(t).mixed(with: theme.background, 0.35)
            }
            canvas.fill(box.rect, fill, cornerRadius: 3)
            canvas.stroke(box.rect, theme.axis.withAlpha(0.7), lineWidth: 0.7, cornerRadius: 3)
            var ink = textStyle
            ink.color = fill.luminance > 0.5 ? Color(hex: 0x1F2328) : Color(hex: 0xF5F5F5)
            let shown = canvas.fitted(box.label, style: ink, width: box.rect.width - 4)
            canvas.text(
                shown, at: Point(box.rect.x + box.rect.width / 2, box.rect.y + 4), style: ink,
                horizontal: .middle, vertical: .top)
            if strip.showIDs {
                var idInk = idStyle
                idInk.color = ink.color.withAlpha(0.75)
                canvas.text(
                    String(token.id), at: Point(box.rect.x + box.rect.width / 2, box.rect.maxY - 3),
                    style: idInk, horizontal: .middle, vertical: .bottom)
            }
        }
        if strip.coloring == .byValue {
            // A horizontal colour bar: low … high.
            let bar = Rect(
                x: rect.x + 16, y: min(bottom + 14, rect.maxY - 34),
                width: min(220, rect.width - 32), height: 10)
            let steps = 40
            for i in 0..<steps {
                let t = Double(i) / Double(steps - 1)
                canvas.fill(
                    Rect(
                        x: bar.x + Double(i) * bar.width / Double(steps), y: bar.y,
                        width: bar.width / Double(steps) + 0.5, height: bar.height),
                    Palette.viridis(t).mixed(with: theme.background, 0.35))
            }
            canvas.stroke(bar, theme.axis, lineWidth: 0.7)
            let style = theme.text(10, muted: true)
            canvas.text(
                Axis.label((low * 1000).rounded() / 1000), at: Point(bar.x, bar.maxY + 3),
                style: style, vertical: .top)
            canvas.text(
                Axis.label((high * 1000).rounded() / 1000), at: Point(bar.maxX, bar.maxY + 3),
                style: style, horizontal: .end, vertical: .top)
            if !strip.valueLabel.isEmpty {
                canvas.text(
                    Labels.visible(strip.valueLabel),
                    at: Point(bar.maxX + 10, bar.y + bar.height / 2), style: style,
                    vertical: .middle)
            }
        }
    }
}
