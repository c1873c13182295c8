// Training progress in the terminal: one line redrawn in place on a TTY; on a pipe or file,
// a plain line every tenth of the run (no escape codes, nothing to clean up in logs).

import Foundation
import Transformer

struct ProgressBar {
    let isTerminal = isatty(STDOUT_FILENO) == 1
    private var lastPlainTenth = -1

    mutating func show(_ p: StepProgress) {
        let fraction = Double(p.step) / Double(max(p.totalSteps, 1))
        let bar = Self.bar(fraction)
        let text = String(
            format: "step %d/%d %@ loss %.4f · lr %.2e · %.0f tok/s · %@ left",
            p.step, p.totalSteps, bar, p.loss, p.learningRate, p.tokensPerSecond,
            Self.duration(p.remainingSeconds))
        if isTerminal {
            print("\r\u{1B}[2K" + text, terminator: p.step == p.totalSteps ? "\n" : "")
            fflush(stdout)
        } else {
            let tenth = Int(fraction * 10)
            if tenth != lastPlainTenth {
                lastPlainTenth = tenth
                print(text)
            }
        }
    }

    /// Prints a line above the bar (the bar is redrawn by the next step).
    func note(_ line: String) {
        print(isTerminal ? "\r\u{1B}[2K" + line : line)
    }

    /// "████····": `fraction` of `width` cells filled, clamped to 0...1 (a lesson may report a
    /// step past its total, or a negative one; that draws a full or empty bar, never traps).
    static func bar(_ fraction: Double, width: Int = 24) -> String {
        let filled =
            fraction.isNaN ? 0 : Int((min(max(fraction, 0), 1) * Double(width)).rounded(.down))
        return String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
    }

    /// "1h02m", "3m05s", "12s"
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
