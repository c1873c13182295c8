import Foundation
import Testing
@testable import Autograd
@testable import Transformer

@Suite struct CheckpointTests {
    @Test func roundTripIsBitExact() throws {
        let directory = temporaryDirectory()
        let model = GPT(config: tinyConfig, seed: 8)
        try Checkpoint.save(model, to: directory)
        let loaded = try Checkpoint.load(from: directory)
        #expect(loaded.config == model.config)
        for (a, b) in zip(model.parameters, loaded.parameters) {
            #expect(a.name == b.name)
            #expect(a.values.map(\.bitPattern) == b.values.map(\.bitPattern))
        }
        // GPT-2's layouts: Conv1D weights are stored (in, out).
        let file = try SafeTensorsFile(contentsOf: directory.appendingPathComponent("model.safetensors"))
        #expect(file.entries["h.0.attn.c_attn.weight"]?.shape == [8, 24])
        #expect(file.entries["wte.weight"]?.shape == [11, 8])
        let config = try String(contentsOf: directory.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(config.contains("\"n_embd\" : 8") && config.contains("\"model_type\" : \"gpt2\""))
    }

    @Test func safeTensorsLayoutFollowsTheSpecification() throws {
        let url = temporaryDirectory().appendingPathComponent("t.safetensors")
        try SafeTensorsFile.write([(name: "a", shape: [2], values: [1, 2]), (name: "b", shape: [1, 1], values: [3])],
                                  metadata: ["k": "v"], to: url)
        let bytes = try Data(contentsOf: url)
        let headerLength = Int(bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        #expect((8 + headerLength) % 8 == 0)
        let header = String(decoding: bytes[8 ..< 8 + headerLength], as: UTF8.self)
        #expect(header.contains("\"a\":{\"data_offsets\":[0,8],\"dtype\":\"F32\",\"shape\":[2]}"))
        #expect(bytes.count == 8 + headerLength + 12)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(try file.values("b") == [3])
        #expect(file.metadata == ["k": "v"])
        // No temporary file is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path) == ["t.safetensors"])
    }

    /// Writes a checkpoint, damages it with `damage`, and returns the error loading it gives.
    func loadError(_ damage: (URL) throws -> Void) throws -> String {
        let directory = temporaryDirectory()
        try Checkpoint.save(GPT(config: tinyConfig, seed: 1), to: directory)
        try damage(directory.appendingPathComponent("model.safetensors"))
        do {
            _ = try Checkpoint.load(from: directory)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    /// Rewrites the JSON header with `edit` (keeping the data).
    func editHeader(_ url: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let bytes = try Data(contentsOf: url)
        let length = Int(bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        var header = try JSONSerialization.jsonObject(with: bytes[8 ..< 8 + length]) as! [String: Any]
        edit(&header)
        let json = try JSONSerialization.data(withJSONObject: header)
        var out = Data()
        var newLength = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &newLength) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(bytes[(8 + length)...])
        try out.write(to: url)
    }

    @Test func truncatedFileNamesTheTensor() throws {
        let message = try loadError { url in
            let bytes = try Data(contentsOf: url)
            try bytes.prefix(bytes.count - 100).write(to: url)
        }
        #expect(message.contains("model.safetensors"))
        #expect(message.contains("tensor '") && message.contains("truncated"))
    }

    @Test func headerLengthPastTheEnd() throws {
        let message = try loadError { url in
            var bytes = try Data(contentsOf: url)
            bytes[6] = 0x01   // header length now ~2^48
            try bytes.write(to: url)
        }
        #expect(message.contains("model.safetensors") && message.contains("runs past the end"))
    }

    @Test func tooShortForAHeader() throws {
        let message = try loadError { try Data([1, 2, 3]).write(to: $0) }
        #expect(message.contains("too short"))
    }

    @Test func badJSON() throws {
        let message = try loadError { url in
            var bytes = try Data(contentsOf: url)
            bytes[8] = UInt8(ascii: "[")
            bytes[9] = UInt8(ascii: "x")
            try bytes.write(to: url)
        }
        #expect(message.contains("model.safetensors") && message.contains("not valid JSON"))
    }

    @Test func wrongDtype() throws {
        let message = try loadError { try editHeader($0) { header in
            var entry = header["ln_f.bias"] as! [String: Any]
            entry["dtype"] = "F16"
            header["ln_f.bias"] = entry
        } }
        #expect(message.contains("'ln_f.bias'") && message.contains("F16"))
    }

    @Test func missingTensor() throws {
        let message = try loadError { try editHeader($0) { header in   // renamed: its bytes still belong to a tensor
            header["h.1.mlp.c_fc.bias.renamed"] = header["h.1.mlp.c_fc.bias"]
            header["h.1.mlp.c_fc.bias"] = nil
        } }
        #expect(message.contains("'h.1.mlp.c_fc.bias'") && message.contains("missing"))
    }

    @Test func wrongShape() throws {
        let message = try loadError { try editHeader($0) { header in
            var entry = header["wte.weight"] as! [String: Any]
            entry["shape"] = [8, 11]   // same byte count, transposed dimensions
            header["wte.weight"] = entry
        } }
        #expect(message.contains("'wte.weight'") && message.contains("[8, 11]") && message.contains("expected [11, 8]"))
    }

    @Test func shapeDisagreesWithOffsets() throws {
        let message = try loadError { try editHeader($0) { header in
            var entry = header["wpe.weight"] as! [String: Any]
            entry["shape"] = [9, 8]
            header["wpe.weight"] = entry
        } }
        #expect(message.contains("'wpe.weight'") && message.contains("needs 288 bytes"))
    }

    @Test func headerLengthOffByOneShiftsNothing() throws {
        for change in [-1, 1] {
            let message = try loadError { url in
                var bytes = try Data(contentsOf: url)
                let length = Int(bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
                // Our writer pads the header with spaces, so one byte more or less still parses as JSON.
                for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: UInt64(length + change) >> (8 * UInt64(i))) }
                try bytes.write(to: url)
            }
            // A header that still parses covers one data byte more or less than the tensors.
            #expect(message.contains("model.safetensors") && (message.contains("data bytes") || message.contains("not valid JSON")),
                    "\(change): \(message)")
        }
    }

    @Test func overlappingOrAliasedOffsets() throws {
        let aliased = try loadError { try editHeader($0) { header in
            header["ln_f.bias"] = header["ln_f.weight"]   // two names, the same bytes
        } }
        #expect(aliased.contains("inside the bytes of another tensor") || aliased.contains("leaving bytes"), "\(aliased)")
        let gap = try loadError { try editHeader($0) { header in
            var entry = header["wpe.weight"] as! [String: Any]
            let offsets = entry["data_offsets"] as! [Int]
            entry["data_offsets"] = [offsets[0] + 4, offsets[1] + 4]   // the same size, one value later
            header["wpe.weight"] = entry
        } }
        #expect(gap.contains("'wpe.weight'") && (gap.contains("leaving bytes") || gap.contains("outside")), "\(gap)")
    }

    @Test func aKeyNamedTwiceIsRefused() throws {
        let message = try loadError { url in
            let bytes = try Data(contentsOf: url)
            let length = Int(bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
            var header = String(decoding: bytes[8 ..< 8 + length], as: UTF8.self)
            // Spell "ln_f.bias" a second time, with an escape, in place of "ln_f.weight".
            header = header.replacingOccurrences(of: "\"ln_f.weight\"", with: "\"ln_f.bi\\u0061s\"")
            var out = Data()
            var newLength = UInt64(header.utf8.count).littleEndian
            withUnsafeBytes(of: &newLength) { out.append(contentsOf: $0) }
            out.append(Data(header.utf8))
            out.append(bytes[(8 + length)...])
            try out.write(to: url)
        }
        #expect(message.contains("'ln_f.bias'") && message.contains("twice"), "\(message)")
    }

    @Test func configProblems() throws {
        let directory = temporaryDirectory()
        try Checkpoint.save(GPT(config: tinyConfig, seed: 1), to: directory)
        let configURL = directory.appendingPathComponent("config.json")
        try Data("{\"n_embd\": 8".utf8).write(to: configURL)
        #expect(throws: CheckpointError.self) { try Checkpoint.load(from: directory) }
        try Data("{\"n_embd\": 9, \"n_head\": 2, \"n_layer\": 1, \"n_positions\": 4, \"vocab_size\": 5}".utf8).write(to: configURL)
        do { _ = try Checkpoint.load(from: directory); Issue.record("loaded a config with 9 channels over 2 heads") } catch {
            #expect("\(error)".contains("config.json") && "\(error)".contains("not divisible"))
        }
        try Data("{\"n_embd\": 8, \"n_layer\": 1, \"n_positions\": 4, \"vocab_size\": 5}".utf8).write(to: configURL)
        do { _ = try Checkpoint.load(from: directory); Issue.record("loaded a config without n_head") } catch {
            #expect("\(error)".contains("n_head"))
        }
        try FileManager.default.removeItem(at: configURL)
        do { _ = try Checkpoint.load(from: directory); Issue.record("loaded without config.json") } catch {
            #expect("\(error)".contains("config.json") && "\(error)".contains("missing"))
        }
    }

    /// Sizes from config.json are bounded before anything is allocated for them.
    @Test func absurdSizesAreRefusedBeforeAllocating() throws {
        let directory = temporaryDirectory()
        try Checkpoint.save(GPT(config: tinyConfig, seed: 1), to: directory)
        let configURL = directory.appendingPathComponent("config.json")
        for (json, expected) in [("\"vocab_size\": 1000000000000, \"n_embd\": 8", "vocabularySize 1000000000000 is more than"),
                                 ("\"vocab_size\": 11, \"n_embd\": 4611686018427387904", "embeddingWidth 4611686018427387904 is more than"),
                                 ("\"vocab_size\": 1048576, \"n_embd\": 65536", "parameters is more than this program holds")] {
            try Data("{\(json), \"n_head\": 2, \"n_layer\": 2, \"n_positions\": 8}".utf8).write(to: configURL)
            do { _ = try Checkpoint.load(from: directory); Issue.record("loaded \(json)") } catch {
                #expect("\(error)".contains("config.json") && "\(error)".contains(expected), "\(error)")
            }
        }
    }

    /// A config that names another architecture is refused by its key, not loaded into ours;
    /// Hugging Face's full GPT2Config with our values (a PyTorch run's output) loads.
    @Test func anotherArchitectureIsRefusedByName() throws {
        let directory = temporaryDirectory()
        try Checkpoint.save(GPT(config: tinyConfig, seed: 1), to: directory)
        let configURL = directory.appendingPathComponent("config.json")
        let sizes = "\"n_embd\": \(tinyConfig.embeddingWidth), \"n_head\": \(tinyConfig.headCount), \"n_layer\": \(tinyConfig.layerCount), \"n_positions\": \(tinyConfig.contextLength), \"vocab_size\": \(tinyConfig.vocabularySize)"
        for (extra, key) in [("\"model_type\": \"llama\"", "model_type"), ("\"activation_function\": \"relu\"", "activation_function"),
                             ("\"layer_norm_epsilon\": 1e-6", "layer_norm_epsilon"), ("\"n_inner\": 7", "n_inner"),
                             ("\"tie_word_embeddings\": false", "tie_word_embeddings"), ("\"scale_attn_by_inverse_layer_idx\": true", "scale_attn_by_inverse_layer_idx")] {
            try Data("{\(sizes), \(extra)}".utf8).write(to: configURL)
            do { _ = try Checkpoint.load(from: directory); Issue.record("loaded \(extra)") } catch {
                #expect("\(error)".contains(key) && "\(error)".contains("different architecture"), "\(error)")
            }
        }
        let full = "\"model_type\": \"gpt2\", \"activation_function\": \"gelu_new\", \"layer_norm_epsilon\": 1e-05, \"n_inner\": null, \"tie_word_embeddings\": true, \"n_ctx\": 4, \"bos_token_id\": 3, \"architectures\": [\"GPT2LMHeadModel\"]"
        try Data("{\(sizes), \(full)}".utf8).write(to: configURL)
        #expect(try Checkpoint.load(from: directory).config == tinyConfig)
    }

    /// A file with more blocks than config.json's n_layer is a mismatch, not a smaller model.
    @Test func moreLayersThanTheConfigSays() throws {
        let directory = temporaryDirectory()
        try Checkpoint.save(GPT(config: tinyConfig, seed: 1), to: directory)   // 2 layers
        var smaller = tinyConfig
        smaller.layerCount = 1
        try JSONEncoder().encode(smaller).write(to: directory.appendingPathComponent("config.json"))
        do { _ = try Checkpoint.load(from: directory); Issue.record("loaded 2 layers as 1") } catch {
            #expect("\(error)".contains("holds layer 1") && "\(error)".contains("n_layer 1"))
        }
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteWeightsAreRefusedByName(bad: Float) throws {
        let directory = temporaryDirectory()
        let model = GPT(config: tinyConfig, seed: 1)
        model.blocks[1].mlp.expand.bias.data[3] = bad
        try Checkpoint.save(model, to: directory)
        do { _ = try Checkpoint.load(from: directory); Issue.record("loaded a \(bad) weight") } catch {
            #expect("\(error)".contains("'h.1.mlp.c_fc.bias'") && "\(error)".contains("index 3") && "\(error)".contains("finite"))
        }
    }

    /// Issue 34: finite weights that overflow (wte = 3e38) loaded, and replies printed NULs.
    @Test func finiteWeightsThatOverflowAreRefusedNamingTheModel() throws {
        let directory = temporaryDirectory()
        let model = GPT(config: tinyConfig, seed: 1)
        for i in 0..<model.tokenEmbedding.count { model.tokenEmbedding.data[i] = 3e38 }
        try Checkpoint.save(model, to: directory)
        do { _ = try Checkpoint.load(from: directory); Issue.record("loaded weights that overflow") } catch {
            #expect("\(error)".hasPrefix("\(directory.appendingPathComponent("model.safetensors").path): the weights are finite but overflow"), "\(error)")
        }
    }

    /// Issue 34: a fractional size in config.json was reported as "not valid JSON".
    @Test func aFractionalSizeSaysTheKeyMustBeAWholeNumber() throws {
        let directory = temporaryDirectory()
        try Checkpoint.save(GPT(config: tinyConfig, seed: 1), to: directory)
        try Data("{\"n_embd\": 8.5, \"n_head\": 2, \"n_layer\": 2, \"n_positions\": 4, \"vocab_size\": 11}".utf8)
            .write(to: directory.appendingPathComponent("config.json"))
        do { _ = try Checkpoint.load(from: directory); Issue.record("loaded n_embd 8.5") } catch {
            #expect("\(error)".contains("'n_embd' must be a whole number"), "\(error)")
            #expect(!"\(error)".contains("valid JSON"), "\(error)")
        }
    }

    @Test func aFailedWriteKeepsTheOldFile() throws {
        let directory = temporaryDirectory()
        let url = directory.appendingPathComponent("x.safetensors")
        try SafeTensorsFile.write([(name: "a", shape: [1], values: [1])], to: url)
        // A directory where the temporary file would go makes the write fail.
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: directory.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path) }
        if getuid() != 0 {   // root ignores permissions: nothing to observe
            #expect(throws: (any Error).self) { try SafeTensorsFile.write([(name: "a", shape: [1], values: [2])], to: url) }
        }
        #expect(try SafeTensorsFile(contentsOf: url).values("a") == [1])
    }
}
