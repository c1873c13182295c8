// Shared fixtures of ChatTests and StepperTests: a small tokenizer and a randomly initialised
// GPT that belong together. A target of its own, so both test targets import one copy.

import BytePairEncoding
import Chat
import Foundation
import Transformer

public let fixtureText = String(repeating: "the cat sat on the mat. the dog sat on the log. a cat and a dog met.\n", count: 20)

func fixtureTokenizer(separator: Bool = true) -> Tokenizer {
    try! BPETrainer.train(text: fixtureText, vocabularySize: 300, specialTokens: separator ? [LanguageModel.documentSeparator] : [])
}

public func fixtureModel(contextLength: Int = 16, separator: Bool = true) -> LanguageModel {
    let tokenizer = fixtureTokenizer(separator: separator)
    let config = GPTConfig(vocabularySize: tokenizer.vocabularySize, contextLength: contextLength,
                           layerCount: 2, headCount: 2, embeddingWidth: 16)
    return try! LanguageModel(name: "fixture", model: GPT(config: config, seed: 7), tokenizer: tokenizer)
}

/// A fixture model that knows the course's chat format.
public func chatFixtureModel(contextLength: Int = 48) -> LanguageModel {
    let tokenizer = try! BPETrainer.train(text: fixtureText, vocabularySize: 300,
                                          specialTokens: [LanguageModel.documentSeparator] + ChatFormat.course.specialTokens)
    let config = GPTConfig(vocabularySize: tokenizer.vocabularySize, contextLength: contextLength,
                           layerCount: 2, headCount: 2, embeddingWidth: 16)
    return try! LanguageModel(name: "chat-fixture", model: GPT(config: config, seed: 7), tokenizer: tokenizer, chatFormat: .course)
}

public func temporaryDirectory(_ label: String = #function) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("tokenwise-fixture-\(label.filter(\.isLetter))-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The next-token logits of a fresh session that reads `tokens`.
public func freshLogits(_ model: LanguageModel, _ tokens: [Int]) -> [Float] {
    let session = InferenceSession(model: model.model)
    return session.feed(tokens.suffix(model.model.config.contextLength).map(Int32.init))!.logits
}
