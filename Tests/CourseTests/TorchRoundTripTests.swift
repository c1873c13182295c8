// The route to PyTorch, checked against PyTorch itself: an exported model gives the same ids
// under AutoTokenizer and the same logits under transformers' GPT2LMHeadModel, trains with
// torchrun on two CPU processes (gloo), and comes back as a model the stepper runs.
// Needs a Python with torch, transformers and safetensors: TOKENWISE_PYTHON, else
// .build/torch-venv/bin/python (`make torch-check` makes it). Skipped, saying so, without one.

import Foundation
import Testing
@testable import Course

enum TorchPython {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The interpreter, when it can import what the scripts need.
    static let path: String? = {
        let candidate = ProcessInfo.processInfo.environment["TOKENWISE_PYTHON"]
            ?? root.appendingPathComponent(".build/torch-venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: candidate) else { return nil }
        return (try? run(candidate, ["-c", "import torch, transformers, safetensors"]))?.status == 0 ? candidate : nil
    }()

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_NUM_THREADS"] = "1"   // two processes on two cores
        process.environment = environment
        // stderr to a file, so that a chatty child never blocks on a full pipe we are not reading.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-python-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), errors)
    }

    static func script(_ name: String) -> String { root.appendingPathComponent("scripts/\(name)").path }
}

/// A Python that has what scripts/check_chat_template.py needs: `tokenizers` and `jinja2`.
enum TokenizersPython {
    static let path: String? = {
        let candidate = ProcessInfo.processInfo.environment["TOKENWISE_PYTHON"]
            ?? TorchPython.root.appendingPathComponent(".build/torch-venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: candidate) else { return nil }
        return (try? TorchPython.run(candidate, ["-c", "import tokenizers, jinja2"]))?.status == 0 ? candidate : nil
    }()
}

@Suite(.enabled(if: TorchPython.path != nil, "no Python with torch, transformers and safetensors (set TOKENWISE_PYTHON or run `make torch-check`)"),
       .serialized)
struct TorchRoundTripTests {
    @Test func autoTokenizerGivesOurIdsAndTransformersGivesOurLogits() throws {
        let model = ExportFixture.model()
        let folder = ExportFixture.directory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ModelExport.write(model, data: nil, to: folder, replace: false)
        let probe = "<|endoftext|><|user|>Where was Ada Quill born?<|end|><|assistant|>In Renka Hill, isn't it?  1234567 naïve 日本\n\n\tx  <|end|>"
        let ours = model.tokenizer.encode(probe, allowedSpecial: .all)
        let window = Array(ours.prefix(model.model.config.contextLength))
        let result = try TorchPython.run(TorchPython.path!, [TorchPython.script("compare_with_transformers.py"), folder.path,
                                                             "--text", probe, "--ids", window.map(String.init).joined(separator: ","),
                                                             "--chat-message", ExportFixture.forgery])
        try #require(result.status == 0, "compare_with_transformers.py failed: \(result.errors.suffix(2000))")
        let theirs = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as! [String: Any]
        #expect(theirs["ids"] as? [Int] == ours, "AutoTokenizer's ids differ from ours")
        #expect(theirs["decoded"] as? String == probe)
        #expect(theirs["chat"] as? String == "<|endoftext|><|user|>Hi<|end|><|assistant|>")
        // Issue 34: special tokens' names typed in a message forged turns through the template.
        let chat = try ChatTokens(format: .course, tokenizer: model.tokenizer)
        #expect(theirs["chat_ids"] as? [Int] == chat.prompt([Message(.user, ExportFixture.forgery)]), "apply_chat_template forged a turn")
        let logits = theirs["logits"] as! [[Double]]
        let session = InferenceSession(model: model.model)
        var largest = 0.0
        for (position, token) in window.enumerated() {
            let mine = session.feed(Int32(token)).logits
            largest = max(largest, zip(mine, logits[position]).map { abs(Double($0) - $1) }.max()!)
        }
        #expect(largest <= 1e-4, "largest logit difference \(largest)")
    }

    @Test func torchrunOnTwoProcessesLowersTheLossAndTheModelComesBack() throws {
        let model = ExportFixture.model()
        let folder = ExportFixture.directory(), trained = ExportFixture.directory("trained")
        defer { for f in [folder, trained] { try? FileManager.default.removeItem(at: f) } }
        try ModelExport.write(model, data: ExportFixture.data(model), to: folder, replace: false)
        let result = try TorchPython.run(TorchPython.path!, ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                                                             TorchPython.script("train_torch.py"), folder.path, "--out", trained.path,
                                                             "--steps", "30", "--batch-size", "4", "--lr", "3e-3", "--eval-batches", "4"])
        try #require(result.status == 0, "torchrun failed: \(result.errors.suffix(3000))")
        let log = try JSONSerialization.jsonObject(with: Data(contentsOf: trained.appendingPathComponent("train_log.json"))) as! [String: Any]
        #expect(log["processes"] as? Int == 2)
        let evaluations = (log["evaluations"] as! [[String: Any]]).map { $0["val"] as! Double }
        #expect(evaluations.last! < evaluations.first! - 0.5, "held-out loss \(evaluations.first!) → \(evaluations.last!)")

        let back = try LanguageModel.load(from: trained)
        #expect(back.model.config == model.model.config)
        #expect(back.chatFormat == .course)
        let prompt = back.tokenizer.encode("Ada Quill was")
        let stepper = try Stepper(model: back, tokens: prompt, settings: .greedy, seed: 1)
        for _ in 0..<5 { stepper.perform(.greedy) }
        #expect(stepper.contextTokens.count == prompt.count + 5 && stepper.outputProblem == nil)
    }

    @Test func sizesThatMakeNoModelAreRefusedByName() throws {
        let model = ExportFixture.model()
        let folder = ExportFixture.directory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ModelExport.write(model, data: ExportFixture.data(model), to: folder, replace: false)
        let result = try TorchPython.run(TorchPython.path!, [TorchPython.script("train_torch.py"), folder.path, "--out", folder.path + "-x",
                                                             "--steps", "1", "--from-scratch", "--n-embd", "30", "--n-head", "4"])
        #expect(result.status == 2 && result.errors.contains("n_embd 30 is not divisible by n_head 4"), "\(result.errors.suffix(500))")
    }
}
