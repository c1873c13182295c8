// No number on a page that this run did not measure: a lesson's prose, the strings its code
// shows and its code's comments (the page shows the code) must not carry measurements typed
// in from earlier runs — a percentage ("86% → 88%"), "N of M" ("59 of 181"), a signed
// difference in points ("+27.5 points"). A number the run measured is interpolated
// (`\(rate.description)`), and interpolations are left out of the scan.
// What remains is a short allow-list: facts from elsewhere, thresholds and definitions.

import Foundation
import Testing
@testable import LessonEngine

/// A typed measurement found in a lesson: where it is, what matched, and the text around it.
struct TypedNumber: Equatable, CustomStringConvertible {
    var line: Int
    var match: String
    /// The prose line, or the whole string literal (adjacent literals joined by `+` included).
    var text: String
    /// Where `match` starts in `text`.
    var offset: Int

    /// The text around the match, at most 60 characters either side.
    var excerpt: String {
        let characters = Array(text.utf16)
        let start = max(0, offset - 60), end = min(characters.count, offset + match.utf16.count + 60)
        let middle = String(decoding: characters[start..<end], as: UTF16.self)
            .trimmingCharacters(in: .whitespaces)
        return (start > 0 ? "…" : "") + middle + (end < characters.count ? "…" : "")
    }

    var description: String { "line \(line): “\(match)” in “\(excerpt)”" }
}

enum TypedNumberScanner {
    /// A number followed by a percent sign ("86%", "61–72%", "30 %"); the digits of a format
    /// specifier ("%.0f%%", "%5d") are preceded by "%" or "." and do not count.
    static let percent = try! NSRegularExpression(pattern: #"(?<![%\w.])\d+(?:[.,]\d+)*\s?%"#)
    /// "59 of 181", "1,923 of 3,750".
    static let nOfM = try! NSRegularExpression(pattern: #"(?<![\w.])\d[\d,]*\s+of\s+\d[\d,]*"#)
    /// "+27.5 points", "−14.0 points", "-3 point".
    static let signedPoints = try! NSRegularExpression(
        pattern: #"(?<![\w.])[+\-−]\d+(?:\.\d+)?\s*points?\b"#)

    static func hits(in text: String) -> [(match: String, offset: Int)] {
        let ns = text as NSString
        return [percent, nOfM, signedPoints].flatMap { regex in
            regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map {
                (ns.substring(with: $0.range), $0.range.location)
            }
        }.sorted { $0.offset < $1.offset }
    }

    /// Every typed measurement in a lesson's text: its prose (lines starting "//:" at column 0),
    /// its code's string literals (interpolations removed) and its code's comments.
    static func scan(_ lessonText: String) -> [TypedNumber] {
        let lines = lessonText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var found: [TypedNumber] = []
        for (index, line) in lines.enumerated() where line.hasPrefix("//:") {
            let prose = String(line.dropFirst(3))
            for hit in hits(in: prose) {
                found.append(TypedNumber(line: index + 1, match: hit.match, text: prose, offset: hit.offset))
            }
        }
        // The code as the compiler reads it, prose lines blanked so line numbers hold.
        let code = lines.map { $0.hasPrefix("//:") ? "" : $0 }.joined(separator: "\n")
        var reader = StringLiterals(code)
        let literals = reader.all()   // fills reader.comments
        for literal in literals + reader.comments {
            for hit in hits(in: literal.text) {
                // The line the match starts on.
                let line = literal.lines.last { $0.offset <= hit.offset }?.line ?? literal.lines[0].line
                found.append(TypedNumber(line: line, match: hit.match, text: literal.text, offset: hit.offset))
            }
        }
        return found.sorted { ($0.line, $0.offset) < ($1.line, $1.offset) }
    }
}

/// The string literals of Swift source, as the text they hold: escapes decoded, a multi-line
/// literal's indentation and line continuations removed, each interpolation replaced by a space.
/// Literals joined by `+` (and nothing else) are one text. Its comments are kept apart (`comments`,
/// filled by `all()`), one per `//` line or `/* */` block.
struct StringLiterals {
    struct Literal {
        var text = ""
        /// (UTF-16 offset in `text`, source line) where each source line's part of the text begins.
        var lines: [(offset: Int, line: Int)] = []
    }

    private let characters: [Character]
    private var i = 0
    private var line = 1
    /// The comments `all()` passed over, as their text.
    private(set) var comments: [Literal] = []

    init(_ source: String) { characters = Array(source) }

    private func peek(_ ahead: Int = 0) -> Character? {
        i + ahead < characters.count ? characters[i + ahead] : nil
    }
    private func starts(with string: String) -> Bool {
        let s = Array(string)
        guard i + s.count <= characters.count else { return false }
        return Array(characters[i..<(i + s.count)]) == s
    }
    private mutating func advance(_ count: Int = 1) {
        for _ in 0..<count where i < characters.count {
            if characters[i] == "\n" { line += 1 }
            i += 1
        }
    }

    mutating func all() -> [Literal] {
        var literals: [Literal] = []
        var current: Literal?
        while i < characters.count {
            if starts(with: "//") {
                var comment = Literal(text: "", lines: [(0, line)])
                while let c = peek(), c != "\n" { comment.text.append(c); advance() }
                comments.append(comment)
                continue
            }
            if starts(with: "/*") {
                var comment = Literal(text: "", lines: [(0, line)])
                let (start, firstLine) = (i, line)
                skipBlockComment()
                for c in characters[start..<i] {
                    comment.text.append(c == "\n" ? " " : c)
                    if c == "\n" { comment.lines.append((comment.text.utf16.count, firstLine + comment.lines.count)) }
                }
                comments.append(comment)
                continue
            }
            if let opening = literalOpening() {
                var literal = current ?? Literal()
                read(opening, into: &literal)
                current = literal
                continue
            }
            // Code between two literals other than whitespace and `+` ends the joined text.
            let c = characters[i]
            if !(c.isWhitespace || c == "+"), let done = current {
                literals.append(done)
                current = nil
            }
            advance()
        }
        if let current { literals.append(current) }
        return literals.filter { !$0.text.isEmpty }
    }

    private mutating func skipBlockComment() {
        var depth = 0
        repeat {
            if starts(with: "/*") { depth += 1; advance(2) }
            else if starts(with: "*/") { depth -= 1; advance(2) }
            else { advance() }
        } while depth > 0 && i < characters.count
    }

    /// A literal starting here: its count of #s and whether it is multi-line.
    private func literalOpening() -> (hashes: Int, multiline: Bool)? {
        var hashes = 0
        while peek(hashes) == "#" { hashes += 1 }
        guard peek(hashes) == "\"" else { return nil }
        let multiline = peek(hashes + 1) == "\"" && peek(hashes + 2) == "\""
        return (hashes, multiline)
    }

    private mutating func read(_ opening: (hashes: Int, multiline: Bool), into literal: inout Literal) {
        let closing = (opening.multiline ? "\"\"\"" : "\"") + String(repeating: "#", count: opening.hashes)
        let escape = "\\" + String(repeating: "#", count: opening.hashes)
        advance(opening.hashes + (opening.multiline ? 3 : 1))
        if opening.multiline {
            // The content starts on the next line; its indentation is the closing delimiter's.
            while let c = peek(), c != "\n" { advance() }
            advance()
        }
        var atLineStart = true
        while i < characters.count {
            if atLineStart {
                if opening.multiline { while peek() == " " || peek() == "\t" { advance() } }
                literal.lines.append((literal.text.utf16.count, line))
                atLineStart = false
            }
            if starts(with: closing) { advance(closing.count); return }
            if starts(with: escape) {
                advance(escape.count)
                switch peek() {
                case "(":
                    advance()
                    skipInterpolation()
                    literal.text += " "
                case "n", "t", "r":
                    advance(); literal.text += " "
                case "u":
                    advance()
                    var scalar = ""
                    if peek() == "{" {
                        advance()
                        while let c = peek(), c != "}" { scalar.append(c); advance() }
                        advance()
                    }
                    literal.text += UInt32(scalar, radix: 16).flatMap(Unicode.Scalar.init).map { String($0) } ?? " "
                case "\n":
                    // A line continuation: the next line goes on this one.
                    advance(); atLineStart = true
                case let c?:
                    advance(); literal.text.append(c)
                case nil:
                    return
                }
                continue
            }
            let c = characters[i]
            if c == "\n" {
                if !opening.multiline { return }   // unterminated: not a literal we can read
                literal.text += " "
                advance(); atLineStart = true
                continue
            }
            literal.text.append(c)
            advance()
        }
    }

    /// Skips an interpolation's code up to its closing parenthesis, literals inside it included.
    private mutating func skipInterpolation() {
        var depth = 1
        while i < characters.count {
            if let opening = literalOpening() {
                var ignored = Literal()
                read(opening, into: &ignored)
                continue
            }
            let c = characters[i]
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1; if depth == 0 { advance(); return } }
            advance()
        }
    }
}

@Suite struct TypedNumbersTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Numbers a page may type: facts from elsewhere, a claim's own threshold, definitions.
    /// Each entry: the lesson, an exact snippet holding the match, and why it may stay.
    static let allowed: [(lesson: String, snippet: String, reason: String)] = [
        ("02-tokenization", "within 5% of training text",
         "the claim's own threshold, checked on this run's measurement"),
        ("06-base-model-psychology", "chance 10%",
         "a definition: one right option among ten"),
        ("07-the-assistant", "(95% CI",
         "a definition: the label of a paired interval in nats, built from this run's values"),
        ("07-the-assistant", "with its 95% interval",
         "a definition: a helper's comment says which interval it returns"),
        ("12-reinforcement-learning", "95% CI",
         "a definition: the label of pass@1's paired interval, built from this run's values"),
        ("13-rlhf", "95% CI",
         "a definition: the claim reads the lower end of the 95% interval"),
        ("13-rlhf", "with its 95% interval",
         "a definition: the label of the table's interval on each share, and a helper's comment saying which interval it returns"),
        ("14-arena", "95% of each model's ratings",
         "a definition: the bootstrap interval keeps the middle 95%"),
        ("14-arena", "95% CI",
         "a definition: the leaderboard's interval column"),
    ]

    static var lessons: [LessonSource] {
        (try? Engine.lessons(in: packageRoot.appendingPathComponent("lessons"))) ?? []
    }

    /// The allow-list entry that covers `hit`: same lesson, and the snippet found in the hit's
    /// text where it holds the match.
    static func allowance(for hit: TypedNumber, in lesson: String) -> Int? {
        let text = hit.text as NSString
        let matchEnd = hit.offset + (hit.match as NSString).length
        return allowed.indices.first { index in
            guard allowed[index].lesson == lesson else { return false }
            var from = 0
            while from < text.length {
                let found = text.range(
                    of: allowed[index].snippet, range: NSRange(location: from, length: text.length - from))
                if found.location == NSNotFound { return false }
                if found.location <= hit.offset && matchEnd <= found.location + found.length { return true }
                from = found.location + 1
            }
            return false
        }
    }

    @Test func noLessonTypesAMeasurementFromAnotherRun() throws {
        let lessons = Self.lessons
        #expect(!lessons.isEmpty, "no lessons found")
        var used = Set<Int>()
        for lesson in lessons {
            for hit in TypedNumberScanner.scan(lesson.text) {
                if let entry = Self.allowance(for: hit, in: lesson.id) {
                    used.insert(entry)
                    continue
                }
                Issue.record(
                    """
                    \(lesson.displayPath):\(hit.line): typed measurement “\(hit.match)” — interpolate \
                    this run's value, or say it in words in a “What we tried” block: \(hit.excerpt)
                    """)
            }
        }
        for (index, entry) in Self.allowed.enumerated() where !used.contains(index) {
            Issue.record("allow-list entry no longer needed: \(entry.lesson) “\(entry.snippet)”")
        }
    }

    @Test func theScannerReadsProseAndEveryKindOfLiteral() {
        let text = #"""
        //: # A lesson
        //: It scored 86% → 88% last time, and 59 of 181 samples were lucky.
        let a = "\(rate.description) of the people; gap \(String(format: "%+.0f", g)) points"
        let b = String(format: "%.0f%% after, %+.1f points, %d of %d", x, y, 1, 2)
        let c = "a \(f("9%")) b"
        show(
            """
            A failure story, with a typed gap of +27.5 points and \
            1,923 of 3,750 conversations.
            """)
        show("the first part " + "said 12% " + "and the second")
        let d = #"raw 40% here"#
        // A comment with 50% is on the page too: the page shows the code.
        let e = "ranges: 61–72%; within \(limit)%"   /* a block
           comment: 3 of 4 */
        """#
        let hits = TypedNumberScanner.scan(text)
        #expect(hits.map(\.match) == ["86%", "88%", "59 of 181", "+27.5 points", "1,923 of 3,750", "12%", "40%", "50%", "72%", "3 of 4"])
        #expect(hits.map(\.line) == [2, 2, 2, 8, 9, 11, 12, 13, 14, 15])
        // Literals joined by "+" are one text, so a number split across them is still found.
        #expect(hits.first { $0.match == "12%" }?.text == "the first part said 12% and the second")
    }
}
