// Colours and type sizes. Series colours are Okabe & Ito's colour-blind-safe palette
// (https://jfly.uni-koeln.de/color/); heatmaps use viridis (van der Walt & Smith), which is
// perceptually uniform and readable in greyscale, interpolated between its eleven published
// stops.

public enum Theme: String, Codable, Sendable {
    case light, dark

    var background: Color { self == .light ? Color(hex: 0xFFFFFF) : Color(hex: 0x1B1E23) }
    var foreground: Color { self == .light ? Color(hex: 0x1F2328) : Color(hex: 0xE6E6E6) }
    var muted: Color { self == .light ? Color(hex: 0x5A6270) : Color(hex: 0xA0A7B4) }
    var grid: Color { self == .light ? Color(hex: 0xE3E6EA) : Color(hex: 0x353A42) }
    var axis: Color { self == .light ? Color(hex: 0x8A929E) : Color(hex: 0x6B7380) }
    var masked: Color { self == .light ? Color(hex: 0xF2F3F5) : Color(hex: 0x25292F) }
    var accent: Color { Color(hex: 0xD55E00) }   // vermillion: the highlighted bar, node or token
    var bar: Color { Color(hex: 0x0072B2) }

    func text(
        _ size: Double, bold: Bool = false, muted: Bool = false, monospace: Bool = false
    ) -> TextStyle {
        TextStyle(
            size: size, bold: bold, monospace: monospace, color: muted ? self.muted : foreground)
    }
}

enum Palette {
    /// Okabe–Ito, ordered for contrast between neighbours on white; yellow last (weak on white).
    static let categorical: [Color] = [
        0x0072B2, 0xE69F00, 0x009E73, 0xD55E00, 0xCC79A7, 0x56B4E9, 0x000000, 0xF0E442,
    ].map { Color(hex: $0) }

    static func series(_ index: Int, theme: Theme) -> Color {
        let color = categorical[index % categorical.count]
        // Black disappears on the dark background.
        return theme == .dark && color == Color(hex: 0x000000) ? Color(hex: 0xDDDDDD) : color
    }

    static let viridisStops: [Color] = [
        0x440154, 0x482475, 0x414487, 0x355F8D, 0x2A788E, 0x21918C,
        0x22A884, 0x44BF70, 0x7AD151, 0xBDDF26, 0xFDE725,
    ].map { Color(hex: $0) }

    /// viridis(t) for t in [0, 1] (clamped).
    static func viridis(_ t: Double) -> Color {
        let t = max(0, min(1, t)) * Double(viridisStops.count - 1)
        let i = min(Int(t), viridisStops.count - 2)
        return viridisStops[i].mixed(with: viridisStops[i + 1], t - Double(i))
    }

    /// A light background colour for a token id: neighbouring ids get distinct hues.
    static func tokenBackground(_ id: Int, theme: Theme) -> Color {
        let base = categorical[(id &* 7919 & Int.max) % 6]   // the six clearest hues
        return theme == .light
            ? base.mixed(with: Color(hex: 0xFFFFFF), 0.72)
            : base.mixed(with: Color(hex: 0x1B1E23), 0.55)
    }
}
