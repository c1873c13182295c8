// A course model as a folder PyTorch and Hugging Face read as they are (`tokenwise export`):
//   config.json, model.safetensors    GPT-2's layout: transformers.GPT2LMHeadModel loads it
//   tokenizer.json, tokenizer_config.json, special_tokens_map.json, generation_config.json
//                                     AutoTokenizer gives our ids; the chat format as a template
//   bpe.tokenizer (+ chat_format.json) our own files, so the folder is also a tokenwise model
//   data/                             the corpus as token shards (and, with --sft, the
//                                     conversations with their loss masks): see TokenShards
// The folder appears whole or not at all: it is written beside the target, then renamed in one
// step (renameat2). It carries a marker listing what it wrote, and --force replaces only a folder
// whose every file that marker lists: never the workspace, the current folder or anyone's notes.

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

    /// The file every export carries: the names it wrote, one a line. Only a folder holding
    /// this file and nothing it does not list may be replaced.
    public static let markerFile = ".tokenwise-export"

    /// Writes `model` and `data` as a new folder `directory`. An existing folder is an error
    /// unless `replace` and it is an earlier export (see `markerFile`); then it is swapped out in
    /// one rename once the new one is complete. `protected` folders (the workspace, the current
    /// folder, each with the role an error names it by) and every folder above them are refused by name, as is any folder inside a
    /// `catalogs` folder (published models). Exports into one parent folder
    /// take turns (an flock on the parent), so two exports to one target cannot both succeed.
    public static func write(
        _ model: LanguageModel, data: ExportData?, to directory: URL, replace: Bool,
        protected: [(folder: URL, role: String)] = [], catalogs: [URL] = []
    ) throws {
        let fileManager = FileManager.default
        let target = try preflight(directory, replace: replace, protected: protected, catalogs: catalogs)
        let parent = target.deletingLastPathComponent()
        try FileWriteError.naming(parent.path) {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        }
        try lockingFolder(parent) {
            sweepStaging(of: target)
            let staging = parent.appendingPathComponent(
                ".\(target.lastPathComponent)\(stagingInfix)\(UUID().uuidString)")
            defer { try? fileManager.removeItem(at: staging) }   // staging on failure; the old export after a swap
            // A failure inside names the file (in the staging folder) and says why in words.
            try FileWriteError.naming(target.path) {
                try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
                try writeFiles(model, data: data, to: staging)
            }
            try install(staging, at: target, replace: replace)
        }
    }

    /// The checks `write` starts with, for a caller to run before its slow part (sharding):
    /// returns the target as an absolute path, or throws what `write` would refuse.
    @discardableResult
    public static func preflight(
        _ directory: URL, replace: Bool, protected: [(folder: URL, role: String)] = [],
        catalogs: [URL] = []
    ) throws -> URL {
        let target = try checkTarget(directory, protected: protected, catalogs: catalogs)
        if exists(target) {
            guard replace else {
                throw ExportError("\(target.path): already exists (pass --force to replace an earlier export)")
            }
            try checkReplaceable(target)
        }
        return target
    }

    /// The target as an absolute path, refused if it is `/`, a symbolic link, a protected
    /// folder, one above it, or inside a model catalog.
    static func checkTarget(
        _ directory: URL, protected: [(folder: URL, role: String)], catalogs: [URL] = []
    ) throws -> URL {
        let target = resolved(directory)
        if target.path == "/" { throw ExportError("/: refusing to export over the root folder") }
        if let kind = try? FileManager.default.attributesOfItem(atPath: target.path)[.type]
            as? FileAttributeType, kind == .typeSymbolicLink
        {
            throw ExportError("\(target.path): is a symbolic link; export to a real folder")
        }
        for (folder, role) in protected.map({ (resolved($0.folder), $0.role) }) {
            if folder.path == target.path {
                throw ExportError("\(target.path): is \(role); refusing to export over it")
            }
            if folder.path.hasPrefix(target.path + "/") {
                throw ExportError(
                    "\(target.path): holds \(role) (\(folder.path)); refusing to export over it")
            }
        }
        for catalog in catalogs.map(resolved) where target.path.hasPrefix(catalog.path + "/") {
            throw ExportError(
                "\(target.path): is inside the model catalog \(catalog.path); export elsewhere")
        }
        return target
    }

    /// The path with `.`, `..` and symbolic links above its last component resolved.
    static func resolved(_ url: URL) -> URL {
        let absolute = url.standardizedFileURL
        if absolute.path == "/" { return absolute }
        return absolute.deletingLastPathComponent().resolvingSymlinksInPath()
            .appendingPathComponent(absolute.lastPathComponent)
    }

    static func exists(_ url: URL) -> Bool {
        var status = stat()
        return lstat(url.path, &status) == 0
    }

    /// Throws unless `folder` is an earlier export: a real folder with the marker, holding
    /// nothing the marker does not list.
    static func checkReplaceable(_ folder: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else { throw ExportError("\(folder.path): is not a folder; refusing to replace it") }
        guard
            let marker = try? String(
                contentsOf: folder.appendingPathComponent(markerFile), encoding: .utf8)
        else {
            throw ExportError(
                "\(folder.path): not an earlier export (no \(markerFile) in it); refusing to replace it")
        }
        let listed = Set(marker.split(separator: "\n").map(String.init))
        let present = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        let foreign = present.filter { $0 != markerFile && !listed.contains($0) }.sorted()
        if !foreign.isEmpty {
            throw ExportError(
                "\(folder.path): holds files an export did not write (\(foreign.prefix(5).joined(separator: ", "))\(foreign.count > 5 ? ", …" : "")); refusing to replace it")
        }
    }

    /// Puts the complete `staging` at `target`: a plain move that fails if anything appeared
    /// there, or with `replace` one swap with the earlier export, checked again after the swap
    /// (and swapped back) in case someone put another folder there meanwhile.
    static func install(_ staging: URL, at target: URL, replace: Bool) throws {
        if replace && exists(target) {
            try checkReplaceable(target)
            try DirectoryRename.exchange(staging, target)
            do { try checkReplaceable(staging) } catch {
                try? DirectoryRename.exchange(staging, target)
                throw error
            }
            return
        }
        do { try DirectoryRename.moveNoReplace(staging, to: target) } catch let error
            as RenameError where error.code == EEXIST
        {
            throw ExportError(
                "\(target.path): appeared while exporting; left as it is (pass --force to replace an earlier export)")
        }
    }

    static let stagingInfix = ".export-"

    /// Removes staging folders of `target` that a killed export left (called holding the lock,
    /// so no live export owns one): `.NAME.export-UUID`, and the older `.NAME-UUID`.
    static func sweepStaging(of target: URL) {
        let parent = target.deletingLastPathComponent()
        let name = target.lastPathComponent
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        for entry in entries {
            for prefix in [".\(name)\(stagingInfix)", ".\(name)-"] where entry.hasPrefix(prefix) {
                if UUID(uuidString: String(entry.dropFirst(prefix.count))) != nil {
                    try? FileManager.default.removeItem(at: parent.appendingPathComponent(entry))
                }
            }
        }
    }

    /// Runs `body` holding an exclusive flock on the folder itself (no lock file left behind).
    static func lockingFolder<T>(_ folder: URL, _ body: () throws -> T) throws -> T {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ExportError("\(folder.path): cannot be opened to lock it (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw ExportError("\(folder.path): cannot be locked (\(String(cString: strerror(errno))))")
            }
        }
        return try body()
    }

    static func writeFiles(_ model: LanguageModel, data: ExportData?, to staging: URL) throws {
        let fileManager = FileManager.default
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

        let written = try fileManager.contentsOfDirectory(atPath: staging.path).sorted()
        try AtomicFile.write(
            Data(written.joined(separator: "\n").utf8),
            to: staging.appendingPathComponent(markerFile))
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
        if let format = model.chatFormat {
            config["chat_template"] = chatTemplate(
                format, escaping: Array(model.tokenizer.specialTokens.keys))
        }
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
    /// runtime's doing, not a message's. A special token's name in a message (the format's, and
    /// `escaping`: the tokenizer's others) is marked so Hugging Face reads it as text, as we do
    /// (`Tokenizer.huggingFaceEscaped`): typed "<|end|><|assistant|>" once forged a turn.
    public static func chatTemplate(
        _ format: ChatFormat,
        escaping names: [String] = [LanguageModel.documentSeparator]
    ) -> String {
        // Each token as a Jinja string literal.
        func q(_ text: String) -> String {
            "'"
                + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                    of: "'", with: "\\'") + "'"
        }
        let escapes = Tokenizer.huggingFaceEscapeOrder(Set(names + format.specialTokens)).map {
            " | replace(\(q($0)), \(q(Tokenizer.huggingFaceEscaped($0))))"
        }.joined()
        return "{{ \(q(format.start)) }}{% for message in messages %}"
            + "{% if message['role'] == 'system' %}{{ \(q(format.system)) }}"
            + "{% elif message['role'] == 'user' %}{{ \(q(format.user)) }}"
            + "{% else %}{{ \(q(format.assistant)) }}{% endif %}"
            + "{{ message['content']\(escapes) + \(q(format.end)) }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ \(q(format.assistant)) }}{% endif %}"
    }

    static func writeJSON(_ object: [String: Any], to url: URL) throws {
        try AtomicFile.write(
            try JSONSerialization.data(
                withJSONObject: object,
                options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]), to: url)
    }
}
