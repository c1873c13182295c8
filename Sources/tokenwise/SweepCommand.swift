// `tokenwise sweep`: one lesson over a grid of settings, a page and a JSON record of every
// claim and metric against every combination (see LessonEngine/Sweep.swift).

import ArgumentParser
import Foundation
import LessonEngine
import Report

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a lesson over a grid of settings and compare its claims and metrics.",
        discussion: """
            Each --set gives one parameter's values, separated by commas; several --set give \
            every combination. Each combination is an ordinary run: stored stages it does not \
            change are reused, and a combination already run with this code is not run again. \
            The sweep's page is written to .tokenwise/site/sweeps/, its record (with the commit, \
            the lesson's code, the CPU and the BLAS kernel) to .tokenwise/sweeps/.

            With --reproduce, no new sweep: each sweep shipped with the course for the lesson \
            (lessons/sweeps), measured on this BLAS kernel with other code, has its run at the \
            lesson's default settings run again (the stored run when still valid); where every \
            claim and every metric but the timings is the same, its record notes the \
            reproduction and its page counts as current. A change that keeps every float (a \
            faster hash, a scheduler) so keeps the sweeps measured before it.

            Examples:
              tokenwise sweep 7 --set seed=1,2,3
              tokenwise sweep 11 --set lr=1e-3,2e-3 --set seed=1,2,3
              tokenwise sweep training --set layers=2,4 --quick
              tokenwise sweep 11 --reproduce
            """)

    @Argument(help: "The lesson to sweep.")
    var lesson: String

    @Option(name: .customLong("set"), help: "A parameter's values: --set name=a,b,c (repeatable).")
    var settings: [String] = []

    @Flag(help: "Use the lesson's small settings.")
    var quick = false

    @Flag(help: "Re-run the shipped sweeps' default-settings runs with this code instead (see above).")
    var reproduce = false

    @OptionGroup var options: WorkspaceOptions

    func validate() throws {
        if reproduce && (!settings.isEmpty || quick) {
            throw ValidationError("--reproduce re-runs stored sweeps as they were: it takes no --set and no --quick")
        }
    }

    func run() throws {
        if reproduce { return try reproduceShipped() }
        let (engine, source) = (try options.engine(), try options.lesson(lesson))
        let grid = try SweepGrid(settings: settings)
        var terminal = TerminalPrinter()
        let sweep = try engine.sweep(
            source, grid: grid, quick: quick,
            progress: { index, total, settings in
                print("sweep \(source.id): run \(index) of \(total) (\(settings.joined(separator: " ")))")
            },
            listener: { update in
                // Each run's progress, stages and failures; the lesson's text is on its page.
                switch update {
                case .progress, .stage, .cellFailed: terminal.show(update)
                case .cellBegan, .output, .modelPublished: break
                }
            })
        let site = SiteWriter(engine: engine, lessonsDirectory: options.lessonsDirectory)
        let inCourse = (try? Engine.lessons(in: options.lessonsDirectory))?.contains { $0.id == source.id } ?? false
        let page = try site.writeSweepPage(sweep, stale: false, inCourse: inCourse)
        for text in sweep.claimTexts {
            let (held, checked) = sweep.tally(of: text)
            print(checked == 0 ? "  – \(text): not checked" : "  \(held == checked ? "✓" : "✗") \(text): holds in \(held) of \(checked) runs")
        }
        print("sweep: \(page.path)\nrecord: \(engine.sweepURL(sweep).path)")
        if source.text.contains(".publish(") {
            print("""
                \(source.id) publishes models: the catalog now holds the last combination's. \
                `tokenwise report` (or `tokenwise run \(source.id)`) puts back the course's own.
                """)
        }
    }

    /// `--reproduce`: each shipped sweep of the lesson, re-checked against this code.
    func reproduceShipped() throws {
        let (engine, source) = (try options.engine(), try options.lesson(lesson))
        let shipped = Engine.courseSweepFiles(lessonsDirectory: options.lessonsDirectory)
            .filter { $0.sweep.lessonID == source.id }
        guard !shipped.isEmpty else {
            throw CommandError("no sweeps of \(source.id) in \(options.lessonsDirectory.path)/sweeps")
        }
        var terminal = TerminalPrinter()
        for (sweep, file) in shipped {
            let name = file.lastPathComponent
            switch try engine.reproduce(sweep, file: file, of: source, listener: { update in
                switch update {
                case .progress, .stage, .cellFailed: terminal.show(update)
                case .cellBegan, .output, .modelPublished: break
                }
            }) {
            case .alreadyCurrent: print("  \(name): current (this code measured or reproduced it)")
            case .reproduced(let r):
                print("  ✓ \(name): reproduced at \(r.commit) (\(r.settings.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))): every claim and metric the same")
            case .differs(let differences):
                print("  ✗ \(name): differs, stays stale:")
                differences.prefix(6).forEach { print("      \($0)") }
            case .notHere(let why): print("  – \(name): not checked here (\(why))")
            }
        }
    }
}
