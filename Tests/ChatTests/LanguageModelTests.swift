import Foundation
import ChatFixtures
import Testing
@testable import BytePairEncoding
@testable import Transformer
@testable import Chat

@Suite struct LanguageModelTests {
    let model = fixtureModel()

    @Test func ourModelDirectoryRoundTrips() throws {
        let directory = temporaryDirectory()
        try model.save(to: directory)
        let loaded = try LanguageModel.load(from: directory)
        #expect(loaded.name == directory.lastPathComponent)
        #expect(loaded.tokenizer.merges == model.tokenizer.merges)
        let tokens = model.tokenizer.encode("the cat sat")
        #expect(freshLogits(loaded, tokens) == freshLogits(model, tokens))
    }

    /// Writes the model as Hugging Face publishes GPT-2: config.json with HF's keys,
    /// model.safetensors with GPT-2's names (optionally under "transformer.") and the causal-mask
    /// buffers, vocab.json and merges.txt.
    func writeHuggingFaceFiles(to directory: URL, prefix: String) throws {
        let c = model.model.config
        let config = """
        {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
         "bos_token_id": \(model.startToken!), "eos_token_id": \(model.startToken!), "model_type": "gpt2",
         "n_ctx": \(c.contextLength), "n_embd": \(c.embeddingWidth), "n_head": \(c.headCount), "n_layer": \(c.layerCount),
         "n_positions": \(c.contextLength), "layer_norm_epsilon": 1e-05, "vocab_size": \(c.vocabularySize),
         "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50}}}
        """
        try Data(config.utf8).write(to: directory.appendingPathComponent("config.json"))
        let ours = temporaryDirectory("ours")
        try Checkpoint.save(model.model, to: ours)
        let file = try SafeTensorsFile(contentsOf: ours.appendingPathComponent(Checkpoint.weightsFile))
        var tensors = try file.names.map { name in (name: prefix + name, shape: file.entries[name]!.shape, values: try file.values(name, shape: file.entries[name]!.shape)) }
        let T = c.contextLength
        for layer in 0..<c.layerCount {
            let mask = (0..<T * T).map { Float($0 % T <= $0 / T ? 1 : 0) }
            tensors.append((name: "\(prefix)h.\(layer).attn.bias", shape: [1, 1, T, T], values: mask))
        }
        try SafeTensorsFile.write(tensors, to: directory.appendingPathComponent(Checkpoint.weightsFile))
        try GPT2Files.save(model.tokenizer, to: directory)
    }

    @Test(arguments: ["", "transformer."])
    func gpt2HuggingFaceFilesLoad(prefix: String) throws {
        let directory = temporaryDirectory()
        try writeHuggingFaceFiles(to: directory, prefix: prefix)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(LanguageModel.tokenizerFile).path))
        let loaded = try LanguageModel.load(from: directory, name: "gpt2")
        let text = "the dog met a cat"
        #expect(loaded.tokenizer.encode(text) == model.tokenizer.encode(text))
        #expect(loaded.startToken == model.startToken)
        let tokens = model.tokenizer.encode(text)
        #expect(freshLogits(loaded, tokens) == freshLogits(model, tokens))
    }

    @Test func aDirectoryWithoutATokenizerIsAClearError() throws {
        let directory = temporaryDirectory()
        try Checkpoint.save(model.model, to: directory)
        #expect { try LanguageModel.load(from: directory) } throws: { error in
            "\(error)".contains("no tokenizer (expected bpe.tokenizer, or GPT-2's vocab.json and merges.txt)")
        }
        #expect { try LanguageModel.load(from: directory.appendingPathComponent("missing")) } throws: { error in
            "\(error)".contains("missing: no such model directory")
        }
    }

    @Test func aTruncatedWeightsFileNamesTheFileAndKeepsNothingHalfLoaded() throws {
        let directory = temporaryDirectory()
        try model.save(to: directory)
        let weights = directory.appendingPathComponent(Checkpoint.weightsFile)
        let data = try Data(contentsOf: weights)
        try data.prefix(data.count / 2).write(to: weights)
        #expect { try LanguageModel.load(from: directory) } throws: { error in
            "\(error)".contains(weights.path)
        }
    }

    @Test func aTokenizerLargerThanTheModelIsRefused() throws {
        let small = GPT(config: GPTConfig(vocabularySize: 100, contextLength: 8, layerCount: 1, headCount: 1, embeddingWidth: 8), seed: 1)
        #expect { try LanguageModel(name: "odd", model: small, tokenizer: model.tokenizer) } throws: { error in
            "\(error)".contains("the tokenizer has \(model.tokenizer.vocabularySize) tokens but the model only 100")
        }
    }

    /// Issue 34: chat and step read a tokenizer that did not belong to the weights (a
    /// bpe.tokenizer cut at a line, two specials swapped, another split pattern) without a word.
    @Test func aTokenizerOtherThanTheOneTheWeightsRecordIsRefusedByName() throws {
        let chatModel = chatFixtureModel()
        let file = LanguageModel.tokenizerFile
        func loadError(_ edit: (String) -> String) throws -> String {
            let directory = temporaryDirectory()
            try chatModel.save(to: directory)
            let url = directory.appendingPathComponent(file)
            try Data(edit(try String(contentsOf: url, encoding: .utf8)).utf8).write(to: url)
            do { _ = try LanguageModel.load(from: directory); return "loaded" } catch { return "\(error)" }
        }
        #expect(try loadError { $0 } == "loaded")
        let cut = try loadError { text in
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            lines.remove(at: lines.lastIndex { $0.hasPrefix("merge ") }!)
            return lines.joined(separator: "\n")
        }
        #expect(cut.contains("\(file): not the tokenizer model.safetensors was trained with") && cut.contains("merges, not"), "\(cut)")
        let swapped = try loadError {
            $0.replacingOccurrences(of: "\"<|user|>\"", with: "\"<|x|>\"").replacingOccurrences(of: "\"<|assistant|>\"", with: "\"<|user|>\"")
                .replacingOccurrences(of: "\"<|x|>\"", with: "\"<|assistant|>\"")
        }
        #expect(swapped.contains(file) && swapped.contains("special tokens are"), "\(swapped)")
        let pattern = try loadError { $0.replacingOccurrences(of: "pattern gpt4", with: "pattern gpt2") }
        #expect(pattern.contains(file) && pattern.contains("gpt2 pattern, not gpt4"), "\(pattern)")
    }

    /// Weights saved before the tokenizer was recorded load with any tokenizer, as they did.
    @Test func weightsWithoutARecordedTokenizerStayUnchecked() throws {
        let directory = temporaryDirectory()
        try Checkpoint.save(model.model, to: directory)   // no metadata
        let other = try BPETrainer.train(text: String(repeating: "a dog ran. ", count: 30), vocabularySize: 280,
                                         specialTokens: [LanguageModel.documentSeparator])
        try other.save(to: directory.appendingPathComponent(LanguageModel.tokenizerFile))
        #expect(try LanguageModel.load(from: directory).tokenizer.merges == other.merges)
    }

    /// Issue 34: an edited tokenizer.json beside our bpe.tokenizer was ignored: Hugging Face
    /// would read other ids than we do. The one an export writes agrees; an edit is refused.
    @Test func aTokenizerJSONThatDisagreesWithOurFileIsRefusedByName() throws {
        let chatModel = chatFixtureModel()
        let directory = temporaryDirectory()
        try chatModel.save(to: directory)
        let json = directory.appendingPathComponent("tokenizer.json")
        try chatModel.tokenizer.huggingFaceJSON().write(to: json)
        #expect(try LanguageModel.load(from: directory).tokenizer.difference(from: chatModel.tokenizer) == nil)
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as! [String: Any]
        var added = object["added_tokens"] as! [[String: Any]]
        (added[1]["content"], added[2]["content"]) = (added[2]["content"]!, added[1]["content"]!)
        object["added_tokens"] = added
        try JSONSerialization.data(withJSONObject: object).write(to: json)
        #expect { try LanguageModel.load(from: directory) } throws: { error in
            "\(error)".contains("\(json.path): disagrees with bpe.tokenizer") && "\(error)".contains("special tokens are")
        }
        try Data("{\"model\": 3}".utf8).write(to: json)
        #expect { try LanguageModel.load(from: directory) } throws: { error in
            "\(error)".contains(json.path) && "\(error)".contains("'model' is not a BPE model")
        }
    }

    /// Issue 34: /dev/zero or a FIFO as a model was "permission denied" or "no chat_format.json".
    @Test func aPathThatIsNotAFolderSaysWhatItIs() throws {
        let directory = temporaryDirectory()
        let fifo = directory.appendingPathComponent("pipe"), file = directory.appendingPathComponent("notes.txt")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        try Data("x".utf8).write(to: file)
        for (path, kind) in [("/dev/zero", "a character device"), (fifo.path, "a FIFO (named pipe)"), (file.path, "a file")] {
            #expect { try LanguageModel.load(from: URL(fileURLWithPath: path)) } throws: { error in
                "\(error)" == "\(path): is \(kind), not a model directory (one holding config.json, model.safetensors and a tokenizer)"
            }
        }
        // A model folder whose weights are a FIFO is refused before anything opens it.
        try model.save(to: directory)
        let weights = directory.appendingPathComponent(Checkpoint.weightsFile)
        try FileManager.default.removeItem(at: weights)
        #expect(mkfifo(weights.path, 0o600) == 0)
        #expect { try LanguageModel.load(from: directory) } throws: { error in
            "\(error)".contains("\(weights.path): is a FIFO (named pipe), not a regular file")
        }
    }

    @Test func labelsShowWhitespaceWithTheFiguresMarkers() throws {
        let newline = model.tokenizer.encode("\n")
        #expect(newline.map(model.label(of:)) == ["↵"])
        #expect(model.tokenizer.encode(" a\tb").map(model.label(of:)).joined() == "·a→b")
        #expect(model.label(of: model.startToken!) == "<|endoftext|>")
    }
}

@Suite struct ModelCatalogTests {
    @Test func publishingOneNameAtOnceLeavesOneCompleteModel() throws {
        let catalog = ModelCatalog(directory: temporaryDirectory())
        let model = fixtureModel()
        let failures = LockedCounter()
        DispatchQueue.concurrentPerform(iterations: 24) { _ in
            do {
                try catalog.publish(model, as: "shared")
                _ = try catalog.load("shared")   // a reader between publishers always finds it whole
            } catch { failures.add() }
        }
        #expect(failures.value == 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: catalog.directory.path).sorted()
        let version = try FileManager.default.destinationOfSymbolicLink(atPath: catalog.location(of: "shared").path)
        #expect(left == [".lock", version, "shared"].sorted(), "staging folders left behind: \(left)")
        #expect(try catalog.load("shared").model.config == model.model.config)
    }
}

/// Issue 34: a publish was two renames (old aside, new in); kill -9 between them left no model.
@Suite(.serialized) struct PublishCrashTests {
    let catalog = ModelCatalog(directory: temporaryDirectory())
    let old = fixtureModel()
    let new = { let m = fixtureModel(); return try! LanguageModel(name: "new", model: GPT(config: m.model.config, seed: 8), tokenizer: m.tokenizer) }()

    /// At every step of a publish, what a kill there would leave loads, and is the old model or the new one.
    func checkEveryStep(from before: String) throws {
        let newFingerprint = try { let d = temporaryDirectory(); try new.save(to: d); return ModelCatalog.fingerprint(d) }()
        let steps = LockedCounter()
        let whole = LockedCounter()
        ModelCatalog.publishStepObserver = { [catalog] directory, step in
            guard directory == catalog.directory else { return }
            steps.add()
            let location = catalog.location(of: "sft")   // read as a fresh process would, without the lock we hold
            if (try? LanguageModel.load(from: location)) != nil,
               [before, newFingerprint].contains(ModelCatalog.fingerprint(location)) { whole.add() }
        }
        defer { ModelCatalog.publishStepObserver = nil }
        try catalog.publish(new, as: "sft")
        #expect(steps.value == 4 && whole.value == 4, "\(steps.value - whole.value) of \(steps.value) steps left no whole model")
        #expect(catalog.fingerprint(of: "sft") == newFingerprint)
        let left = try FileManager.default.contentsOfDirectory(atPath: catalog.directory.path).filter { $0.hasPrefix(".sft") }
        #expect(left.count == 1, "old versions or links left: \(left)")
    }

    @Test func aKillAtAnyStepOfAPublishLeavesTheOldModelOrTheNew() throws {
        try catalog.publish(old, as: "sft")
        try checkEveryStep(from: catalog.fingerprint(of: "sft"))
    }

    /// A catalog published before versions holds plain folders: the first publish swaps one out whole.
    @Test func aFolderPublishedBeforeVersionsIsSwappedOutInOneStep() throws {
        try old.save(to: catalog.location(of: "sft"))
        try checkEveryStep(from: catalog.fingerprint(of: "sft"))
    }

    /// Issue 34: kill -9 left `.name-old-UUID` folders; versions of dead publishers too.
    @Test func whatKilledPublishersLeftIsSweptAndALiveOnesVersionIsKept() throws {
        let dead = ".sft.version-\(Int32.max)-\(UUID().uuidString)"
        let live = ".sft.version-\(getppid())-\(UUID().uuidString)"
        let oldFolder = ".sft-old-\(UUID().uuidString)"
        for name in [dead, live, oldFolder] {
            try FileManager.default.createDirectory(at: catalog.directory.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        try catalog.publish(old, as: "sft")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: catalog.directory.path))
        #expect(!left.contains(dead) && !left.contains(oldFolder))
        #expect(left.contains(live), "a version a live process is writing must stay")
    }

    /// Issue 34: `chat --workspace typo/ws` created `ws/models/.lock`.
    @Test func aLookUpInAMissingCatalogCreatesNothing() throws {
        let missing = temporaryDirectory().appendingPathComponent("typo/models")
        #expect(throws: LanguageModelError.self) { try ModelCatalog(directory: missing).load("sft") }
        #expect(ModelCatalog(directory: missing).fingerprint(of: "sft") == "missing")
        #expect(!FileManager.default.fileExists(atPath: missing.deletingLastPathComponent().path))
    }
}

final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
