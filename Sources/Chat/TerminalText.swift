// Text from a model or a user, made safe to print on a terminal: control characters (C0, DEL,
// C1 such as the 8-bit CSI U+009B) and bidirectional overrides are shown as \u{…} escapes, so
// no reply can move the cursor, retitle the window or reorder what the learner reads.
// Newlines and tabs are kept when asked for (a reply may span lines).

import BytePairEncoding

public enum TerminalText {
    public static func sanitize(_ text: String, keepingNewlines: Bool = true) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if keepingNewlines && (scalar == "\n" || scalar == "\t") {
                out.unicodeScalars.append(scalar); continue
            }
            if Tokenizer.isControlOrBidi(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
