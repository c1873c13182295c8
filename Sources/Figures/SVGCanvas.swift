// The SVG backend: writes elements as it is drawn on. Text stays text (escaped), ids are
// prefixed so that many figures can share one HTML page, numbers are printed with a fixed
// precision so the same figure always gives the same bytes.

import Foundation

final class SVGCanvas: Canvas {
    let width: Double
    let height: Double
    private let idPrefix: String
    private var body: [String] = []
    private var clipCount = 0

    init(width: Double, height: Double, idPrefix: String) {
        self.width = width
        self.height = height
        self.idPrefix = idPrefix
    }

    func document(title: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(n(width))" height="\(n(height))" viewBox="0 0 \(n(width)) \(n(height))" role="img" aria-label="\(Self.escape(title))">
        <title>\(Self.escape(title))</title>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }

    /// Two decimals, no "-0": enough for a screen, stable across runs.
    private func n(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(format: "%.2f", rounded == 0 ? 0 : rounded)
    }

    private func paint(_ c: Color) -> String {
        c.alpha >= 1 ? c.svg : "\(c.svg)\" fill-opacity=\"\(n(c.alpha))"
    }

    private func strokePaint(_ c: Color) -> String {
        c.alpha >= 1 ? c.svg : "\(c.svg)\" stroke-opacity=\"\(n(c.alpha))"
    }

    func fill(_ rect: Rect, _ color: Color, cornerRadius: Double) {
        let radius = cornerRadius > 0 ? " rx=\"\(n(cornerRadius))\"" : ""
        body.append(
            "<rect x=\"\(n(rect.x))\" y=\"\(n(rect.y))\" width=\"\(n(rect.width))\" height=\"\(n(rect.height))\"\(radius) fill=\"\(paint(color))\"/>"
        )
    }

    func stroke(_ rect: Rect, _ color: Color, lineWidth: Double, cornerRadius: Double) {
        let radius = cornerRadius > 0 ? " rx=\"\(n(cornerRadius))\"" : ""
        body.append(
            "<rect x=\"\(n(rect.x))\" y=\"\(n(rect.y))\" width=\"\(n(rect.width))\" height=\"\(n(rect.height))\"\(radius) fill=\"none\" stroke=\"\(strokePaint(color))\" stroke-width=\"\(n(lineWidth))\"/>"
        )
    }

    func polyline(_ points: [Point], _ color: Color, lineWidth: Double, dash: [Double]) {
        guard points.count > 1 else { return }
        let list = points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")
        let dashes =
            dash.isEmpty ? "" : " stroke-dasharray=\"\(dash.map(n).joined(separator: " "))\""
        body.append(
            "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(strokePaint(color))\" stroke-width=\"\(n(lineWidth))\" stroke-linejoin=\"round\"\(dashes)/>"
        )
    }

    func fillPolygon(_ points: [Point], _ color: Color) {
        let list = points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")
        body.append("<polygon points=\"\(list)\" fill=\"\(paint(color))\"/>")
    }

    func circle(center: Point, radius: Double, fill: Color?, stroke: Color?, lineWidth: Double) {
        let fillAttribute = fill.map { "fill=\"\(paint($0))\"" } ?? "fill=\"none\""
        let strokeAttribute =
            stroke.map { " stroke=\"\(strokePaint($0))\" stroke-width=\"\(n(lineWidth))\"" } ?? ""
        body.append(
            "<circle cx=\"\(n(center.x))\" cy=\"\(n(center.y))\" r=\"\(n(radius))\" \(fillAttribute)\(strokeAttribute)/>"
        )
    }

    func curve(
        from: Point, control1: Point, control2: Point, to: Point, _ color: Color, lineWidth: Double
    ) {
        body.append(
            "<path d=\"M\(n(from.x)),\(n(from.y)) C\(n(control1.x)),\(n(control1.y)) \(n(control2.x)),\(n(control2.y)) \(n(to.x)),\(n(to.y))\" fill=\"none\" stroke=\"\(strokePaint(color))\" stroke-width=\"\(n(lineWidth))\"/>"
        )
    }

    func text(
        _ string: String, at point: Point, style: TextStyle, horizontal: HorizontalAnchor,
        vertical: VerticalAnchor, rotation: Double
    ) {
        // The baseline start is computed exactly as for Cairo; SVG then starts the text there.
        let origin = TextMetrics.shared.baselineOrigin(
            string, at: point, style: style, horizontal: horizontal, vertical: vertical)
        let transform =
            rotation != 0 ? " transform=\"rotate(\(n(rotation)) \(n(point.x)) \(n(point.y)))\"" : ""
        let weight = style.bold ? " font-weight=\"bold\"" : ""
        let family = style.monospace ? "'DejaVu Sans Mono', monospace" : "'DejaVu Sans', sans-serif"
        body.append(
            "<text x=\"\(n(origin.x))\" y=\"\(n(origin.y))\" font-family=\"\(family)\" font-size=\"\(n(style.size))\"\(weight) fill=\"\(paint(style.color))\" xml:space=\"preserve\"\(transform)>\(Self.escape(string))</text>"
        )
    }

    func measure(_ string: String, style: TextStyle) -> TextExtent {
        TextMetrics.shared.measure(string, style: style)
    }

    func beginClip(_ rect: Rect) {
        clipCount += 1
        let id = "\(idPrefix)clip\(clipCount)"
        body.append(
            "<clipPath id=\"\(id)\"><rect x=\"\(n(rect.x))\" y=\"\(n(rect.y))\" width=\"\(n(rect.width))\" height=\"\(n(rect.height))\"/></clipPath>"
        )
        body.append("<g clip-path=\"url(#\(id))\">")
    }

    func endClip() { body.append("</g>") }

    /// XML text: markup characters become entities; characters XML 1.0 forbids become U+FFFD.
    static func escape(_ string: String) -> String {
        var out = ""
        out.reserveCapacity(string.utf8.count)
        for scalar in string.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || v == 0xFFFE || v == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
