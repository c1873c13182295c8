// A course model as a folder PyTorch and Hugging Face read as they are (`tokenwise export`):
//   config.json, model.safetensors    GPT-2's layout: transformers.GPT2LMHeadModel loads it
//   tokenizer.json, tokenizer_config.json, special_tokens_map.json, generation_config.json
//                                     AutoTokenizer gives our ids; the chat format as a template
//   bpe.tokenizer (+ chat_format.json) our own files, so the folder is also a tokenwise model
//   data/                             the corpus as token shards (and, with --sft, the
//                                     conversations with their loss masks): see TokenShards
// The folder appears whole or not at all: it is written beside the target, then renamed.

import Foundation
import LessonRuntime

public struct ExportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The token streams an export carries.
public struct ExportData {
    /// Documents' tokens, each followed by the separator: training and held-out parts.
    public var train: [Int32]
    public var validation: [Int32]
    /// Where the text came from, for the header.
    public var source: String
    /// Conversation rows (T + 1 tokens each) with their per-token loss weights, and the
    /// chat format that wrote them; nil without --sft.
    public var finetuning: (train: [RenderedChat], heldOut: [RenderedChat], format: ChatFormat)?

    public init(
        train: [Int32], validation: [Int32], source: String,
        finetuning: (train: [RenderedChat], heldOut: [RenderedChat], format: ChatFormat)? = nil
    ) {
        self.train = train; self.validation = validation; self.source = source
        self.finetuning = finetuning
    }

    /// The course's data for `model`: the tiny web (or a text file), split as pretraining
    /// splits it, and with `finetuning` lesson 7's conversations.
    public static func course(
        for model: LanguageModel, corpusPath: String, finetuning: Bool
    ) throws -> ExportData {
        let documents = try CourseData.documents(corpusPath: corpusPath)
        let (train, validation) = Pretraining.split(documents)
        guard model.tokenizer.specialTokens[LanguageModel.documentSeparator] != nil else {
            throw ExportError(
                "\(model.name): its tokenizer has no \(LanguageModel.documentSeparator) to separate documents in the shards"
            )
        }
        var data = ExportData(
            train: CourseData.tokens(train, tokenizer: model.tokenizer),
            validation: CourseData.tokens(validation, tokenizer: model.tokenizer),
            source: corpusPath.isEmpty
                ? "the tiny web (\(isQuick ? "quick" : "full") scale), \(documents.count) documents"
                : corpusPath)
        if finetuning {
            let format = model.chatFormat ?? .course
            let chat = try ChatTokens(format: format, tokenizer: model.tokenizer)
            let (training, heldOut) = try AssistantRecipe.standard.conversations()
            let length = model.model.config.contextLength + 1
            data.finetuning = (
                Finetuning.rows(training.map(\.messages), chat: chat, length: length),
                Finetuning.rows(heldOut.map(\.messages), chat: chat, length: length), format
            )
        }
        return data
    }
}

public enum ModelExport {
    public static let dataFolder = "data"

    /// Writes `model` and `data` as a new folder `directory`. An existing folder is an error
    /// unless `replace`; then it is swapped out only once the new one is complete.
    public static func write(
        _ model: LanguageModel, data: ExportData?, to directory: URL, replace: Bool
    ) throws {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: directory.path) && !replace {
            throw ExportError("\(directory.path): already exists (pass --force to replace it)")
        }
        let parent = directory.deletingLastPathComponent()
        try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(
            ".\(directory.lastPathComponent)-\(UUID().uuidString)")
        defer { try? fileManager.removeItem(at: staging) }   // a leftover only if writing failed
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)

        try model.save(to: staging)
        try AtomicFile.write(
            try huggingFaceConfig(model), to: staging.appendingPathComponent("config.json"))
        try AtomicFile.write(
            try model.tokenizer.huggingFaceJSON(),
            to: staging.appendingPathComponent("tokenizer.json"))
        try writeJSON(
            tokenizerConfig(model), to: staging.appendingPathComponent("tokenizer_config.json"))
        let separator = LanguageModel.documentSeparator
        try writeJSON(
            ["bos_token": separator, "eos_token": separator],
            to: staging.appendingPathComponent("special_tokens_map.json"))
        try writeJSON(
            generationConfig(model), to: staging.appendingPathComponent("generation_config.json"))
        if let data {
            let folder = staging.appendingPathComponent(dataFolder)
            try fileManager.createDirectory(at: folder, withIntermediateDirectories: false)
            try TokenShards.write(
                data, vocabularySize: model.model.config.vocabularySize,
                separator: model.tokenizer.specialTokens[separator] ?? -1, to: folder)
        }

        try AtomicFile.replaceDirectory(directory, with: staging)
    }

    /// GPT2Config with our sizes and token ids. Dropout is 0 because our trainer has none, so
    /// a PyTorch run continues the same model, not a regularised variant of it.
    static func huggingFaceConfig(_ model: LanguageModel) throws -> Data {
        let c = model.model.config
        let separator = model.tokenizer.specialTokens[LanguageModel.documentSeparator]
        let config: [String: Any] = [
            "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
            "vocab_size": c.vocabularySize, "n_positions": c.contextLength,
            "n_ctx": c.contextLength,
            "n_embd": c.embeddingWidth, "n_layer": c.layerCount, "n_head": c.headCount,
            "n_inner": NSNull(),
            "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
            "initializer_range": 0.02,
            "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "summary_first_dropout": 0.0,
            "tie_word_embeddings": true, "scale_attn_weights": true, "use_cache": true,
            "bos_token_id": separator.map { $0 as Any } ?? NSNull(),
            "eos_token_id": separator.map { $0 as Any } ?? NSNull(),
            "torch_dtype": "float32",
        ]
        return try JSONSerialization.data(
            withJSONObject: config, options: [.sortedKeys, .prettyPrinted])
    }

    static func tokenizerConfig(_ model: LanguageModel) -> [String: Any] {
        let separator = LanguageModel.documentSeparator
        var config: [String: Any] = [
            "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": separator,
            "eos_token": separator,
            "model_max_length": model.model.config.contextLength,
            "clean_up_tokenization_spaces": false,
            "add_bos_token": false, "add_eos_token": false,
        ]
        if let format = model.chatFormat { config["chat_template"] = chatTemplate(format) }
        return config
    }

    /// Generation stops at the document separator, and for a chat model also at the turn's end.
    static func generationConfig(_ model: LanguageModel) -> [String: Any] {
        let ids = [LanguageModel.documentSeparator, model.chatFormat?.end].compactMap {
            $0.flatMap { model.tokenizer.specialTokens[$0] }
        }
        var config: [String: Any] = ["eos_token_id": ids.count == 1 ? ids[0] as Any : ids as Any]
        if let first = ids.first { config["bos_token_id"] = first }
        return config
    }

    /// The chat format as a Jinja template (what `tokenizer.apply_chat_template` runs): the same
    /// tokens `ChatTokens.render` writes. Searches inside a turn are not in it: they are the
    /// runtime's doing, not a message's.
    public static func chatTemplate(_ format: ChatFormat) -> String {
        // Each token as a Jinja string literal.
        func q(_ text: String) -> String {
            "'"
                + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                    of: "'", with: "\\'") + "'"
        }
        return "{{ \(q(format.start)) }}{% for message in messages %}"
            + "{% if message['role'] == 'system' %}{{ \(q(format.system)) }}"
            + "{% elif message['role'] == 'user' %}{{ \(q(format.user)) }}"
            + "{% else %}{{ \(q(format.assistant)) }}{% endif %}"
            + "{{ message['content'] + \(q(format.end)) }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ \(q(format.assistant)) }}{% endif %}"
    }

    static func writeJSON(_ object: [String: Any], to url: URL) throws {
        try AtomicFile.write(
            try JSONSerialization.data(
                withJSONObject: object,
                options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]), to: url)
    }
}
