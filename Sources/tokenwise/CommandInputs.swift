// What the commands share about their inputs: a negative number as an option's value, the
// workspace folder, a model named by --model, and a page written with --html. Each problem is
// one line naming the option and the path (never Foundation's raw error domain text).

import ArgumentParser
import Chat
import Foundation
import Transformer

enum CommandInputs {
    /// `--temperature -0.5` as `--temperature=-0.5`: the parser takes "-0.5" for an option and
    /// said "Missing value"; joined, the value reaches validate(), which says what is allowed.
    /// Only a negative number is joined, so `--temperature --seed 3` still misses its value.
    static func joiningNegativeNumbers(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { return out + arguments[index...] }
            if argument.hasPrefix("--"), !argument.contains("="), index + 1 < arguments.count,
                arguments[index + 1].hasPrefix("-"), Double(arguments[index + 1]) != nil
            {
                out.append(argument + "=" + arguments[index + 1])
                index += 2
                continue
            }
            out.append(argument)
            index += 1
        }
        return out
    }

    /// What is wrong with `workspace` as a folder ("Code 512" once, for /etc/passwd).
    static func workspaceProblem(_ workspace: String) -> String? {
        guard let kind = FileKind.describe(workspace), kind != "a folder" else { return nil }
        return "--workspace \(TerminalText.sanitize(workspace, keepingNewlines: false)): is \(kind), not a folder (the workspace keeps runs, artifacts and models)"
    }

    /// The model `name` names, or an error that says the option and the path once (the load
    /// errors start with the path they read; "--model X (X): X/config.json" said it thrice).
    static func loadModel(_ name: String, option: String = "--model", from catalog: ModelCatalog) throws -> LanguageModel {
        do { return try catalog.load(name) } catch {
            let text = "\(error)"
            let isPath = name.contains("/") || FileKind.describe(name) == "a folder"
            let location = isPath ? URL(fileURLWithPath: name).path : catalog.location(of: name).path
            if text.contains(location) || text.contains(name) { throw CommandError("\(option): \(text)") }
            throw CommandError("\(option) \(name) (\(location)): \(text)")
        }
    }

    /// Refuses a page path where something already is, unless `force` (and then not a folder):
    /// checked before the session starts, so nobody steps through a session to lose it.
    static func checkPage(_ path: String, force: Bool) throws {
        guard let kind = FileKind.describe(path) else { return }
        if kind == "a folder" {
            throw CommandError("--html \(path): is a folder; give the page a file name")
        }
        if !force {
            throw CommandError("--html \(path): already exists (\(kind)); pass --force to replace it")
        }
    }

    /// Writes the page whole (a temporary file, then put in place): with `force` over an
    /// existing file, else only where nothing is (a file that appeared meanwhile is kept).
    static func writePage(_ data: Data, to path: String, force: Bool) throws {
        try checkPage(path, force: force)
        let url = URL(fileURLWithPath: path)
        do {
            if force { try AtomicFile.write(data, to: url) } else { try AtomicFile.create(data, at: url) }
        } catch let error as FileWriteError where error.exists {
            throw CommandError("--html \(path): appeared while stepping; left as it is (pass --force to replace it)")
        } catch let error as FileWriteError {
            throw CommandError("--html \(path): cannot be written (\(error.reason))")
        }
    }
}
