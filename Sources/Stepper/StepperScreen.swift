// What the terminal shows, as lines of text: a header with the settings, the context as its
// tokens (boundaries visible: alternating shades in colour, │ between tokens without), the
// candidates for the next token with probability bars, the attention panel or the help, and
// a status line. Pure: the same stepper state gives the same lines, so tests compare screens.

import Chat

public struct StepperScreen {
    public var width: Int
    public var height: Int
    /// ANSI colours (false: plain text, as when NO_COLOR is set or in tests).
    public var color: Bool

    public init(width: Int = 80, height: Int = 24, color: Bool = false) {
        self.width = max(width, 40)
        self.height = max(height, 12)
        self.color = color
    }

    public static let keyLine =
        "Enter sample · 1-9 choose · g greedy · b back · t/T temp · k/K top-k · p/P top-p · a attention · ? help · q quit"

    public func render(_ stepper: Stepper) -> [String] {
        let model = stepper.languageModel
        var lines: [String] = []
        let window = stepper.step.position + 1
        lines.append(
            fit(
                "tokenwise step · \(TerminalText.sanitize(model.name, keepingNewlines: false)) · \(Self.count(model.model.config.parameterCount)) parameters · context \(window)/\(model.model.config.contextLength) tokens"
            ))
        lines.append(fit(Stepper.describe(stepper.settings) + " · seed \(stepper.seed)"))
        lines.append(rule())

        var body: [String] = []
        if stepper.showsHelp {
            body = help()
        } else {
            body += contextLines(stepper)
            body.append(rule())
            body += stepper.showsAttention ? attentionLines(stepper) : candidateLines(stepper)
        }
        let footer = [rule(), fit(stepper.message)] + keyLines()
        let room = height - lines.count - footer.count
        if body.count > room {
            body =
                Array(body.prefix(room - 1)) + [
                    fit(
                        "… \(body.count - room + 1) more lines (a taller terminal, or --html, shows all)"
                    )
                ]
        }
        return lines + body + footer
    }

    // MARK: parts

    private func contextLines(_ stepper: Stepper) -> [String] {
        let tokens = stepper.contextTokens
        let dropped = stepper.droppedTokens
        var header = "context: \(tokens.count) token\(tokens.count == 1 ? "" : "s")"
        if dropped > 0 {
            header +=
                " · the \(dropped) oldest are outside the model's window" + (color ? " (dim)" : "")
        }
        let injected = stepper.injectedPositions
        if !injected.isEmpty {
            header +=
                color
                ? " · green: from a tool"
                : " · <|result|>…<|/result|>: from a tool"
        }
        var lines = [fit(header)]
        // Lay the tokens out in lines, then keep the newest lines that fit.
        let maxLines = 6
        var laidOut: [String] = []
        var current = "", currentWidth = 0
        for (index, token) in tokens.enumerated() {
            var label = stepper.languageModel.label(of: token)
            if Self.displayWidth(label) > width - 2 {
                label = String(label.prefix(width - 3)) + "…"
            }
            let cellWidth = Self.displayWidth(label) + (color ? 0 : 1)
            if currentWidth + cellWidth > width, !current.isEmpty {
                laidOut.append(current); current = ""; currentWidth = 0
            }
            current += cell(
                label, index: index, outside: index < dropped, newest: index == tokens.count - 1,
                fromTool: injected.contains(index))
            currentWidth += cellWidth
        }
        if !current.isEmpty { laidOut.append(current) }
        if laidOut.count > maxLines {
            lines.append(fit("… \(laidOut.count - maxLines) earlier lines"));
            laidOut = Array(laidOut.suffix(maxLines))
        }
        return lines + laidOut
    }

    private func cell(
        _ label: String, index: Int, outside: Bool, newest: Bool, fromTool: Bool
    ) -> String {
        guard color else { return label + "│" }
        let background =
            fromTool
            ? (index % 2 == 0 ? "48;5;22" : "48;5;28") : index % 2 == 0 ? "48;5;236" : "48;5;239"
        let foreground = outside ? "38;5;244" : newest ? "1;38;5;220" : "38;5;255"
        return "\u{1B}[\(background);\(foreground)m\(label)\u{1B}[0m"
    }

    private func candidateLines(_ stepper: Stepper) -> [String] {
        var lines = [fit("next token        model p  sampled  (bar: chance of being drawn now)")]
        let barWidth = max(10, width - 36)
        for candidate in stepper.candidates() {
            var label = Stepper.quoted(candidate.label)
            label = Self.pad(
                Self.displayWidth(label) > 14 ? String(label.prefix(13)) + "…" : label, 14)
            let bar = Self.bar(candidate.samplingProbability, width: barWidth)
            let p = Self.pad(Stepper.percent(candidate.probability), 7, right: true)
            let q = Self.pad(Stepper.percent(candidate.samplingProbability), 7, right: true)
            var line = "\(candidate.rank) \(label) \(p)  \(q)  \(bar)"
            if color && candidate.samplingProbability == 0 { line = "\u{1B}[2m\(line)\u{1B}[0m" }
            lines.append(line)
        }
        return lines
    }

    private func attentionLines(_ stepper: Stepper) -> [String] {
        let attention = stepper.step.attention
        let context = stepper.contextTokens.suffix(stepper.step.position + 1)
        let labels = context.map { stepper.languageModel.label(of: $0) }
        let stripWidth = min(labels.count, max(8, width - 34))
        var lines = [
            fit(
                "attention of the newest token over the last \(stripWidth) positions (█ = most) · strongest"
            )
        ]
        for (layer, heads) in attention.enumerated() {
            for (head, weights) in heads.enumerated() {
                let shown = weights.suffix(stripWidth)
                let strip = shown.map { Self.shade($0) }.joined()
                let strongest = weights.indices.max { weights[$0] < weights[$1] }!
                let name = Self.pad("L\(layer + 1) H\(head + 1)", 7)   // counted from 1, as the lessons do
                lines.append(
                    fit(
                        "\(name) \(strip) \(Stepper.quoted(labels[strongest])) \(String(format: "%.2f", weights[strongest]))"
                    ))
            }
        }
        return lines
    }

    /// The key summary, wrapped at " · " to the width.
    private func keyLines() -> [String] {
        var lines: [String] = [], line = ""
        for part in Self.keyLine.components(separatedBy: " · ") {
            if !line.isEmpty && Self.displayWidth(line + " · " + part) > width {
                lines.append(line); line = ""
            }
            line += line.isEmpty ? part : " · " + part
        }
        return lines + [line]
    }

    private func help() -> [String] {
        [
            "Enter    sample the next token from the distribution (with the settings above)",
            "1-9      take that candidate, even one sampling would never draw",
            "g        greedy: take the likeliest token",
            "b        back: forget the newest token; the next pick starts a new branch",
            "t / T    temperature down / up (0 = greedy; below 1 sharpens, above 1 flattens)",
            "k / K    top-k down / up: keep only the k likeliest tokens (off = all)",
            "p / P    top-p down / up: keep the smallest set whose mass reaches p",
            "a        attention of the newest position over the context, every layer and head",
            "?        this help            q  quit (--html FILE writes the whole session)",
        ].map(fit)
    }

    // MARK: text helpers

    private func rule() -> String { String(repeating: "─", count: width) }

    private func fit(_ text: String) -> String {
        Self.displayWidth(text) <= width ? text : String(text.prefix(width - 1)) + "…"
    }

    static func bar(_ fraction: Float, width: Int) -> String {
        let eighths = Int((Double(max(0, min(1, fraction))) * Double(width * 8)).rounded())
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        return String(repeating: "█", count: eighths / 8) + partials[eighths % 8]
    }

    static func shade(_ weight: Float) -> String {
        let shades = [" ", "░", "▒", "▓", "█"]
        return shades[min(4, Int((weight * 5).rounded(.down)))]
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - displayWidth(text)))
        return right ? padding + text : text + padding
    }

    /// Terminal columns of `text` (East Asian wide characters count two).
    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            let v = scalar.value
            let wide =
                (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v)
                || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0x1F300...0x1FAFF).contains(v)
                || (0x20000...0x3FFFD).contains(v)
            let zero =
                scalar.properties.generalCategory == .nonspacingMark
                || scalar.properties.generalCategory == .enclosingMark
            return total + (zero ? 0 : wide ? 2 : 1)
        }
    }

    static func count(_ n: Int) -> String {
        n >= 1_000_000
            ? String(format: "%.1fM", Double(n) / 1e6)
            : n >= 1000 ? String(format: "%.1fk", Double(n) / 1e3) : "\(n)"
    }
}
