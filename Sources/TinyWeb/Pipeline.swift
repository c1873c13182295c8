// A FineWeb-like pipeline from the raw crawl to a training corpus, one filter at a time:
// text extraction from HTML (boilerplate dropped), a language filter, a quality/spam filter,
// exact then near-duplicate removal (MinHash), and PII scrubbing. Each step records how many
// documents and bytes it kept, and an example of what it removed.

import Foundation

public struct Document: Codable, Equatable, Sendable {
    public let text: String
    public let genre: Genre

    public init(text: String, genre: Genre) { self.text = text; self.genre = genre }
}

public struct FunnelStep: Codable, Sendable {
    public let name: String
    public let documents: Int
    public let bytes: Int
    /// One thing this step removed or changed (shortened), if any.
    public let example: String?
}

public struct Corpus: Codable, Sendable {
    public let documents: [Document]
    public let funnel: [FunnelStep]

    /// The training text: documents separated by the document separator.
    public func text(separator: String) -> String {
        documents.map(\.text).joined(separator: separator) + separator
    }
}

public enum Pipeline {
    public static func run(_ crawl: Crawl) -> Corpus {
        var funnel: [FunnelStep] = []
        func record(_ name: String, _ docs: [Document], _ example: String?) {
            funnel.append(
                FunnelStep(
                    name: name, documents: docs.count,
                    bytes: docs.reduce(0) { $0 + $1.text.utf8.count },
                    example: example.map { String($0.prefix(220)) }))
        }
        let raw = crawl.pages.map { Document(text: $0.html, genre: $0.genre) }
        record("raw HTML", raw, nil)

        let extracted = crawl.pages.map {
            Document(text: extractText(fromHTML: $0.html), genre: $0.genre)
        }
        record(
            "text extraction", extracted,
            raw.first.map { "dropped boilerplate such as: " + boilerplateSample($0.text) })

        let english = filter(extracted, named: "language filter (English)", record: record) {
            isEnglish($0.text)
        }
        let good = filter(english, named: "quality filter", record: record) {
            passesQuality($0.text)
        }
        var seen = Set<String>()
        let unique = filter(good, named: "exact deduplication", record: record) {
            seen.insert($0.text).inserted
        }

        let (distinct, nearExample) = removeNearDuplicates(unique)
        record("near-duplicate removal (MinHash)", distinct, nearExample)

        var scrubbedExample: String?
        let scrubbed = distinct.map { doc -> Document in
            let clean = scrubPII(doc.text)
            if clean != doc.text && scrubbedExample == nil {
                // The changed lines only: the placeholders are what a reader should see.
                scrubbedExample = clean.split(separator: "\n").filter {
                    $0.contains("[email]") || $0.contains("[phone]")
                }.joined(separator: "\n")
            }
            return Document(text: clean, genre: doc.genre)
        }
        record("PII scrubbing", scrubbed, scrubbedExample.map { "after: " + $0 })
        return Corpus(documents: scrubbed, funnel: funnel)
    }

    /// The documents `keep` accepts, recorded as a funnel step with the first one it dropped.
    static func filter(
        _ documents: [Document], named name: String, record: (String, [Document], String?) -> Void,
        keep: (Document) -> Bool
    ) -> [Document] {
        var removed: String?
        let kept = documents.filter { document in
            let accepted = keep(document)
            if !accepted && removed == nil { removed = document.text }
            return accepted
        }
        record(name, kept, removed)
        return kept
    }

    // MARK: text extraction

    /// The readable text of a page: script, style, nav, footer, aside and ads dropped; one
    /// paragraph per line; entities decoded.
    public static func extractText(fromHTML html: String) -> String {
        var text = html
        for tag in ["script", "style", "nav", "footer", "aside", "head"] {
            text = removeElements(tag, from: text)
        }
        text = removeElements("div class=\"ad\"", closing: "div", from: text)
        var out = "", inTag = false, tagName = ""
        for character in text {
            if character == "<" { inTag = true; tagName = ""; continue }
            if inTag {
                if character == ">" {
                    inTag = false
                    let name =
                        tagName.lowercased().trimmingCharacters(in: ["/"]).split(separator: " ")
                        .first.map(String.init) ?? ""
                    if ["p", "h1", "h2", "pre", "li", "br", "main", "div"].contains(name)
                        && !out.hasSuffix("\n")
                    {
                        out += "\n"
                    }
                } else {
                    tagName.append(character)
                }
                continue
            }
            out.append(character)
        }
        let decoded = out.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(
            of: "&gt;", with: ">"
        )
        .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
        .replacingOccurrences(of: "&amp;", with: "&")
        // Leading spaces stay: they are code's indentation.
        return decoded.split(separator: "\n", omittingEmptySubsequences: true)
            .map { line in
                String(
                    line[
                        ..<(line.lastIndex { $0 != " " && $0 != "\t" }.map(line.index(after:))
                            ?? line.startIndex)])
            }
            .filter { !$0.isEmpty }.joined(separator: "\n")
    }

    static func removeElements(
        _ opening: String, closing: String? = nil, from html: String
    ) -> String {
        let close = "</\(closing ?? opening)>"
        var text = html
        while let start = text.range(of: "<\(opening)"),
            let end = text.range(of: close, range: start.upperBound..<text.endIndex)
        {
            text.removeSubrange(start.lowerBound..<end.upperBound)
        }
        return text
    }

    static func boilerplateSample(_ html: String) -> String {
        ["nav", "footer"].compactMap { tag -> String? in
            guard let start = html.range(of: "<\(tag)>"), let end = html.range(of: "</\(tag)>")
            else { return nil }
            return extractText(fromHTML: "<p>" + html[start.upperBound..<end.lowerBound] + "</p>")
        }.joined(separator: " … ")
    }

    // MARK: language

    static let stopwords: [String: Set<String>] = [
        "en": [
            "the", "and", "of", "was", "is", "in", "to", "a", "for", "with", "on", "it", "by", "at",
            "as", "return",
        ],
        "de": [
            "und", "der", "die", "das", "wurde", "war", "ein", "eine", "geboren", "dort", "viele",
            "in",
        ],
        "fr": ["et", "le", "la", "les", "est", "une", "fut", "pendant", "des", "y", "à"],
        "es": ["y", "el", "la", "los", "fue", "una", "nació", "en", "muchos", "allí"],
    ]

    /// English when English stopwords clearly outnumber every other language's.
    public static func isEnglish(_ text: String) -> Bool {
        let words = text.lowercased().split { !$0.isLetter }.map(String.init)
        func hits(_ language: String) -> Int {
            words.filter { stopwords[language]!.contains($0) }.count
        }
        let english = hits("en")
        let other = ["de", "fr", "es"].map(hits).max() ?? 0
        return english >= 2 && english > 2 * other
    }

    // MARK: quality

    /// Gopher-style rules: enough words, not mostly repeated words, not shouting, not a wall
    /// of exclamation marks.
    public static func passesQuality(_ text: String) -> Bool {
        let words = text.split { $0 == " " || $0 == "\n" }
        guard words.count >= 8 else { return false }
        let distinct = Set(words.map { $0.lowercased() }).count
        if Double(distinct) / Double(words.count) < 0.35 { return false }
        let letters = text.filter(\.isLetter)
        let upper = letters.filter(\.isUppercase).count
        if Double(upper) / Double(max(letters.count, 1)) > 0.3 { return false }
        if text.components(separatedBy: "!!!").count > 2 { return false }
        return true
    }

    // MARK: near duplicates

    /// MinHash over word 5-grams (64 hashes, 16 bands of 4): pairs sharing a band are compared
    /// exactly and the later one dropped when their Jaccard similarity is at least 0.7.
    static func removeNearDuplicates(_ documents: [Document]) -> ([Document], String?) {
        let hashes = 64, bands = 16, rows = hashes / bands
        let shingles = documents.map(shingleSet)
        let signatures = shingles.map { set -> [UInt64] in
            (0..<hashes).map { h in
                set.map { mix($0 &+ UInt64(h) &* 0x9E37_79B9_7F4A_7C15) }.min() ?? UInt64.max
            }
        }
        var dropped = Set<Int>()
        var example: String?
        var buckets: [[UInt64]: [Int]] = [:]
        for (index, signature) in signatures.enumerated() {
            var duplicate = false
            for band in 0..<bands {
                let key = [UInt64(band)] + signature[band * rows..<(band + 1) * rows]
                for other in buckets[key, default: []] where !duplicate {
                    let a = shingles[index], b = shingles[other]
                    let jaccard = Double(a.intersection(b).count) / Double(max(a.union(b).count, 1))
                    if jaccard >= 0.7 { duplicate = true }
                }
            }
            if duplicate {
                dropped.insert(index)
                if example == nil { example = documents[index].text }
                continue
            }
            for band in 0..<bands {
                buckets[[UInt64(band)] + signature[band * rows..<(band + 1) * rows], default: []]
                    .append(index)
            }
        }
        return (
            documents.enumerated().filter { !dropped.contains($0.offset) }.map(\.element), example
        )
    }

    static func shingleSet(_ document: Document) -> Set<UInt64> {
        let words = document.text.lowercased().split { $0 == " " || $0 == "\n" }
        guard words.count >= 5 else { return [fnv(document.text)] }
        return Set((0...(words.count - 5)).map { fnv(words[$0..<$0 + 5].joined(separator: " ")) })
    }

    static func fnv(_ text: String) -> UInt64 {
        text.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    // MARK: PII

    /// E-mail addresses become [email]; phone numbers (+CC … or (NNN) NNN-NNNN) become [phone].
    public static func scrubPII(_ text: String) -> String {
        var words = text.components(separatedBy: " ")
        for i in words.indices where words[i].contains("@") {
            let core = words[i].trimmingCharacters(in: [".", ",", "!", "?", ";", ":", "\""])
            let parts = core.split(separator: "@")
            if parts.count == 2, parts[1].contains(".") {
                words[i] = words[i].replacingOccurrences(of: core, with: "[email]")
            }
        }
        var out = words.joined(separator: " ")
        out = replacePhones(in: out)
        return out
    }

    static func replacePhones(in text: String) -> String {
        var result = ""
        let characters = Array(text)
        var i = 0
        while i < characters.count {
            if characters[i] == "+" || characters[i] == "(" {
                var j = i + 1, digits = 0
                while j < characters.count, characters[j].isNumber || " -()".contains(characters[j])
                {
                    if characters[j].isNumber { digits += 1 }
                    j += 1
                }
                while j > i + 1, !characters[j - 1].isNumber { j -= 1 }
                if digits >= 9 { result += "[phone]"; i = j; continue }
            }
            result.append(characters[i])
            i += 1
        }
        return result
    }
}
