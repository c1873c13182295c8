// The Markdown of lesson prose, to HTML: headings, paragraphs, emphasis, inline code, fenced
// code, lists, block quotes, pipe tables and links; a block quote that opens with "**What we
// tried**" becomes a collapsed block (a lesson's trial history, told in words). A small renderer
// of our own rather than a general one, because every character of the source is escaped first
// — raw HTML in prose is shown, never interpreted — and links may only point at http(s),
// relative or #fragment targets.

public enum Markdown {
    /// A block quote whose first line starts with this is a collapsed "What we tried" block.
    static let triedMarker = "**What we tried**"

    public static func html(_ markdown: String) -> String {
        var outline = Outline()
        return html(markdown, outline: &outline)
    }

    /// The HTML, with every heading given its id from `outline` (and added to it).
    static func html(_ markdown: String, outline: inout Outline) -> String {
        var out: [String] = []
        var paragraph: [String] = []
        var listItems: [String] = [], listOrdered = false
        var quote: [String] = []
        var table: [String] = []
        var code: [String]?
        func flushParagraph() {
            if !paragraph.isEmpty {
                out.append("<p>" + inline(paragraph.joined(separator: " ")) + "</p>")
            }
            paragraph = []
        }
        func flushList() {
            if !listItems.isEmpty {
                let tag = listOrdered ? "ol" : "ul"
                out.append(
                    "<\(tag)>" + listItems.map { "<li>" + inline($0) + "</li>" }.joined()
                        + "</\(tag)>")
            }
            listItems = []
        }
        func flushQuote() {
            if let first = quote.first, first.hasPrefix(triedMarker) {
                // A collapsed block of a lesson's history: what was tried, in words.
                var rest = first.dropFirst(triedMarker.count).drop { $0 == " " }
                if rest.first == ":" { rest = rest.dropFirst().drop { $0 == " " } }
                let body = ([String(rest)] + quote.dropFirst()).joined(separator: "\n")
                out.append(
                    "<details class=\"tried\"><summary>What we tried</summary>"
                        + html(body, outline: &outline) + "</details>")
            } else if !quote.isEmpty {
                out.append(
                    "<blockquote>" + html(quote.joined(separator: "\n"), outline: &outline)
                        + "</blockquote>")
            }
            quote = []
        }
        func flushTable() {
            guard !table.isEmpty else { return }
            let rows = table.map { row -> [String] in
                var cells = row.trimmingCharacters(in: .whitespaces)
                if cells.hasPrefix("|") { cells.removeFirst() }
                if cells.hasSuffix("|") { cells.removeLast() }
                return cells.split(separator: "|", omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
            }
            let isSeparator = { (row: [String]) in
                row.allSatisfy { $0.allSatisfy { "-: ".contains($0) } && !$0.isEmpty }
            }
            if rows.count >= 2 && isSeparator(rows[1]) {
                let head =
                    "<thead><tr>" + rows[0].map { "<th>" + inline($0) + "</th>" }.joined()
                    + "</tr></thead>"
                let body = rows.dropFirst(2).map {
                    "<tr>" + $0.map { "<td>" + inline($0) + "</td>" }.joined() + "</tr>"
                }.joined()
                out.append("<table>" + head + "<tbody>" + body + "</tbody></table>")
            } else {
                out.append("<p>" + inline(table.joined(separator: " ")) + "</p>")
            }
            table = []
        }
        func flushAll() { flushParagraph(); flushList(); flushQuote(); flushTable() }

        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        {
            if var block = code {
                if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                    out.append(
                        "<pre><code>" + HTML.escape(block.joined(separator: "\n")) + "</code></pre>"
                    )
                    code = nil
                } else {
                    block.append(line)
                    code = block
                }
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") { flushAll(); code = []; continue }
            if trimmed.isEmpty { flushAll(); continue }
            if let level = headingLevel(trimmed) {
                flushAll()
                let text = String(trimmed.dropFirst(level + 1))
                let id = outline.add(level: level, text: text, html: inline(text))
                out.append("<h\(level) id=\"\(id)\">" + inline(text) + "</h\(level)>")
                continue
            }
            if trimmed.hasPrefix(">") {
                flushParagraph(); flushList(); flushTable()
                quote.append(String(trimmed.dropFirst().drop { $0 == " " })); continue
            }
            if trimmed.hasPrefix("|") {
                flushParagraph(); flushList(); flushQuote(); table.append(trimmed); continue
            }
            if let item = listItem(trimmed) {
                flushParagraph(); flushQuote(); flushTable()
                if !listItems.isEmpty && listOrdered != item.ordered { flushList() }
                listOrdered = item.ordered
                listItems.append(item.text)
                continue
            }
            if !listItems.isEmpty && line.hasPrefix("  ") {
                listItems[listItems.count - 1] += " " + trimmed; continue
            }
            flushList(); flushQuote(); flushTable()
            paragraph.append(trimmed)
        }
        if let block = code {
            out.append("<pre><code>" + HTML.escape(block.joined(separator: "\n")) + "</code></pre>")
        }
        flushAll()
        return out.joined(separator: "\n")
    }

    static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        return hashes
    }

    static func listItem(_ line: String) -> (ordered: Bool, text: String)? {
        if line.hasPrefix("- ") || line.hasPrefix("* ") {
            return (false, String(line.dropFirst(2)))
        }
        let digits = line.prefix { $0.isNumber }
        if !digits.isEmpty, line.dropFirst(digits.count).hasPrefix(". ") {
            return (true, String(line.dropFirst(digits.count + 2)))
        }
        return nil
    }

    /// Inline markup on escaped text: `code`, **strong**, *emphasis*, _emphasis_, [text](url).
    static func inline(_ text: String) -> String {
        var out = ""
        var characters = Array(text)
        var i = 0
        func find(_ marker: String, from start: Int) -> Int? {
            let m = Array(marker)
            var j = start
            while j + m.count <= characters.count {
                if Array(characters[j..<(j + m.count)]) == m { return j }
                j += 1
            }
            return nil
        }
        while i < characters.count {
            let c = characters[i]
            if c == "\\", i + 1 < characters.count, "\\`*_[]()#+-.!|<>".contains(characters[i + 1])
            {
                out += HTML.escape(String(characters[i + 1])); i += 2; continue
            }
            if c == "`", let end = find("`", from: i + 1) {
                out += "<code>" + HTML.escape(String(characters[(i + 1)..<end])) + "</code>";
                i = end + 1; continue
            }
            if c == "*", i + 1 < characters.count, characters[i + 1] == "*",
                let end = find("**", from: i + 2), end > i + 2
            {
                out += "<strong>" + inline(String(characters[(i + 2)..<end])) + "</strong>";
                i = end + 2; continue
            }
            if c == "*" || c == "_", i + 1 < characters.count, characters[i + 1] != " ",
                let end = find(String(c), from: i + 1), end > i + 1,
                c == "*" || i == 0 || !characters[i - 1].isLetter
            {
                out += "<em>" + inline(String(characters[(i + 1)..<end])) + "</em>"; i = end + 1;
                continue
            }
            if c == "[", let close = find("](", from: i + 1), let end = find(")", from: close + 2) {
                let label = String(characters[(i + 1)..<close]),
                    target = String(characters[(close + 2)..<end])
                if isSafeLink(target) {
                    out += "<a href=\"\(HTML.escape(target))\">" + inline(label) + "</a>"
                } else {
                    out += inline(label)
                }
                i = end + 1
                continue
            }
            out += HTML.escape(String(c))
            i += 1
        }
        characters = []
        return out
    }

    static func isSafeLink(_ target: String) -> Bool {
        let lower = target.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("#") {
            return true
        }
        // Relative links: no scheme at all (javascript:, data: … are refused).
        return !lower.contains(":") && !lower.isEmpty
    }
}

import Foundation
