import Foundation
import Testing
@testable import Course

@Suite struct ModelProbesTests {
    let model: LanguageModel = {
        let tokenizer = try! BPETrainer.train(text: String(repeating: "the cat sat on the mat. ", count: 30), vocabularySize: 280,
                                              specialTokens: [LanguageModel.documentSeparator])
        let config = GPTConfig(vocabularySize: tokenizer.vocabularySize, contextLength: 12, layerCount: 2, headCount: 2, embeddingWidth: 16)
        return try! LanguageModel(name: "probe", model: GPT(config: config, seed: 3), tokenizer: tokenizer)
    }()

    /// The definition, computed the slow way: a fresh session per continuation and token.
    func reference(context: [Int], continuation: [Int]) -> Double {
        var total = 0.0
        for index in continuation.indices {
            let prefix = Array((context + continuation[..<index]).suffix(model.model.config.contextLength))
            let logits = InferenceSession(model: model.model).feed(prefix.map(Int32.init))!.logits
            total += log(Double(Sampling.softmax(logits)[continuation[index]]))
        }
        return total
    }

    @Test func readingTheContextOnceGivesEachContinuationsDefinition() {
        let context = model.tokenizer.encode("the cat sat")
        let continuations = [" on", " the mat", " on the mat. the", " mat"].map { model.tokenizer.encode($0) }
        let fast = ModelProbes.logProbabilities(model, context: context, continuations: continuations)
        for (score, continuation) in zip(fast, continuations) {
            #expect(abs(score - reference(context: context, continuation: continuation)) < 1e-9)
        }
    }

    @Test func aContinuationThatOverflowsTheWindowCutsTheContext() {
        let context = model.tokenizer.encode("the cat sat on the mat. the cat")
        let long = model.tokenizer.encode(" sat on the mat. the")
        #expect(context.count + long.count > 12 && context.count < 12)
        let scores = ModelProbes.logProbabilities(model, context: context, continuations: [long, [context[0]], long])
        // The window for the long one keeps the newest context tokens that leave it room.
        let cut = Array(context.suffix(12 - long.count))
        #expect(abs(scores[0] - reference(context: cut, continuation: long)) < 1e-9)
        #expect(abs(scores[1] - reference(context: context, continuation: [context[0]])) < 1e-9)
        #expect(scores[2] == scores[0])
    }

    @Test func multipleChoicePicksTheLikeliestOption() {
        let options = ["mat", "cat", "sat"]
        let scores = options.map { reference(context: model.tokenizer.encode("the cat sat on the"), continuation: model.tokenizer.encode(" " + $0)) }
        #expect(ModelProbes.multipleChoice(model, prompt: "the cat sat on the", options: options) == scores.indices.max { scores[$0] < scores[$1] }!)
    }
}
