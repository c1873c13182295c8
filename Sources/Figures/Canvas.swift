// The drawing surface every chart draws on, in points from the top-left corner. Two
// backends: Cairo's image surface for PNG, and a small SVG writer. The SVG writer is ours
// rather than Cairo's SVG surface because Cairo turns text into glyph outlines (unsearchable,
// unreadable by screen readers) and numbers its ids per process (two figures inlined in one
// page would collide); ours writes real, escaped <text> and ids prefixed per figure. Both
// measure text with Cairo and the same DejaVu font, so layouts agree.

public struct Color: Codable, Equatable, Hashable, Sendable {
    public var red, green, blue, alpha: Double

    public init(red: Double, green: Double, blue: Double, alpha: Double = 1) {
        self.red = red; self.green = green; self.blue = blue; self.alpha = alpha
    }

    /// 0xRRGGBB
    public init(hex: UInt32, alpha: Double = 1) {
        self.init(
            red: Double(hex >> 16 & 0xFF) / 255, green: Double(hex >> 8 & 0xFF) / 255,
            blue: Double(hex & 0xFF) / 255, alpha: alpha)
    }

    public func withAlpha(_ alpha: Double) -> Color {
        Color(red: red, green: green, blue: blue, alpha: alpha)
    }

    /// Linear mix: 0 gives self, 1 gives other.
    public func mixed(with other: Color, _ t: Double) -> Color {
        Color(
            red: red + (other.red - red) * t, green: green + (other.green - green) * t,
            blue: blue + (other.blue - blue) * t, alpha: alpha + (other.alpha - alpha) * t)
    }

    /// Relative luminance (for choosing dark or light text on a fill).
    public var luminance: Double { 0.2126 * red + 0.7152 * green + 0.0722 * blue }

    var svg: String {
        func channel(_ v: Double) -> Int { Int((max(0, min(1, v)) * 255).rounded()) }
        return "rgb(\(channel(red)),\(channel(green)),\(channel(blue)))"
    }
}

public struct Point: Codable, Equatable, Sendable {
    public var x: Double, y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

public struct Rect: Equatable, Sendable {
    public var x, y, width, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    var maxX: Double { x + width }
    var maxY: Double { y + height }
    func inset(_ d: Double) -> Rect {
        Rect(x: x + d, y: y + d, width: width - 2 * d, height: height - 2 * d)
    }
}

enum HorizontalAnchor { case start, middle, end }
enum VerticalAnchor { case top, middle, baseline, bottom }

struct TextStyle {
    var size: Double = 12
    var bold = false
    var monospace = false
    var color: Color
}

struct TextExtent {
    var width: Double; var ascent: Double; var descent: Double
    var height: Double { ascent + descent }
}

protocol Canvas: AnyObject {
    var width: Double { get }
    var height: Double { get }
    func fill(_ rect: Rect, _ color: Color, cornerRadius: Double)
    func stroke(_ rect: Rect, _ color: Color, lineWidth: Double, cornerRadius: Double)
    func polyline(_ points: [Point], _ color: Color, lineWidth: Double, dash: [Double])
    func fillPolygon(_ points: [Point], _ color: Color)
    func circle(center: Point, radius: Double, fill: Color?, stroke: Color?, lineWidth: Double)
    /// A cubic Bézier curve from `from` to `to`.
    func curve(
        from: Point, control1: Point, control2: Point, to: Point, _ color: Color, lineWidth: Double)
    func text(
        _ string: String, at point: Point, style: TextStyle, horizontal: HorizontalAnchor,
        vertical: VerticalAnchor, rotation: Double)
    func measure(_ string: String, style: TextStyle) -> TextExtent
    /// Restricts drawing to `rect` until `endClip()`.
    func beginClip(_ rect: Rect)
    func endClip()
}

extension Canvas {
    func fill(_ rect: Rect, _ color: Color) { fill(rect, color, cornerRadius: 0) }
    func stroke(_ rect: Rect, _ color: Color, lineWidth: Double = 1) {
        stroke(rect, color, lineWidth: lineWidth, cornerRadius: 0)
    }
    func line(_ a: Point, _ b: Point, _ color: Color, lineWidth: Double = 1, dash: [Double] = []) {
        polyline([a, b], color, lineWidth: lineWidth, dash: dash)
    }
    func text(
        _ string: String, at point: Point, style: TextStyle, horizontal: HorizontalAnchor = .start,
        vertical: VerticalAnchor = .baseline
    ) {
        text(
            string, at: point, style: style, horizontal: horizontal, vertical: vertical, rotation: 0
        )
    }

    /// `string` shortened with "…" to fit `width` points.
    func fitted(_ string: String, style: TextStyle, width: Double) -> String {
        if measure(string, style: style).width <= width { return string }
        var characters = Array(string)
        while !characters.isEmpty {
            characters.removeLast()
            let candidate = String(characters) + "…"
            if measure(candidate, style: style).width <= width { return candidate }
        }
        return ""
    }
}
