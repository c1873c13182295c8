import Testing
@testable import Autograd
@testable import Transformer

@Suite struct BatchedInferenceSessionTests {
    let model = GPT(config: tinyConfig, seed: 21)

    /// The logits a single-sequence session gives after reading `tokens`.
    func single(_ tokens: [Int32]) -> [Float] { InferenceSession(model: model).feed(tokens)!.logits }

    @Test func rowsOfDifferentLengthsEqualOneSequenceAtATime() {
        let prompts = [randomTokens(5, vocabulary: tinyConfig.vocabularySize, seed: 1),
                       randomTokens(2, vocabulary: tinyConfig.vocabularySize, seed: 2),
                       randomTokens(7, vocabulary: tinyConfig.vocabularySize, seed: 3)]
        let session = BatchedInferenceSession(model: model, rows: 3)
        let V = tinyConfig.vocabularySize
        for t in 0..<7 {
            let rows = prompts.indices.filter { prompts[$0].count > t }
            let logits = session.feed(rows.map { prompts[$0][t] }, rows: rows)
            for (n, row) in rows.enumerated() {
                let expected = single(Array(prompts[row][...t]))
                #expect(maxAbsoluteDifference(Array(logits[(n * V)..<((n + 1) * V)]), expected) < 1e-4)
            }
        }
        #expect(session.lengths == [5, 2, 7])
        #expect(session.feed([1], rows: [1], logits: false).isEmpty && session.lengths[1] == 3)
    }

    @Test func aCopiedPrefixContinuesAsIfEachRowHadReadIt() {
        let prompt = randomTokens(6, vocabulary: tinyConfig.vocabularySize, seed: 4)
        let session = BatchedInferenceSession(model: model, rows: 4)
        for token in prompt { session.feed([token], rows: [0], logits: false) }
        session.copy(row: 0, to: [1, 2, 3])
        #expect(session.lengths == [6, 6, 6, 6])
        let next: [Int32] = [1, 2, 3, 4]
        let logits = session.feed(next, rows: [0, 1, 2, 3])
        let V = tinyConfig.vocabularySize
        for row in 0..<4 {
            #expect(maxAbsoluteDifference(Array(logits[(row * V)..<((row + 1) * V)]), single(prompt + [next[row]])) < 1e-4)
        }
        session.reset()
        #expect(session.lengths == [0, 0, 0, 0])
    }
}
