// A model on disk, in the ecosystem's formats: a directory with `config.json` (GPT-2's keys)
// and `model.safetensors` (GPT-2's tensor names and layouts: its linear weights are stored
// (in, out), "Conv1D" style, so they are transposed on the way in and out). A training
// checkpoint adds `optimizer.safetensors` (AdamW's moments) and `trainer.json` (step, data
// position), enough to resume exactly. Every file is written atomically.

import Autograd
import Foundation

public struct CheckpointError: Error, CustomStringConvertible {
    public let description: String
}

public enum Checkpoint {
    public static let configFile = "config.json"
    public static let weightsFile = "model.safetensors"

    /// Hugging Face's GPT-2 keeps these weights as (in, out); ours are (out, in).
    static func isTransposedInFile(_ name: String) -> Bool {
        name.hasSuffix(".weight") && (name.contains(".attn.c_") || name.contains(".mlp.c_"))
    }

    /// Writes config.json and model.safetensors into `directory` (created if needed).
    public static func save(
        _ model: GPT, to directory: URL, metadata: [String: String] = [:]
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(
            try encoder.encode(model.config), to: directory.appendingPathComponent(configFile))
        let stored = model.parameters.map { p -> (name: String, shape: [Int], values: [Float]) in
            guard isTransposedInFile(p.name) else { return (p.name, p.shape, p.values) }
            return (
                p.name, [p.shape[1], p.shape[0]],
                transpose(p.values, rows: p.shape[0], columns: p.shape[1])
            )
        }
        try SafeTensorsFile.write(
            stored, metadata: metadata.merging(["format": "pt"]) { a, _ in a },
            to: directory.appendingPathComponent(weightsFile))
    }

    /// Reads a model saved by `save` (or GPT-2's own files with the same names).
    public static func load(from directory: URL) throws -> GPT {
        try loadWithMetadata(from: directory).model
    }

    /// The model and the weights file's `__metadata__` (where `save` records what belongs with
    /// the weights, such as the tokenizer they were trained with).
    public static func loadWithMetadata(from directory: URL) throws -> (
        model: GPT, metadata: [String: String]
    ) {
        let config = try loadConfig(from: directory)
        if let problem = FileKind.notRegularFile(directory.appendingPathComponent(weightsFile)) {
            throw CheckpointError(description: problem)
        }
        let file = try SafeTensorsFile(contentsOf: directory.appendingPathComponent(weightsFile))
        // GPT2LMHeadModel saves its trunk under "transformer."; the published gpt2 files do not.
        let prefix =
            file.entries["wte.weight"] == nil && file.entries["transformer.wte.weight"] != nil
            ? "transformer." : ""
        // Blocks beyond n_layer mean the config does not describe these weights.
        let layers = file.entries.keys.compactMap { name -> Int? in
            guard name.hasPrefix(prefix + "h.") else { return nil }
            return Int(name.dropFirst(prefix.count + 2).prefix { $0.isNumber })
        }
        if let deepest = layers.max(), deepest >= config.layerCount {
            throw CheckpointError(
                description:
                    "\(directory.appendingPathComponent(weightsFile).path): holds layer \(deepest) but \(configFile) says n_layer \(config.layerCount)"
            )
        }
        let model = GPT(config: config, seed: 0)
        for p in model.parameters {
            let values: [Float]
            if isTransposedInFile(p.name) {
                values = transpose(
                    try file.values(prefix + p.name, shape: [p.shape[1], p.shape[0]]),
                    rows: p.shape[1], columns: p.shape[0])
            } else {
                values = try file.values(prefix + p.name, shape: p.shape)
            }
            // A NaN or infinite weight would make every output NaN: refuse it here, by name.
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw CheckpointError(
                    description:
                        "\(directory.appendingPathComponent(weightsFile).path): tensor '\(prefix + p.name)' holds \(values[bad]) at index \(bad) (weights must be finite)"
                )
            }
            copy(values, into: p)
        }
        // Finite weights can still overflow (an embedding of 3e38 makes LayerNorm's variance
        // infinite): one forward pass on token 0 catches it here, before any reply prints NULs.
        let logits = InferenceSession(model: model).feed(0).logits
        if let bad = logits.firstIndex(where: { !$0.isFinite }) {
            throw CheckpointError(
                description:
                    "\(directory.appendingPathComponent(weightsFile).path): the weights are finite but overflow: one forward pass on token 0 gives logit \(bad) = \(logits[bad]); this model cannot give probabilities"
            )
        }
        return (model, file.metadata)
    }

    public static func loadConfig(from directory: URL) throws -> GPTConfig {
        let url = directory.appendingPathComponent(configFile)
        if let problem = FileKind.notRegularFile(url) { throw CheckpointError(description: problem) }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CheckpointError(
                description:
                    "\(url.path): missing (a checkpoint directory holds \(configFile) and \(weightsFile))"
            )
        }
        let config: GPTConfig
        do { config = try JSONDecoder().decode(GPTConfig.self, from: data) } catch {
            throw CheckpointError(
                description: "\(url.path): not a valid GPT config (\(describe(error)))")
        }
        if let problem = config.validationError() {
            throw CheckpointError(description: "\(url.path): \(problem)")
        }
        return config
    }

    static func copy(_ values: [Float], into tensor: Tensor) {
        values.withUnsafeBufferPointer {
            tensor.data.update(from: $0.baseAddress!, count: tensor.count)
        }
    }

    static func transpose(_ values: [Float], rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        for r in 0..<rows { for c in 0..<columns { out[c * rows + r] = values[r * columns + c] } }
        return out
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context),
            DecodingError.valueNotFound(_, let context):
            return "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty:
            // A size of 8.5 (or 1e30) is no Int: say so by key, not as broken JSON.
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "'\(key)' must be a whole number in range (\(context.debugDescription))"
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        default: return "\(error)"
        }
    }
}
