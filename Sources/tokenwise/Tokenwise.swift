// The `tokenwise` command line: commands are types; the work lives in the library modules.

import ArgumentParser
import Foundation
import Stepper
import Chat

@main
struct Tokenwise: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenwise",
        abstract: "Build a small GPT from raw text, stage by stage, and see every stage.",
        subcommands: [
            Run.self, List.self, ReportCommand.self, Render.self, StepCommand.self,
            ChatCommand.self, ExportCommand.self, Bench.self, Gallery.self, SweepCommand.self,
        ])

    static func main() {
        // OpenBLAS reads its settings when the library loads, so they must be in the
        // environment before this process starts: set them and run ourselves again.
        OpenBLASEnvironment.reexecuteIfNeeded()
        setvbuf(stdout, nil, _IOLBF, 0)   // line by line, also into pipes and logs
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            // Help goes to standard output as it is; an error message may quote a file's
            // contents, so its control characters are shown escaped, never sent to the terminal.
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
            } else {
                FileHandle.standardError.write(Data((TerminalText.sanitize(message) + "\n").utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}
