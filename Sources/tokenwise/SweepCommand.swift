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

            Examples:
              tokenwise sweep 7 --set seed=1,2,3
              tokenwise sweep 11 --set lr=1e-3,2e-3 --set seed=1,2,3
              tokenwise sweep training --set layers=2,4 --quick
            """)

    @Argument(help: "The lesson to sweep.")
    var lesson: String

    @Option(name: .customLong("set"), help: "A parameter's values: --set name=a,b,c (repeatable).")
    var settings: [String] = []

    @Flag(help: "Use the lesson's small settings.")
    var quick = false

    @OptionGroup var options: WorkspaceOptions

    func run() throws {
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
}
