// `tokenwise report` (run or reuse every lesson, then build the site) and `tokenwise render`
// (rebuild the site from stored records, recomputing nothing).

import ArgumentParser
import Course
import Foundation
import LessonEngine
import Report

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Run (or reuse) every lesson and build the course report.",
        discussion: """
            A lesson whose stored run is still valid (same source, same library, same parameters) \
            is reused; the others run. The site is written to .tokenwise/site/index.html.

            Examples:
              tokenwise report
              tokenwise report --quick --strict
            """)

    @Flag(help: "Use every lesson's small settings.")
    var quick = false

    @Flag(help: "Exit with an error if any claim of any lesson does not hold.")
    var strict = false

    @Flag(help: "Run every lesson again even if a valid run is stored.")
    var rerun = false

    @OptionGroup var options: WorkspaceOptions

    func run() throws {
        let engine = try options.engine()
        let lessons = try Engine.lessons(in: options.lessonsDirectory)
        guard !lessons.isEmpty else {
            throw CommandError("no lessons in \(LessonSource.display(options.lessonsDirectory))")
        }
        let site = SiteWriter(engine: engine, lessonsDirectory: options.lessonsDirectory)
        var entries: [(source: LessonSource, record: RunRecord?, note: String?)] = []
        var failures = 0
        for lesson in lessons {
            var record: RunRecord?
            if !rerun {
                switch try engine.storedRecord(for: lesson, quick: quick) {
                case .found(let stored) where stored.status == .succeeded:
                    print(
                        "\(lesson.id): reusing the stored run (\(String(format: "%.1f", stored.provenance.runSeconds)) s)"
                    )
                    record = stored
                case .unusable(let reason): print("\(lesson.id): \(reason); running it")
                default: break
                }
            }
            if record == nil {
                var terminal = TerminalPrinter()
                terminal.header(lesson, settings: [], quick: quick)
                let fresh = try engine.run(lesson, quick: quick) { terminal.show($0) }
                terminal.footer(fresh)
                record = fresh
            }
            if record!.status != .succeeded { failures += 1 }
            try site.writeLessonPage(record!, source: lesson)
            entries.append((lesson, record, nil))
        }
        let index = try site.writeIndex(entries)
        let claims = entries.compactMap(\.record).flatMap(\.expectations)
        let unchecked = claims.filter { !$0.checked }.count
        print(
            "report: \(index.path) — \(claims.filter(\.holds).count) of \(claims.count - unchecked) claims hold"
                + (unchecked > 0 ? " (\(unchecked) not checked in quick mode)" : ""))
        if failures > 0 { throw CommandError("\(failures) lesson(s) did not run to the end") }
        if strict && claims.contains(where: \.fails) {
            throw CommandError("some claims do not hold (--strict)")
        }
    }
}

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the report's pages and figures from stored runs, recomputing nothing.",
        discussion: """
            Examples:
              tokenwise render
              tokenwise render --quick
            """)

    @Flag(
        help:
            "Render only the runs made with --quick (by default a lesson's full run, else its quick one)."
    )
    var quick = false

    @OptionGroup var options: WorkspaceOptions

    func run() throws {
        let engine = try options.engine()
        let lessons = try Engine.lessons(in: options.lessonsDirectory)
        let site = SiteWriter(engine: engine, lessonsDirectory: options.lessonsDirectory)
        var entries: [(source: LessonSource, record: RunRecord?, note: String?)] = []
        let start = Date()
        for lesson in lessons {
            // Whichever run exists: the full one first (unless --quick), then the quick one.
            var found: RunRecord?, problem: String?
            for runQuick in quick ? [true] : [false, true] where found == nil {
                switch try engine.storedRecord(for: lesson, quick: runQuick, anyVersion: true) {
                case .found(let record): found = record
                case .unusable(let reason): problem = problem ?? reason
                case .none: break
                }
            }
            if let found {
                try site.writeLessonPage(found, source: lesson)
                entries.append((lesson, found, nil))
            } else if let problem {
                print("\(lesson.id): \(problem); not rendered (run it again)")
                entries.append((lesson, nil, problem))
            } else {
                entries.append((lesson, nil, "not run yet"))
            }
        }
        // A report with no runs in it would only replace a good one.
        guard entries.contains(where: { $0.record != nil }) else {
            throw CommandError(
                "no stored runs to render\(quick ? " made with --quick" : ""): run `tokenwise report\(quick ? " --quick" : "")` first"
            )
        }
        let index = try site.writeIndex(entries)
        print(
            String(
                format: "rendered %d pages in %.2f s: %@",
                entries.filter { $0.record != nil }.count + 1, Date().timeIntervalSince(start),
                index.path))
    }
}
