// A page's headings as the reader's map: each gets a stable id made from its words ("The loss
// falls" → "the-loss-falls"), unique on its page, and the list of them becomes the page's table
// of contents. Ids that the page uses for other things (cell-3) are reserved first.

struct Outline {
    struct Heading: Equatable {
        let level: Int
        /// The heading's inline HTML (already escaped).
        let html: String
        let id: String
    }

    private(set) var headings: [Heading] = []
    private var used: Set<String>

    init(reserved: Set<String> = []) { used = reserved }

    /// Registers a heading and returns its id: its slug, or the slug with "-2", "-3"… where a
    /// heading above already took it.
    mutating func add(level: Int, text: String, html: String) -> String {
        let base = Self.slug(text)
        var id = base, n = 2
        while used.contains(id) { id = "\(base)-\(n)"; n += 1 }
        used.insert(id)
        headings.append(Heading(level: level, html: html, id: id))
        return id
    }

    /// "What training *changed*?" → "what-training-changed": ASCII letters and digits of the
    /// heading's words, lowercased, joined by hyphens (markup and punctuation dropped); at most
    /// 64 characters; "section" for a heading with no such character.
    static func slug(_ text: String) -> String {
        var words: [String] = [], word = ""
        for character in text.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber) {
                word.append(character)
            } else if character == "'" || character == "’" {
                continue   // "model's" → "models"
            } else if !word.isEmpty {
                words.append(word); word = ""
            }
        }
        if !word.isEmpty { words.append(word) }
        var slug = ""
        for word in words where slug.count + word.count + 1 <= 64 || slug.isEmpty {
            slug += (slug.isEmpty ? "" : "-") + word.prefix(64)
        }
        return slug.isEmpty ? "section" : slug
    }
}
