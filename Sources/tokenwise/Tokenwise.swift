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
        // Checked while the arguments are the bytes we were given: the run again below passes
        // them as Swift read them, bad bytes already repaired.
        if let problem = invalidArgument(rawArguments()) {
            FileHandle.standardError.write(Data("Error: \(problem)\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        // OpenBLAS and glibc's allocator read their settings when the process loads, so they
        // must be in the environment before it starts: set them and run ourselves again.
        LoadTimeEnvironment.reexecuteIfNeeded()
        setvbuf(stdout, nil, _IOLBF, 0)   // line by line, also into pipes and logs
        let arguments = CommandInputs.joiningNegativeNumbers(Array(CommandLine.arguments.dropFirst()))
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

    /// The arguments as the bytes the process was given (CommandLine.arguments repairs bad UTF-8).
    static func rawArguments() -> [[UInt8]] {
        (1..<Int(CommandLine.argc)).compactMap { index in
            CommandLine.unsafeArgv[index].map { Array(UnsafeBufferPointer(start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), count: strlen($0))) }
        }
    }

    /// What is wrong with the first argument that is not UTF-8: Swift would read it with
    /// U+FFFD in place of its bad bytes (an invalid-UTF-8 --system was repaired without a word,
    /// a path would name another file), so it is refused, naming where.
    static func invalidArgument(_ arguments: [[UInt8]]) -> String? {
        for (index, bytes) in arguments.enumerated() where String(validating: bytes, as: UTF8.self) == nil {
            var valid = bytes.count
            while String(validating: bytes[..<valid], as: UTF8.self) == nil { valid -= 1 }
            let repaired = TerminalText.sanitize(String(decoding: bytes.prefix(60), as: UTF8.self), keepingNewlines: false)
            return "argument \(index + 1) (\(repaired)\(bytes.count > 60 ? "…" : "")) is not valid UTF-8 from byte \(valid); pass text and paths as UTF-8"
        }
        return nil
    }
}
