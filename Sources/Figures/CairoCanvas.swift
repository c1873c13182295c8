// The PNG backend: Cairo's image surface, drawn at `scale` pixels per point, encoded by
// Cairo's PNG writer (deterministic: the same drawing gives the same bytes). Text uses Cairo's
// "toy" font API with DejaVu through fontconfig; characters the font lacks show as boxes.

import CCairo
import Foundation

final class CairoCanvas: Canvas {
    let width: Double
    let height: Double
    let surface: OpaquePointer
    let context: OpaquePointer

    init(width: Double, height: Double, scale: Double) {
        self.width = width
        self.height = height
        surface = cairo_image_surface_create(
            CAIRO_FORMAT_ARGB32, Int32((width * scale).rounded()), Int32((height * scale).rounded())
        )
        context = cairo_create(surface)
        cairo_scale(context, scale, scale)
        cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(context, CAIRO_LINE_CAP_BUTT)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    func pngData() throws -> Data {
        cairo_surface_flush(surface)
        final class Sink { var data = Data() }
        let sink = Sink()
        let status = cairo_surface_write_to_png_stream(
            surface,
            { closure, bytes, length in
                let sink = Unmanaged<Sink>.fromOpaque(closure!).takeUnretainedValue()
                sink.data.append(bytes!, count: Int(length))
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(sink).toOpaque())
        guard status == CAIRO_STATUS_SUCCESS else {
            throw FigureError(
                chart: "figure",
                problem:
                    "Cairo could not encode the PNG: \(String(cString: cairo_status_to_string(status)))"
            )
        }
        return sink.data
    }

    private func setColor(_ c: Color) {
        cairo_set_source_rgba(context, c.red, c.green, c.blue, c.alpha)
    }

    private func roundedRectPath(_ r: Rect, _ radius: Double) {
        let radius = min(radius, r.width / 2, r.height / 2)
        if radius <= 0 { cairo_rectangle(context, r.x, r.y, r.width, r.height); return }
        cairo_new_sub_path(context)
        cairo_arc(context, r.maxX - radius, r.y + radius, radius, -Double.pi / 2, 0)
        cairo_arc(context, r.maxX - radius, r.maxY - radius, radius, 0, Double.pi / 2)
        cairo_arc(context, r.x + radius, r.maxY - radius, radius, Double.pi / 2, Double.pi)
        cairo_arc(context, r.x + radius, r.y + radius, radius, Double.pi, 3 * Double.pi / 2)
        cairo_close_path(context)
    }

    func fill(_ rect: Rect, _ color: Color, cornerRadius: Double) {
        roundedRectPath(rect, cornerRadius)
        setColor(color)
        cairo_fill(context)
    }

    func stroke(_ rect: Rect, _ color: Color, lineWidth: Double, cornerRadius: Double) {
        roundedRectPath(rect, cornerRadius)
        setColor(color)
        cairo_set_line_width(context, lineWidth)
        cairo_stroke(context)
    }

    func polyline(_ points: [Point], _ color: Color, lineWidth: Double, dash: [Double]) {
        guard let first = points.first else { return }
        cairo_move_to(context, first.x, first.y)
        for p in points.dropFirst() { cairo_line_to(context, p.x, p.y) }
        setColor(color)
        cairo_set_line_width(context, lineWidth)
        cairo_set_dash(context, dash, Int32(dash.count), 0)
        cairo_stroke(context)
        cairo_set_dash(context, nil, 0, 0)
    }

    func fillPolygon(_ points: [Point], _ color: Color) {
        guard let first = points.first else { return }
        cairo_move_to(context, first.x, first.y)
        for p in points.dropFirst() { cairo_line_to(context, p.x, p.y) }
        cairo_close_path(context)
        setColor(color)
        cairo_fill(context)
    }

    func circle(center: Point, radius: Double, fill: Color?, stroke: Color?, lineWidth: Double) {
        cairo_new_path(context)
        cairo_arc(context, center.x, center.y, radius, 0, 2 * Double.pi)
        if let fill { setColor(fill); cairo_fill_preserve(context) }
        if let stroke {
            setColor(stroke); cairo_set_line_width(context, lineWidth)
            cairo_stroke_preserve(context)
        }
        cairo_new_path(context)
    }

    func curve(
        from: Point, control1: Point, control2: Point, to: Point, _ color: Color, lineWidth: Double
    ) {
        cairo_move_to(context, from.x, from.y)
        cairo_curve_to(context, control1.x, control1.y, control2.x, control2.y, to.x, to.y)
        setColor(color)
        cairo_set_line_width(context, lineWidth)
        cairo_stroke(context)
    }

    func text(
        _ string: String, at point: Point, style: TextStyle, horizontal: HorizontalAnchor,
        vertical: VerticalAnchor, rotation: Double
    ) {
        let origin = TextMetrics.shared.baselineOrigin(
            string, at: point, style: style, horizontal: horizontal, vertical: vertical)
        cairo_save(context)
        cairo_translate(context, point.x, point.y)
        cairo_rotate(context, rotation * Double.pi / 180)
        TextMetrics.selectFont(context, style)
        setColor(style.color)
        cairo_move_to(context, origin.x - point.x, origin.y - point.y)
        cairo_show_text(context, string)
        cairo_restore(context)
    }

    func measure(_ string: String, style: TextStyle) -> TextExtent {
        TextMetrics.shared.measure(string, style: style)
    }

    func beginClip(_ rect: Rect) {
        cairo_save(context)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(context)
    }

    func endClip() { cairo_restore(context) }
}

/// Text extents from Cairo with the fonts both backends use.
final class TextMetrics: @unchecked Sendable {   // guarded by `lock`
    static let shared = TextMetrics()
    private let surface: OpaquePointer
    private let context: OpaquePointer
    private let lock = NSLock()

    private init() {
        surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1)
        context = cairo_create(surface)
    }

    static func family(_ style: TextStyle) -> String {
        style.monospace ? "DejaVu Sans Mono" : "DejaVu Sans"
    }

    static func selectFont(_ context: OpaquePointer, _ style: TextStyle) {
        cairo_select_font_face(
            context, family(style), CAIRO_FONT_SLANT_NORMAL,
            style.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, style.size)
    }

    func measure(_ string: String, style: TextStyle) -> TextExtent {
        lock.lock(); defer { lock.unlock() }
        Self.selectFont(context, style)
        var text = cairo_text_extents_t()
        cairo_text_extents(context, string, &text)
        var font = cairo_font_extents_t()
        cairo_font_extents(context, &font)
        return TextExtent(width: text.x_advance, ascent: font.ascent, descent: font.descent)
    }

    /// Where the baseline of `string` starts so that it sits at `point` with these anchors.
    func baselineOrigin(
        _ string: String, at point: Point, style: TextStyle, horizontal: HorizontalAnchor,
        vertical: VerticalAnchor
    ) -> Point {
        let extent = measure(string, style: style)
        let x: Double
        switch horizontal {
        case .start: x = point.x
        case .middle: x = point.x - extent.width / 2
        case .end: x = point.x - extent.width
        }
        let y: Double
        switch vertical {
        case .top: y = point.y + extent.ascent
        case .middle: y = point.y + (extent.ascent - extent.descent) / 2
        case .baseline: y = point.y
        case .bottom: y = point.y - extent.descent
        }
        return Point(x, y)
    }
}
