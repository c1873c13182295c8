import Foundation
import Testing
@testable import tokenwise
import BytePairEncoding
import Chat
import Transformer

@Suite struct CommandInputsTests {
    /// Issue 34: `--temperature -0.5` said "Missing value for '--temperature'".
    @Test func aNegativeNumberIsTheOptionsValueAndValidateSaysWhatIsAllowed() throws {
        #expect(CommandInputs.joiningNegativeNumbers(["x", "--temperature", "-0.5", "--seed", "3"]) == ["x", "--temperature=-0.5", "--seed", "3"])
        #expect(CommandInputs.joiningNegativeNumbers(["--temperature", "--seed", "3"]) == ["--temperature", "--seed", "3"])
        #expect(CommandInputs.joiningNegativeNumbers(["--", "--top-k", "-1"]) == ["--", "--top-k", "-1"])
        for (command, arguments) in [("chat", ["--temperature", "-0.5"]), ("step", ["x", "--temperature", "-0.5"])] {
            let joined = CommandInputs.joiningNegativeNumbers(arguments)
            let message: String
            do {
                _ = command == "chat" ? try ChatCommand.parse(joined) as Any : try StepCommand.parse(joined) as Any
                message = "parsed"
            } catch { message = ChatCommand.message(for: error) }
            #expect(message.contains("--temperature must be a number 0 or more, got -0.5"), "\(message)")
        }
        do { _ = try StepCommand.parse(CommandInputs.joiningNegativeNumbers(["x", "--top-k", "-2"])); Issue.record("took top-k -2") } catch {
            #expect(ChatCommand.message(for: error).contains("--top-k must be 0 (all) or more, got -2"))
        }
    }

    /// Issue 34: `--workspace /etc/passwd` said "Code 512".
    @Test func aWorkspaceThatIsAFileIsRefusedSayingSo() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-ws-\(UUID().uuidString)")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let expected = "--workspace \(file.path): is a file, not a folder (the workspace keeps runs, artifacts and models)"
        #expect(CommandInputs.workspaceProblem(file.path) == expected)
        #expect(CommandInputs.workspaceProblem(FileManager.default.temporaryDirectory.path) == nil)
        #expect(CommandInputs.workspaceProblem("/no/such/ws") == nil)   // created when needed
        for parse in [{ try ChatCommand.parse(["--workspace", file.path]) as Any }, { try StepCommand.parse(["--workspace", file.path]) as Any },
                      { try Run.parse(["1", "--workspace", file.path]) as Any }] {
            do { _ = try parse(); Issue.record("accepted a file as the workspace") } catch {
                #expect(ChatCommand.message(for: error).contains(expected))
            }
        }
    }

    /// Issue 34: every --model error printed the path twice ("--model X (X): X/config.json…").
    @Test func aModelErrorNamesThePathOnce() throws {
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-ws-\(UUID().uuidString)")
        let folder = workspace.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workspace) }
        let catalog = ModelCatalog(directory: workspace.appendingPathComponent("models"))
        for name in [folder.path, folder.path + "/", "/dev/zero"] {
            do { _ = try CommandInputs.loadModel(name, from: catalog); Issue.record("loaded \(name)") } catch {
                let message = "\(error)"
                let path = URL(fileURLWithPath: name).path
                #expect(message.hasPrefix("--model: \(path)") && message.components(separatedBy: path).count == 2, "\(message)")
            }
        }
        do { _ = try CommandInputs.loadModel("sft", from: catalog) } catch {
            #expect("\(error)".hasPrefix("--model: no model 'sft' in"), "\(error)")
        }
    }

    /// Issue 34: `step --html existing.txt` overwrote the file without asking; a folder gave
    /// NSCocoaErrorDomain text.
    @Test func aPageIsWrittenOnlyWhereNothingIsUnlessForced() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appendingPathComponent("page.html").path
        try CommandInputs.writePage(Data("one".utf8), to: page, force: false)
        #expect(throws: (any Error).self) { try CommandInputs.writePage(Data("two".utf8), to: page, force: false) }
        do { try CommandInputs.writePage(Data("two".utf8), to: page, force: false) } catch {
            #expect("\(error)" == "--html \(page): already exists (a file); pass --force to replace it")
        }
        #expect(try String(contentsOfFile: page, encoding: .utf8) == "one")
        try CommandInputs.writePage(Data("two".utf8), to: page, force: true)
        #expect(try String(contentsOfFile: page, encoding: .utf8) == "two")
        for force in [false, true] {
            do { try CommandInputs.writePage(Data("x".utf8), to: folder.path, force: force) } catch {
                #expect("\(error)" == "--html \(folder.path): is a folder; give the page a file name")
            }
        }
        let missing = folder.appendingPathComponent("no/such/page.html").path
        do { try CommandInputs.writePage(Data("x".utf8), to: missing, force: false); Issue.record("wrote into a missing folder") } catch {
            #expect("\(error)" == "--html \(missing): cannot be written (No such file or directory)", "\(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["page.html"])   // no temporary left
        #expect(try StepCommand.parse(["x", "--html", page, "--force"]).force)
        #expect(throws: (any Error).self) { try StepCommand.parse(["x", "--force"]) }
    }

    /// Issue 34: a 100 MB prompt or --system was read whole and encoded (65 s, 4.8 GB).
    @Test func aPromptOrSystemMessageOverOneMebibyteIsRefused() throws {
        let big = String(repeating: "a", count: PromptText.byteLimit + 1)
        for parse in [{ try StepCommand.parse([big]) as Any }, { try StepCommand.parse(["x", "--chat", "--system", big]) as Any },
                      { try ChatCommand.parse(["--system", big]) as Any }] {
            do { _ = try parse(); Issue.record("accepted over 1 MiB") } catch {
                #expect(ChatCommand.message(for: error).contains("is over 1 MiB"))
            }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-prompt-\(UUID().uuidString)")
        try Data(big.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        for path in [file.path, "/dev/zero"] {
            do { _ = try StepCommand.parse(["--prompt-file", path]).promptText(); Issue.record("read \(path)") } catch {
                #expect("\(error)".hasPrefix("--prompt-file \(path) is over 1 MiB"), "\(error)")
            }
        }
    }
}
