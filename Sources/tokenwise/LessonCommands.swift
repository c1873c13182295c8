// `tokenwise run`, `list`: lessons from the command line. Output streams as the lesson runs:
// prose, code, printed lines, figures (as file names), progress bars, stage reuse.

import ArgumentParser
import Course
import Foundation
import LessonEngine
import Report

/// Options every lesson command shares.
struct WorkspaceOptions: ParsableArguments {
    @Option(help: "The folder of course lessons (default: ./lessons, else the course's own).")
    var lessons: String?

    @Option(help: "Where runs, artifacts and the site are kept.")
    var workspace = ".tokenwise"

    // An hour: lesson 11 ran 25 minutes on a slow 2-core machine (Zen 1 at 2 GHz, its sgemm a third
    // as fast as the course's reference machine), and a learner's laptop may be slower still.
    @Option(help: "Stop a lesson that runs longer than this many seconds.")
    var timeLimit: Double = 3600

    func validate() throws {
        // NaN once disabled the limit; 0 and -1 replaced the lesson's page with a failed run.
        guard timeLimit.isFinite && timeLimit > 0 else {
            throw ValidationError("--time-limit must be a number of seconds above 0, got \(timeLimit)")
        }
        if let problem = CommandInputs.workspaceProblem(workspace) { throw ValidationError(problem) }
    }

    func engine() throws -> Engine {
        Engine(
            workspace: URL(fileURLWithPath: workspace), toolchain: try Toolchain.locate(),
            timeLimit: timeLimit)
    }

    /// The lesson `name` names: a number, a name, a file name or a path (see `Engine.resolve`).
    func lesson(_ name: String) throws -> LessonSource {
        try LessonSource(url: try Engine.resolve(name, in: lessonsDirectory), course: lessonsDirectory)
    }

    /// --lessons, else ./lessons where there is one, else the lessons beside the library
    /// (an installed tokenwise runs the course from any folder).
    var lessonsDirectory: URL {
        if let lessons { return URL(fileURLWithPath: lessons) }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: "lessons", isDirectory: &isFolder),
            isFolder.boolValue
        {
            return URL(fileURLWithPath: "lessons")
        }
        return (try? Toolchain.locate())?.courseLessons ?? URL(fileURLWithPath: "lessons")
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one lesson and write its page.",
        discussion: """
            LESSON is a number (4), a name (training), a file name (04-training) or a path to any \
            literate Swift file (~/my-lesson.swift).

            Examples:
              tokenwise run 1
              tokenwise run tokens --set vocab_size=400
              tokenwise run ~/my-lesson.swift --quick
            """)

    @Argument(help: "The lesson to run.")
    var lesson: String

    @Option(name: .customLong("set"), help: "Override a parameter: --set name=value (repeatable).")
    var settings: [String] = []

    @Flag(help: "Use the lesson's small settings (fast; for CI and a first look).")
    var quick = false

    @OptionGroup var options: WorkspaceOptions

    func run() throws {
        let engine = try options.engine()
        let source = try options.lesson(lesson)
        // Refuse bad --set values before printing anything else.
        _ = try ParameterValues(
            declarations: source.parameters, settings: settings, quick: quick,
            lesson: source.displayPath)
        var terminal = TerminalPrinter()
        terminal.header(source, settings: settings, quick: quick)
        let record = try engine.run(source, settings: settings, quick: quick) { terminal.show($0) }
        terminal.footer(record)
        let site = SiteWriter(engine: engine, lessonsDirectory: options.lessonsDirectory)
        let page = try site.writeLessonPage(record, source: source)
        let scratch = page.deletingLastPathComponent().lastPathComponent == SiteWriter.scratchFolder
        print(
            "page: \(page.path)\(scratch ? " (not a course lesson: kept apart from the course's pages)" : "")"
        )
        if record.status != .succeeded { throw ExitCode(1) }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the lessons with their parameters, defaults and docs.",
        discussion: """
            Examples:
              tokenwise list
            """)

    @OptionGroup var options: WorkspaceOptions

    func run() throws {
        let lessons = try Engine.lessons(in: options.lessonsDirectory)
        if lessons.isEmpty {
            print("no lessons in \(LessonSource.display(options.lessonsDirectory))")
        }
        for lesson in lessons {
            print("\(lesson.id)  \(lesson.title)")
            for p in lesson.parameters {
                var line = "    \(p.name) = \(p.defaultValue)"
                if let quick = p.quickValue { line += " (quick: \(quick))" }
                if let low = p.lowerBound, let high = p.upperBound {
                    line += " in \(low)...\(high)"
                }
                print(
                    line.padding(toLength: max(line.count, 44), withPad: " ", startingAt: 0)
                        + "  \(p.kind.rawValue)  \(p.doc)")
            }
        }
    }
}

/// Streams a run to the terminal; plain lines (no escape codes) when stdout is not a TTY.
struct TerminalPrinter {
    let isTerminal = isatty(STDOUT_FILENO) == 1
    var progressShown = false

    func header(_ lesson: LessonSource, settings: [String], quick: Bool) {
        print(
            bold("\(lesson.title)")
                + "  (\(lesson.displayPath)\(quick ? ", quick" : "")\(settings.isEmpty ? "" : ", " + settings.joined(separator: " ")))"
        )
    }

    mutating func show(_ update: RunUpdate) {
        endProgress()
        switch update {
        case .cellBegan(let cell):
            if !cell.prose.isEmpty {
                print(
                    "\n"
                        + cell.prose.split(separator: "\n", omittingEmptySubsequences: false).map {
                            dim("│ ") + $0
                        }.joined(separator: "\n"))
            }
            if !cell.code.isEmpty {
                let lines = cell.code.split(separator: "\n", omittingEmptySubsequences: false)
                for (offset, line) in lines.enumerated() {
                    print(dim(String(format: "%4d  ", cell.codeLine + offset)) + line)
                }
            }
        case .output(let output, _):
            switch output {
            case .text(let text): print(text)
            case .figure(let name, let figure): print("  [figure \(name): \(figure.title)]")
            case .table(let table):
                if !table.title.isEmpty { print("  " + table.title) }
                let widths = table.columns.indices.map { c in
                    ([table.columns[c]] + table.rows.map { c < $0.count ? $0[c] : "" }).map(\.count)
                        .max() ?? 0
                }
                func row(_ cells: [String]) -> String {
                    "  "
                        + cells.enumerated().map {
                            $0.element.padding(
                                toLength: widths[$0.offset], withPad: " ", startingAt: 0)
                        }.joined(separator: "  ")
                }
                print(bold(row(table.columns)))
                table.rows.forEach { print(row($0)) }
            case .metric(let m):
                print("  \(m.name): \(displayNumber(m.value))\(m.unit.isEmpty ? "" : " " + m.unit)")
            case .expectation(let e):
                print(
                    "  \(!e.checked ? "– NOT CHECKED (quick model)" : e.passed ? "✓ PASS" : "✗ FAIL")  \(e.claim) — \(e.measured)"
                )
            case .stepThrough(let s):
                print("  [step-through page \(s.name): \(s.recording.frames.count) frames]")
            case .progress: break
            }
        case .progress(let p):
            let fraction = Double(p.step) / Double(max(p.total, 1))
            let bar = ProgressBar.bar(fraction)
            var line = "  \(p.label) \(p.step)/\(p.total) \(bar)"
            if let loss = p.loss { line += String(format: " loss %.4f", loss) }
            if let rate = p.tokensPerSecond { line += String(format: " · %.0f tok/s", rate) }
            if let left = p.remainingSeconds { line += " · \(Int(left))s left" }
            if isTerminal {
                print("\r\u{1B}[2K" + line, terminator: "")
                fflush(stdout)
                progressShown = p.step < p.total
                if p.step >= p.total { print("") }
            } else if p.step == p.total || p.step % max(1, p.total / 10) == 0 {
                print(line)
            }
        case .stage(let stage):
            let warning = stage.warning.map { " — warning: \($0)" } ?? ""
            print(
                "  stage \(stage.name): \(stage.outcome.rawValue) in \(String(format: "%.1f", stage.seconds)) s (key \(stage.key.prefix(8)))\(warning)"
            )
        case .cellFailed(let index, let message):
            print(bold("  ✗ cell \(index) failed: ") + message)
        case .modelPublished(let name):
            print(dim("  published model \(name)"))
        }
    }

    mutating func endProgress() {
        if progressShown { print(""); progressShown = false }
    }

    func footer(_ record: RunRecord) {
        if record.status == .compileFailed {
            record.compileErrors.forEach { print($0) }
            print(bold("compile failed: nothing was run"))
            return
        }
        let passed = record.expectations.filter(\.holds).count
        print(
            "\n" + bold("\(record.status == .succeeded ? "done" : "stopped")")
                + String(
                    format: " in %.1f s (compile %.1f s%@); %d of %d expectations hold",
                    record.provenance.runSeconds, record.provenance.compileSeconds,
                    record.provenance.compileCached ? ", cached" : "", passed,
                    record.expectations.filter(\.checked).count))
    }

    func bold(_ text: String) -> String { isTerminal ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    func dim(_ text: String) -> String { isTerminal ? "\u{1B}[2m\(text)\u{1B}[0m" : text }
}
