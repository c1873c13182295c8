// A model the stepper (and the lessons) can drive: a GPT and the tokenizer whose ids it reads.
// On disk it is one directory: config.json + model.safetensors (see `Checkpoint`) and either
// our tokenizer file (bpe.tokenizer) or GPT-2's vocab.json + merges.txt, so the files Hugging
// Face publishes for GPT-2 124M load as they are.

import BytePairEncoding
import Foundation
import Transformer

public struct LanguageModelError: Error, CustomStringConvertible {
    public let description: String
}

public struct LanguageModel {
    public let name: String
    public let model: GPT
    public let tokenizer: Tokenizer
    /// How conversations are written for this model (nil: a base model, no chat format).
    public let chatFormat: ChatFormat?

    public static let tokenizerFile = "bpe.tokenizer"
    /// The token that separates documents; a sample with an empty prompt starts from it.
    public static let documentSeparator = "<|endoftext|>"

    public init(
        name: String, model: GPT, tokenizer: Tokenizer, chatFormat: ChatFormat? = nil
    ) throws {
        guard tokenizer.vocabularySize <= model.config.vocabularySize else {
            throw LanguageModelError(
                description:
                    "\(name): the tokenizer has \(tokenizer.vocabularySize) tokens but the model only \(model.config.vocabularySize): they do not belong together"
            )
        }
        self.name = name
        self.model = model
        self.tokenizer = tokenizer
        self.chatFormat = chatFormat
        if let chatFormat { _ = try ChatTokens(format: chatFormat, tokenizer: tokenizer) }
    }

    /// The same weights and tokenizer under another name or chat format.
    public func with(name: String? = nil, chatFormat: ChatFormat?) throws -> LanguageModel {
        try LanguageModel(
            name: name ?? self.name, model: model, tokenizer: tokenizer, chatFormat: chatFormat)
    }

    /// The chat format bound to this tokenizer; an error naming the model when it has none.
    public func chatTokens() throws -> ChatTokens {
        guard let chatFormat else {
            throw LanguageModelError(
                description:
                    "\(name): has no chat format (\(ChatFormat.fileName)), so it cannot hold a conversation; a base model continues documents (lesson 7 finetunes one into 'sft')"
            )
        }
        return try ChatTokens(format: chatFormat, tokenizer: tokenizer)
    }

    /// The token a document starts with, where the tokenizer has one.
    public var startToken: Int? { tokenizer.specialTokens[Self.documentSeparator] }

    /// Reads a model directory (ours or GPT-2's Hugging Face files). Our weights file records
    /// the tokenizer they were trained with: a tokenizer file that reads text otherwise (cut
    /// short, specials swapped, another split pattern) is refused, as is a tokenizer.json beside
    /// our bpe.tokenizer that disagrees with it (Hugging Face would read that one).
    public static func load(from directory: URL, name: String? = nil) throws -> LanguageModel {
        guard let kind = FileKind.describe(directory.path) else {
            throw LanguageModelError(
                description:
                    "\(directory.path): no such model directory (it should hold \(Checkpoint.configFile), \(Checkpoint.weightsFile) and a tokenizer)"
            )
        }
        guard kind == "a folder" else {
            throw LanguageModelError(
                description:
                    "\(directory.path): is \(kind), not a model directory (one holding \(Checkpoint.configFile), \(Checkpoint.weightsFile) and a tokenizer)"
            )
        }
        let config = directory.appendingPathComponent(Checkpoint.configFile)
        if FileKind.notRegularFile(config) == nil,
            let data = FileManager.default.contents(atPath: config.path),
            let key = JSONDuplicateKeys.first(in: data)
        {
            throw LanguageModelError(
                description:
                    "\(config.path): the key '\(TerminalText.sanitize(String(key.prefix(80)), keepingNewlines: false))' is given twice (Foundation reads the first value, Hugging Face the last); keep one"
            )
        }
        let (model, metadata) = try Checkpoint.loadWithMetadata(from: directory)
        let ours = directory.appendingPathComponent(tokenizerFile)
        let tokenizerURL: URL
        let tokenizer: Tokenizer
        if FileManager.default.fileExists(atPath: ours.path) {
            try refuseIrregular(ours)
            tokenizerURL = ours
            tokenizer = try Tokenizer.load(from: ours)
            try checkHuggingFaceTokenizer(beside: ours, agreesWith: tokenizer)
        } else if FileManager.default.fileExists(
            atPath: directory.appendingPathComponent("vocab.json").path)
        {
            tokenizerURL = directory.appendingPathComponent("vocab.json")
            tokenizer = try GPT2Files.load(from: directory)
        } else {
            throw LanguageModelError(
                description:
                    "\(directory.path): no tokenizer (expected \(tokenizerFile), or GPT-2's vocab.json and merges.txt)"
            )
        }
        if let recorded = metadata[Self.tokenizerMetadataKey] {
            let weights = directory.appendingPathComponent(Checkpoint.weightsFile).path
            let trained: Tokenizer
            do { trained = try Tokenizer.parse(recorded, file: "\(weights) (its tokenizer)") }
            catch { throw LanguageModelError(description: "\(error)") }
            if let difference = tokenizer.difference(from: trained) {
                throw LanguageModelError(
                    description:
                        "\(tokenizerURL.path): not the tokenizer \(Checkpoint.weightsFile) was trained with (recorded in its metadata): \(difference)"
                )
            }
        }
        let formatURL = directory.appendingPathComponent(ChatFormat.fileName)
        let hasChatFormat = FileManager.default.fileExists(atPath: formatURL.path)
        if hasChatFormat { try refuseIrregular(formatURL) }
        let chatFormat = hasChatFormat ? try ChatFormat.load(from: directory) : nil
        return try LanguageModel(
            name: name ?? directory.lastPathComponent, model: model, tokenizer: tokenizer,
            chatFormat: chatFormat)
    }

    /// The safetensors metadata key under which `save` records the tokenizer's file text.
    public static let tokenizerMetadataKey = "tokenwise.tokenizer"

    static func refuseIrregular(_ url: URL) throws {
        if let problem = FileKind.notRegularFile(url) {
            throw LanguageModelError(description: problem)
        }
    }

    /// An export carries tokenizer.json beside bpe.tokenizer; Hugging Face reads the first and
    /// we the second, so an edited one would give PyTorch other ids without a word. Refused.
    static func checkHuggingFaceTokenizer(beside ours: URL, agreesWith tokenizer: Tokenizer) throws {
        let url = ours.deletingLastPathComponent().appendingPathComponent(
            Tokenizer.huggingFaceFileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        try refuseIrregular(url)
        let theirs: Tokenizer
        do { theirs = try Tokenizer.loadHuggingFaceJSON(from: url) } catch {
            throw LanguageModelError(
                description:
                    "\(error) (it sits beside \(tokenizerFile), so Hugging Face would read other ids than tokenwise: fix it or remove it)"
            )
        }
        if let difference = theirs.difference(from: tokenizer) {
            throw LanguageModelError(
                description:
                    "\(url.path): disagrees with \(tokenizerFile) beside it (\(difference)): Hugging Face reads that file and tokenwise this one; re-export, or remove the one that is wrong"
            )
        }
    }

    /// Writes the model and our tokenizer file into `directory`.
    public func save(to directory: URL) throws {
        try Checkpoint.save(
            model, to: directory, metadata: [Self.tokenizerMetadataKey: tokenizer.serialized()])
        let tokenizerURL = directory.appendingPathComponent(Self.tokenizerFile)
        try FileWriteError.naming(tokenizerURL.path) { try tokenizer.save(to: tokenizerURL) }
        try chatFormat?.save(to: directory)
    }

    /// A token's text for a screen or a page: its bytes made readable, with the markers the
    /// figures use (Figures' `FigureRenderer.token`): a space as ·, a newline as ↵, a tab as →,
    /// so " the" and "the" differ at a glance and a context reads as one line.
    public func label(of token: Int) -> String { Self.label(of: token, in: tokenizer) }

    /// The same for any tokenizer (lesson 02 shows a tokenizer with no model).
    public static func label(of token: Int, in tokenizer: Tokenizer) -> String {
        if tokenizer.specialName(of: token) != nil { return tokenizer.label(of: token) }
        guard let bytes = try? tokenizer.bytes(of: token) else { return tokenizer.label(of: token) }
        var out = ""
        var run: [UInt8] = []
        for byte in bytes {
            guard let marker = Self.whitespaceMarkers[byte] else { run.append(byte); continue }
            out += Tokenizer.display(run) + marker
            run.removeAll()
        }
        return out + Tokenizer.display(run)
    }

    static let whitespaceMarkers: [UInt8: String] = [0x20: "·", 0x0A: "↵", 0x09: "→"]
}
