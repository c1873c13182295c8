// Hyperparameters as a lesson declares them — param("lr", 1e-3, "learning rate", quick: 3e-3,
// in: 1e-5...1) — read from the source with a small tokenizer, and `--set name=value`
// checked against them before anything runs: unknown names (with the nearest suggested),
// values of the wrong type, values out of range.

import Foundation

public struct ParameterDeclaration: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case int, double, bool, string }
    public var name: String
    public var kind: Kind
    public var defaultValue: String
    public var doc: String
    public var quickValue: String?
    public var lowerBound: String?
    public var upperBound: String?
    public var line: Int

    /// The value used when nothing is set.
    public func value(quick: Bool) -> String { quick ? (quickValue ?? defaultValue) : defaultValue }

    /// Checks a --set value: its type, then its range. Returns the value normalised.
    public func validate(_ text: String) -> Result<String, LessonError> {
        switch kind {
        case .int:
            guard let value = Int(text) else {
                return .failure(LessonError("parameter '\(name)' is an integer; '\(text)' is not"))
            }
            if let low = lowerBound.flatMap(Int.init), let high = upperBound.flatMap(Int.init),
                !(low...high).contains(value)
            {
                return .failure(
                    LessonError(
                        "parameter '\(name)' must be in \(low)...\(high); \(value) is outside"))
            }
            return .success(String(value))
        case .double:
            guard let value = Double(text), value.isFinite else {
                return .failure(LessonError("parameter '\(name)' is a number; '\(text)' is not"))
            }
            // "1e-400" reads as 0: a value too small for a Double, not the zero it was not.
            let mantissa = text.prefix(while: { $0 != "e" && $0 != "E" })
            if value == 0, mantissa.contains(where: { ("1"..."9").contains($0) }) {
                return .failure(
                    LessonError(
                        "parameter '\(name)': '\(text)' is too small to hold as a number (it would become 0)"
                    ))
            }
            if let low = lowerBound.flatMap(Double.init),
                let high = upperBound.flatMap(Double.init), !(low...high).contains(value)
            {
                return .failure(
                    LessonError(
                        "parameter '\(name)' must be in \(lowerBound!)...\(upperBound!); \(text) is outside"
                    ))
            }
            return .success(text)
        case .bool:
            guard let value = Bool(text) else {
                return .failure(
                    LessonError("parameter '\(name)' is true or false; '\(text)' is neither"))
            }
            return .success(String(value))
        case .string:
            return .success(text)
        }
    }

    // MARK: Reading the declarations

    /// How many lines after `param(` its arguments may take.
    static let continuationLines = 4

    static func scan(lines: [String], displayPath: String) throws -> [ParameterDeclaration] {
        var found: [ParameterDeclaration] = []
        var inBlockComment = false
        for (offset, sourceLine) in lines.enumerated() {
            let code = codeOnly(sourceLine, inBlockComment: &inBlockComment)
            var searchFrom = code.startIndex
            while let range = code.range(of: "param(", range: searchFrom..<code.endIndex) {
                searchFrom = range.upperBound
                // Skip identifiers that merely end in "param(" (e.g. myparam().
                if range.lowerBound > code.startIndex {
                    let before = code[code.index(before: range.lowerBound)]
                    if before.isLetter || before.isNumber || before == "_" { continue }
                }
                let location = "\(displayPath):\(offset + 1)"
                // The arguments are read from the source itself (their strings are blanked in
                // `code`), and may go on over the next few lines, as a formatter wraps them.
                let rest = sourceLine.dropFirst(
                    code.distance(from: code.startIndex, to: range.upperBound))
                let following = lines[
                    (offset + 1)..<min(offset + 1 + Self.continuationLines, lines.count)]
                let tokens = try tokenize(
                    Substring(([String(rest)] + following).joined(separator: " ")),
                    location: location)
                found.append(try declaration(from: tokens, line: offset + 1, location: location))
            }
        }
        var seen = Set<String>()
        for p in found where !seen.insert(p.name).inserted {
            throw LessonError("\(displayPath):\(p.line): parameter '\(p.name)' is declared twice")
        }
        return found
    }

    /// The line with its comments (`//…`, `/* … */`, which may span lines) and the insides of
    /// its string literals blanked out, character for character: a `param(` found in it is code.
    static func codeOnly(_ line: String, inBlockComment: inout Bool) -> String {
        var out = "", inString = false, inLineComment = false
        var characters = line[...]
        while let c = characters.first {
            let next = characters.dropFirst().first
            if inLineComment {
                out += " "
            } else if inBlockComment {
                if c == "*" && next == "/" {
                    inBlockComment = false; out += "  "; characters = characters.dropFirst(2);
                    continue
                }
                out += " "
            } else if inString {
                if c == "\\", next != nil {
                    out += "  "; characters = characters.dropFirst(2); continue
                }
                if c == "\"" { inString = false; out.append(c) } else { out += " " }
            } else if c == "/" && next == "/" {
                inLineComment = true; out += " "
            } else if c == "/" && next == "*" {
                inBlockComment = true; out += "  "; characters = characters.dropFirst(2); continue
            } else {
                if c == "\"" { inString = true }
                out.append(c)
            }
            characters = characters.dropFirst()
        }
        return out
    }

    enum Token: Equatable {
        case string(String), number(String), word(String), label(String), comma, range, close
    }

    /// Tokens of a call's arguments up to its closing parenthesis.
    static func tokenize(_ text: Substring, location: String) throws -> [Token] {
        var tokens: [Token] = []
        var i = text.startIndex
        func fail() -> LessonError {
            LessonError(
                "\(location): param(...) needs literal arguments — name, default, doc, then optionally quick: and in: — so that `tokenwise list` can read it"
            )
        }
        while i < text.endIndex {
            let c = text[i]
            if c == " " || c == "\t" { i = text.index(after: i); continue }
            if c == ")" { tokens.append(.close); return tokens }
            if c == "," { tokens.append(.comma); i = text.index(after: i); continue }
            if text[i...].hasPrefix("...") {
                tokens.append(.range); i = text.index(i, offsetBy: 3); continue
            }
            if c == "\"" {
                var value = "", j = text.index(after: i)
                while j < text.endIndex && text[j] != "\"" {
                    if text[j] == "\\" {
                        j = text.index(after: j)
                        guard j < text.endIndex else { throw fail() }
                        switch text[j] {
                        case "n": value.append("\n");
                        case "t": value.append("\t");
                        default: value.append(text[j])
                        }
                    } else {
                        value.append(text[j])
                    }
                    j = text.index(after: j)
                }
                guard j < text.endIndex else { throw fail() }
                tokens.append(.string(value))
                i = text.index(after: j)
                continue
            }
            if c.isNumber || c == "-" || c == "." {
                var j = i, value = ""
                while j < text.endIndex, text[j].isNumber || "-+.eE_".contains(text[j]),
                    !text[j...].hasPrefix("...")
                {
                    if text[j] != "_" { value.append(text[j]) }
                    j = text.index(after: j)
                }
                tokens.append(.number(value))
                i = j
                continue
            }
            if c.isLetter {
                var j = i, value = ""
                while j < text.endIndex, text[j].isLetter || text[j].isNumber || text[j] == "_" {
                    value.append(text[j]); j = text.index(after: j)
                }
                if j < text.endIndex && text[j] == ":" {
                    tokens.append(.label(value)); i = text.index(after: j)
                } else {
                    tokens.append(.word(value)); i = j
                }
                continue
            }
            throw fail()
        }
        throw fail()
    }

    static func declaration(
        from tokens: [Token], line: Int, location: String
    ) throws -> ParameterDeclaration {
        let bad = LessonError(
            "\(location): param(...) needs literal arguments — name, default, doc, then optionally quick: and in: — so that `tokenwise list` can read it"
        )
        guard tokens.count >= 6, case .string(let name) = tokens[0], tokens[1] == .comma,
            tokens[3] == .comma, case .string(let doc) = tokens[4]
        else { throw bad }
        let (kind, defaultValue) = try literal(tokens[2], bad)
        var declaration = ParameterDeclaration(
            name: name, kind: kind, defaultValue: defaultValue, doc: doc, line: line)
        var rest = Array(tokens[5...])
        while rest.first == .comma {
            rest.removeFirst()
            guard case .label(let label) = rest.first else { throw bad }
            rest.removeFirst()
            switch label {
            case "quick":
                guard let token = rest.first else { throw bad }
                declaration.quickValue = try literal(token, bad, expected: kind).1
                rest.removeFirst()
            case "in":
                guard rest.count >= 3, rest[1] == .range else { throw bad }
                declaration.lowerBound = try literal(rest[0], bad, expected: kind).1
                declaration.upperBound = try literal(rest[2], bad, expected: kind).1
                rest.removeFirst(3)
            default:
                throw bad
            }
        }
        guard rest.first == .close, !name.isEmpty else { throw bad }
        return declaration
    }

    static func literal(
        _ token: Token, _ error: LessonError, expected: Kind? = nil
    ) throws -> (Kind, String) {
        let result: (Kind, String)
        switch token {
        case .string(let s): result = (.string, s)
        case .word("true"), .word("false"):
            if case .word(let w) = token { result = (.bool, w) } else { throw error }
        case .number(let n):
            if Int(n) != nil {
                result = (.int, n)
            } else if Double(n) != nil {
                result = (.double, n)
            } else {
                throw error
            }
        default: throw error
        }
        // An integer literal may stand for a Double parameter's quick value or bound.
        if expected == .double && result.0 == .int { return (.double, result.1) }
        if let expected, expected != result.0 { throw error }
        return result
    }
}

/// The parameter values of one run: defaults, quick values and --set overrides, checked.
public struct ParameterValues: Codable, Equatable, Sendable {
    /// Every parameter's value for this run.
    public var values: [String: String]
    /// The ones that differ from the lesson's defaults.
    public var changed: [String: String]

    public init(values: [String: String], changed: [String: String]) {
        self.values = values; self.changed = changed
    }

    public init(
        declarations: [ParameterDeclaration], settings: [String], quick: Bool, lesson: String
    ) throws {
        var values = Dictionary(
            uniqueKeysWithValues: declarations.map { ($0.name, $0.value(quick: quick)) })
        var set: [String: String] = [:]
        for setting in settings {
            guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
                throw LessonError("--set \(setting): expected name=value")
            }
            let name = String(setting[..<equals]),
                text = String(setting[setting.index(after: equals)...])
            guard let declaration = declarations.first(where: { $0.name == name }) else {
                let nearest = declarations.map(\.name).min {
                    editDistance($0, name) < editDistance($1, name)
                }
                let hint =
                    nearest.map {
                        editDistance($0, name) <= max(2, name.count / 3)
                            ? " (did you mean '\($0)'?)" : ""
                    } ?? ""
                let known =
                    declarations.isEmpty
                    ? "it has none" : "it has " + declarations.map(\.name).joined(separator: ", ")
                throw LessonError(
                    "--set \(setting): \(lesson) has no parameter '\(name)'\(hint); \(known)")
            }
            let same = settings.filter { $0.hasPrefix(name + "=") }
            if same.count > 1 {   // once the last won without a word
                throw LessonError(
                    "--set \(name): given \(same.count) times (\(same.joined(separator: ", "))); give it once")
            }
            switch declaration.validate(text) {
            case .success(let value): values[name] = value; set[name] = value
            case .failure(let error): throw LessonError("--set \(setting): \(error.description)")
            }
        }
        self.values = values
        changed = set.filter { name, value in
            declarations.first { $0.name == name }?.defaultValue != value
        }
    }
}

/// Levenshtein distance, for "did you mean".
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1,
                previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
}
