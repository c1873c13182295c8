// HTML text and attribute escaping. Everything that reaches a page from a lesson, a model or
// a user goes through here.

public enum HTML {
    /// Escapes &, <, >, " and ' (safe in text and in quoted attributes).
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
