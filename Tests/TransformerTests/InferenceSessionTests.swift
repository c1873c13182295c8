import Testing
@testable import Autograd
@testable import Transformer

@Suite struct InferenceSessionTests {
    let model = GPT(config: tinyConfig, seed: 21)
    let tokens: [Int32] = [3, 1, 4, 1, 5, 9, 2, 6]

    func fullForwardLogits(_ tokens: [Int32]) -> [[Float]] {
        let logits = model.logits(tokens: tokens, batchSize: 1, length: tokens.count).values
        let V = tinyConfig.vocabularySize
        return (0..<tokens.count).map { Array(logits[$0 * V ..< ($0 + 1) * V]) }
    }

    @Test func cachedStepsEqualTheFullForwardAtEveryPosition() {
        let full = fullForwardLogits(tokens)
        var attentions: [[Float]] = []
        _ = model.logits(tokens: tokens, batchSize: 1, length: tokens.count) { layer, att in
            if layer == 1 { attentions = (0..<tokens.count).map { t in Array(att.values[(1 * tokens.count + t) * tokens.count ..< (1 * tokens.count + t + 1) * tokens.count]) } }
        }
        let session = InferenceSession(model: model)
        for (position, token) in tokens.enumerated() {
            let step = session.feed(token)
            #expect(step.position == position)
            #expect(maxAbsoluteDifference(step.logits, full[position]) < 1e-5)
            #expect(step.attention.count == 2 && step.attention[0].count == 2 && step.attention[0][0].count == position + 1)
            // Layer 1, head 1 equals the training path's attention row for this position.
            #expect(maxAbsoluteDifference(step.attention[1][1], Array(attentions[position][0...position])) < 1e-5)
            #expect(abs(step.attention[1][1].reduce(0, +) - 1) < 1e-5)
        }
    }

    /// Issue 34: step read a prompt token by token; one pass gives the same step (the matrix
    /// products over all rows may round otherwise than over one), and the cache it leaves
    /// continues as the token-by-token one does.
    @Test func readingTokensInOnePassEqualsReadingThemOneByOne() {
        for split in [0, 3] {   // from an empty cache, and after three tokens read one by one
            let one = InferenceSession(model: model), all = InferenceSession(model: model)
            let byToken = one.feed(tokens)!
            all.feed(Array(tokens[..<split]))
            let batched = all.feedAll(Array(tokens[split...]))!
            #expect(maxAbsoluteDifference(batched.logits, byToken.logits) < 1e-5)
            #expect(batched.position == byToken.position && batched.token == byToken.token && all.tokens == one.tokens)
            for (a, b) in zip(batched.attention.joined(), byToken.attention.joined()) { #expect(maxAbsoluteDifference(a, b) < 1e-6) }
            one.rewind(2); all.rewind(2)
            #expect(maxAbsoluteDifference(all.feed(9).logits, one.feed(9).logits) < 1e-5)
        }
        // More than fits after the cache: read one by one, dropping the oldest, as feed does.
        let session = InferenceSession(model: model)
        session.feed([1, 2])
        #expect(session.feedAll(tokens)!.logits == InferenceSession(model: model).feed([1, 2] + tokens)!.logits)
    }

    @Test func rewindThenRestepGivesTheSameLogits() {
        let session = InferenceSession(model: model)
        session.feed(Array(tokens[0..<5]))
        let again = session.feed(tokens[5])
        session.rewind(3)
        #expect(session.tokens == Array(tokens[0..<3]))
        session.feed([7, 7])            // a different branch
        session.rewind(2)
        session.feed(Array(tokens[3..<5]))
        let replayed = session.feed(tokens[5])
        #expect(replayed.logits == again.logits)
        let fresh = InferenceSession(model: model)
        #expect(fresh.feed(Array(tokens[0..<6]))!.logits == again.logits)
    }

    @Test func fullContextDropsTheOldestTokens() {
        let session = InferenceSession(model: model)
        session.feed(tokens)                        // exactly the context length (8)
        let step = session.feed(10)
        #expect(step.droppedTokens == 1)
        #expect(session.tokens == Array(tokens[1...]) + [10])
        #expect(step.position == 7)
        let expected = fullForwardLogits(Array(tokens[1...]) + [10]).last!
        #expect(maxAbsoluteDifference(step.logits, expected) < 1e-5)
    }

    @Test func generationIsDeterministicPerSeed() {
        func generate(_ seed: UInt64) -> [Int32] {
            var g = SeededGenerator(seed: seed)
            return InferenceSession(model: model).generate(prompt: [1, 2], count: 12, settings: SamplingSettings(temperature: 1.5), using: &g)
        }
        #expect(generate(1) == generate(1))
        #expect(generate(1) != generate(2))
        #expect(generate(1).count == 12)
    }
}
