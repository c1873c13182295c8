// Swift source to HTML with spans for keywords, types, strings, numbers and comments —
// enough colour to read a lesson's code, with every character escaped.

public enum SwiftHighlighter {
    static let keywords: Set<String> = [
        "let", "var", "func", "if", "else", "for", "in", "while", "return", "import", "struct",
        "class",
        "enum", "case", "switch", "default", "guard", "try", "throw", "throws", "do", "catch",
        "true",
        "false", "nil", "self", "init", "where", "break", "continue", "static", "public", "private",
        "extension", "protocol", "as", "is", "some", "any", "inout", "defer", "repeat", "await",
        "async",
    ]

    public static func html(_ source: String) -> String {
        let characters = Array(source)
        var out = ""
        var i = 0
        func span(_ cls: String, _ text: String) {
            out += "<span class=\"\(cls)\">\(HTML.escape(text))</span>"
        }
        while i < characters.count {
            let c = characters[i]
            if c == "/" && i + 1 < characters.count && characters[i + 1] == "/" {
                var j = i
                while j < characters.count && characters[j] != "\n" { j += 1 }
                span("c", String(characters[i..<j])); i = j; continue
            }
            if c == "\"" {
                let triple =
                    i + 2 < characters.count && characters[i + 1] == "\""
                    && characters[i + 2] == "\""
                var j = i + (triple ? 3 : 1)
                while j < characters.count {
                    if characters[j] == "\\" { j += 2; continue }
                    if triple {
                        if j + 2 < characters.count && characters[j] == "\""
                            && characters[j + 1] == "\"" && characters[j + 2] == "\""
                        {
                            j += 3; break
                        }
                    } else if characters[j] == "\"" || characters[j] == "\n" {
                        j += 1; break
                    }
                    j += 1
                }
                j = min(j, characters.count)
                span("s", String(characters[i..<j])); i = j; continue
            }
            if c.isNumber {
                var j = i
                while j < characters.count
                    && (characters[j].isNumber || characters[j] == "." || characters[j] == "_"
                        || characters[j] == "e")
                { j += 1 }
                span("n", String(characters[i..<j])); i = j; continue
            }
            if c.isLetter || c == "_" {
                var j = i
                while j < characters.count
                    && (characters[j].isLetter || characters[j].isNumber || characters[j] == "_")
                { j += 1 }
                let word = String(characters[i..<j])
                if keywords.contains(word) {
                    span("k", word)
                } else if word.first!.isUppercase {
                    span("t", word)
                } else {
                    out += HTML.escape(word)
                }
                i = j
                continue
            }
            out += HTML.escape(String(c))
            i += 1
        }
        return out
    }
}
