// The `tokenwise` command line: commands are types; the work lives in the library modules.

import ArgumentParser
import Foundation

@main
struct Tokenwise: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenwise",
        abstract: "Build a small GPT from raw text, stage by stage, and see every stage.",
        subcommands: [Run.self, List.self, ReportCommand.self, Render.self, StepCommand.self, ChatCommand.self, Bench.self, Gallery.self])

    static func main() {
        // OpenBLAS picks its kernels when the library loads, so the hint must be in the
        // environment before this process starts: set it and run ourselves again.
        OpenBLASEnvironment.reexecuteWithCoreTypeIfNeeded()
        setvbuf(stdout, nil, _IOLBF, 0)   // line by line, also into pipes and logs
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
