// The interactive loop without the terminal: keys in, screens out. The CLI gives it a raw-mode
// terminal; tests give it a scripted key sequence and read the screens it drew.

import Chat

public enum StepperKeys {
    /// The actions in a chunk of bytes read from a terminal in raw mode. Escape sequences
    /// (arrow keys …) are one unknown key each; Ctrl-C and Ctrl-D quit.
    public static func actions(in bytes: [UInt8]) -> [Action] {
        var actions: [Action] = []
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            switch byte {
            case 0x0D, 0x0A: actions.append(.sample)
            case 0x31...0x39: actions.append(.choose(rank: Int(byte - 0x30)))
            case UInt8(ascii: "g"): actions.append(.greedy)
            case UInt8(ascii: "b"), 0x7F, 0x08: actions.append(.back)
            case UInt8(ascii: "t"): actions.append(.colder)
            case UInt8(ascii: "T"): actions.append(.warmer)
            case UInt8(ascii: "k"): actions.append(.fewerCandidates)
            case UInt8(ascii: "K"): actions.append(.moreCandidates)
            case UInt8(ascii: "p"): actions.append(.smallerNucleus)
            case UInt8(ascii: "P"): actions.append(.largerNucleus)
            case UInt8(ascii: "a"): actions.append(.toggleAttention)
            case UInt8(ascii: "?"), UInt8(ascii: "h"): actions.append(.toggleHelp)
            case UInt8(ascii: "q"), 0x03, 0x04: actions.append(.quit)
            case 0x1B:
                // ESC [ … final byte (0x40–0x7E), or a lone Escape.
                var sequence = "Esc"
                if i < bytes.count, bytes[i] == UInt8(ascii: "[") || bytes[i] == UInt8(ascii: "O") {
                    i += 1
                    while i < bytes.count, !(0x40...0x7E).contains(bytes[i]) { i += 1 }
                    if i < bytes.count { sequence = Self.name(ofEscapeFinal: bytes[i]); i += 1 }
                }
                actions.append(.unknown(sequence))
            case 0x20...0x7E: actions.append(.unknown("'\(Character(UnicodeScalar(byte)))'"))
            case 0x80...:
                // A non-ASCII character: its continuation bytes belong to it.
                let start = i - 1
                while i < bytes.count, bytes[i] & 0xC0 == 0x80 { i += 1 }
                actions.append(.unknown("'\(String(decoding: bytes[start..<i], as: UTF8.self))'"))
            default: actions.append(.unknown(String(format: "0x%02X", byte)))
            }
        }
        return actions
    }

    private static func name(ofEscapeFinal byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "A"): return "↑"
        case UInt8(ascii: "B"): return "↓"
        case UInt8(ascii: "C"): return "→"
        case UInt8(ascii: "D"): return "←"
        default: return "Esc-\(Character(UnicodeScalar(byte)))"
        }
    }
}

public enum StepperLoop {
    /// Draws the first screen, then for every chunk of key bytes performs its actions and
    /// draws again, until a quit or the end of input. Returns the screens drawn.
    @discardableResult
    public static func run(
        _ stepper: Stepper, screen: () -> StepperScreen, readKeys: () -> [UInt8]?,
        draw: ([String]) -> Void
    ) -> Int {
        var frames = 1
        draw(screen().render(stepper))
        while !stepper.hasQuit, stepper.outputProblem == nil, let bytes = readKeys() {
            for action in StepperKeys.actions(in: bytes) {
                stepper.perform(action)
                if stepper.hasQuit || stepper.outputProblem != nil { break }
            }
            draw(screen().render(stepper))
            frames += 1
        }
        return frames
    }
}
