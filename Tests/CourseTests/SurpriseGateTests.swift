import Foundation
import Testing
@testable import Course

@Suite struct SurpriseGateTests {
    let judge: LanguageModel = {
        let tokenizer = try! BPETrainer.train(text: String(repeating: "Where was Ada Quill born? Ada Quill was born in Minu. ", count: 30),
                                              vocabularySize: 300, specialTokens: [LanguageModel.documentSeparator])
        let config = GPTConfig(vocabularySize: tokenizer.vocabularySize, contextLength: 24, layerCount: 2, headCount: 2, embeddingWidth: 16)
        return try! LanguageModel(name: "judge", model: GPT(config: config, seed: 5), tokenizer: tokenizer)
    }()

    @Test(arguments: [("Where was Ada Quill born?", "Ada Quill"), ("Who was the mother of Bo Lind?", "Bo Lind"),
                      ("What did Zed do?", "Zed"), ("where is it?", nil), ("Ada", nil)] as [(String, String?)])
    func theNameIsTheCapitalisedWordsAfterTheFirst(question: String, name: String?) {
        #expect(SurpriseGate.name(in: question) == name)
    }

    @Test func theSurpriseIsTheMeanLossOfTheNameAfterItsFirstToken() throws {
        let gate = SurpriseGate(judge: judge, threshold: 1)
        let nameTokens = judge.tokenizer.encode(" Ada Quill")
        try #require(nameTokens.count > 1)
        let context = judge.tokenizer.encode("Where was") + [nameTokens[0]]
        let expected = -ModelProbes.logProbability(judge, context: context, continuation: Array(nameTokens.dropFirst()))
            / Double(nameTokens.count - 1)
        #expect(abs(gate.surprise(ofNameIn: "Where was Ada Quill born?")! - expected) < 1e-12)
        #expect(gate.surprise(ofNameIn: "where is it?") == nil)
    }

    @Test func aNameLongerThanTheContextIsScoredOnWhatFits() throws {
        let long = "Where was " + Array(repeating: "Ada Quill", count: 40).joined(separator: " ") + " born?"
        let surprise = try #require(SurpriseGate(judge: judge, threshold: 1).surprise(ofNameIn: long))
        #expect(surprise.isFinite && surprise > 0)
    }

    /// Issue 34: a judge whose weights overflow gives NaN surprise, and `NaN > threshold` is
    /// false: the gate let every question through. It refuses instead.
    @Test func aNaNSurpriseRefusesSoTheGateNeverFailsOpen() throws {
        let overflowing = try LanguageModel(name: "judge", model: GPT(config: judge.model.config, seed: 5), tokenizer: judge.tokenizer)
        let embedding = overflowing.model.tokenEmbedding
        for i in 0..<embedding.count { embedding.data[i] = 3e38 }
        let gate = SurpriseGate(judge: overflowing, threshold: 100)
        #expect(gate.surprise(ofNameIn: "Where was Ada Quill born?")?.isNaN == true)
        #expect(gate.refusal(for: "Where was Ada Quill born?")?.reply == SurpriseGate.refusal("Ada Quill"))
    }

    /// Issue 34: the refusal echoed an 800 KB "name" whole.
    @Test func aRefusalEchoesAtMostEightyCharactersOfTheName() throws {
        let name = String(repeating: "Zq", count: 2_000)
        let refused = try #require(SurpriseGate(judge: judge, threshold: 0).refusal(for: "Where was \(name) born?"))
        #expect(refused.reply == SurpriseGate.refusal(String(name.prefix(80)) + "…"))
    }

    @Test func itRefusesOnlyAboveTheThreshold() throws {
        let question = "Where was Ada Quill born?"
        let surprise = try #require(SurpriseGate(judge: judge, threshold: 0).surprise(ofNameIn: question))
        let refused = SurpriseGate(judge: judge, threshold: surprise - 0.01).refusal(for: question)
        #expect(refused?.reply == "I'm sorry, I don't believe I know that about Ada Quill.")
        #expect(refused?.surprise == surprise)
        #expect(SurpriseGate(judge: judge, threshold: surprise).refusal(for: question) == nil)
        #expect(SurpriseGate(judge: judge, threshold: 0).refusal(for: "where is it?") == nil)
    }
}
