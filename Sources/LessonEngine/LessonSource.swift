// A literate lesson file read into cells. Prose lines start with "//:" at column 0 and hold
// Markdown; every other line is Swift. Each block of prose starts a new cell holding that
// prose and the code after it; code before the first prose is cell 0. The parameters are
// read from the `param(...)` calls without running anything.

import LessonRuntime
import Foundation

public struct LessonError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public struct Cell: Codable, Equatable, Sendable {
    public var index: Int
    /// Markdown, without the "//:" markers.
    public var prose: String
    public var code: String
    /// 1-based line of the cell's first line in the lesson file.
    public var firstLine: Int
    /// 1-based line of the first line of `code`.
    public var codeLine: Int
}

public struct LessonSource: Sendable {
    /// The file as given (absolute).
    public let url: URL
    /// The path shown in messages: relative to the working directory when inside it.
    public let displayPath: String
    /// "04-training" for lessons/04-training.swift.
    public let id: String
    public let title: String
    public let text: String
    public let cells: [Cell]
    public let parameters: [ParameterDeclaration]
    /// Line numbers (1-based) where each prose block starts, by cell index.
    let proseStarts: [Int: Int]

    /// `course`: the course's lessons folder. A lesson from any other folder gets an id that
    /// names its folder too, so two files called notes.swift keep two records and two pages.
    public init(url: URL, course: URL? = nil) throws {
        let displayPath = LessonSource.display(url)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw LessonError("\(displayPath): no such lesson file")
        }
        guard let data = FileManager.default.contents(atPath: url.path),
            let text = String(data: data, encoding: .utf8)
        else {
            throw LessonError("\(displayPath): cannot be read as UTF-8 text")
        }
        try self.init(text: text, url: url, displayPath: displayPath, course: course)
    }

    public init(text: String, url: URL, displayPath: String, course: URL? = nil) throws {
        self.url = url
        self.displayPath = displayPath
        self.text = text
        id = Self.identifier(url, course: course)
        var cells: [Cell] = []
        var proseStarts: [Int: Int] = [:]
        var prose: [String] = [], code: [(line: Int, text: String)] = [], firstLine = 1
        var inProse = false
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func flush(next line: Int) {
            // Blank lines around the code are not part of it.
            while code.first?.text.trimmingCharacters(in: .whitespaces).isEmpty == true {
                code.removeFirst()
            }
            while code.last?.text.trimmingCharacters(in: .whitespaces).isEmpty == true {
                code.removeLast()
            }
            if !prose.isEmpty || !code.isEmpty {
                cells.append(
                    Cell(
                        index: cells.count, prose: prose.joined(separator: "\n"),
                        code: code.map(\.text).joined(separator: "\n"),
                        firstLine: firstLine, codeLine: code.first?.line ?? line))
            }
            prose = []; code = []; firstLine = line
        }
        for (offset, line) in lines.enumerated() {
            let number = offset + 1
            if line.hasPrefix("//:") {
                if !inProse {
                    flush(next: number)
                    // Cell 0 is code before any prose; without such code the first prose cell is 0.
                    proseStarts[cells.count] = number
                    inProse = true
                }
                var content = line.dropFirst(3)
                if content.first == " " { content = content.dropFirst() }
                prose.append(String(content))
            } else {
                inProse = false
                code.append((number, line))
            }
        }
        flush(next: lines.count + 1)
        self.cells = cells
        self.proseStarts = proseStarts
        title =
            cells.lazy.compactMap { cell in
                cell.prose.split(separator: "\n").first { $0.hasPrefix("# ") }.map {
                    String($0.dropFirst(2))
                }
            }.first ?? id
        parameters = try ParameterDeclaration.scan(lines: lines, displayPath: displayPath)
    }

    /// The Swift the compiler sees: the lesson with each prose block's first line replaced by
    /// a call that announces the cell, and a last line that says the lesson ran to its end. Line numbers do not move, and #sourceLocation makes
    /// the compiler name the lesson file itself in its messages.
    public func instrumented() -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (cell, line) in proseStarts { lines[line - 1] = "LessonRuntime._beginCell(\(cell))" }
        let header =
            "import Course\nimport LessonRuntime\n#sourceLocation(file: \"\(displayPath.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\", line: 1)\n"
        return header + lines.joined(separator: "\n") + "\nLessonRuntime._endLesson()\n"
    }

    /// "04-training" for a course lesson; "notes-1a2b3c4d" for ~/notes.swift (the hash of its folder).
    static func identifier(_ url: URL, course: URL?) -> String {
        let stem = url.deletingPathExtension().lastPathComponent
        let folder = url.deletingLastPathComponent().standardizedFileURL.path
        guard let course, folder != course.standardizedFileURL.path else { return stem }
        return stem + "-" + ArtifactStore.hash(folder).prefix(8)
    }

    public static func display(_ url: URL) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        let path = url.standardizedFileURL.path
        return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
    }
}

/// Plumbing in a cell's code: from a line `// harness: what it does` (at column 0) to the end
/// of the cell, or to a line `// end harness`. The report shows it collapsed under that one
/// line, one click away; the lesson runs it like any code (the markers are comments).
extension Cell {
    public static let harnessMarker = "// harness:"
    public static let harnessEndMarker = "// end harness"

    public struct CodePart: Equatable, Sendable {
        public let code: String
        /// 1-based line of the part's first line in the lesson file.
        public let firstLine: Int
        /// What the plumbing does (the marker's words), nil for code the lesson teaches with.
        public let harness: String?
    }

    /// The code in the order written, split where harness starts and ends; parts hold no
    /// marker lines and no blank lines at their edges.
    public var codeParts: [CodePart] {
        var parts: [CodePart] = []
        var lines: [(number: Int, text: String)] = [], harness: String?
        func flush() {
            while lines.first?.text.trimmingCharacters(in: .whitespaces).isEmpty == true {
                lines.removeFirst()
            }
            while lines.last?.text.trimmingCharacters(in: .whitespaces).isEmpty == true {
                lines.removeLast()
            }
            if let first = lines.first {
                parts.append(
                    CodePart(
                        code: lines.map(\.text).joined(separator: "\n"), firstLine: first.number,
                        harness: harness))
            }
            lines = []
        }
        for (offset, line) in code.split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
        {
            if line.hasPrefix(Self.harnessMarker) {
                flush()
                let words = line.dropFirst(Self.harnessMarker.count)
                    .trimmingCharacters(in: .whitespaces)
                harness = words.isEmpty ? "plumbing" : words
            } else if line.trimmingCharacters(in: .whitespaces) == Self.harnessEndMarker {
                flush()
                harness = nil
            } else {
                lines.append((codeLine + offset, String(line)))
            }
        }
        flush()
        return parts
    }
}
