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

    /// Copies read the source's cache instead of copying it: a copy of a copy, and a source
    /// overwritten by another copy while rows still read it, must leave every row as if it had
    /// read its own tokens.
    @Test func copiesOfCopiesAndOverwrittenSourcesKeepEveryRowsTokens() {
        let vocabulary = tinyConfig.vocabularySize
        let first = randomTokens(5, vocabulary: vocabulary, seed: 5)
        let second = randomTokens(3, vocabulary: vocabulary, seed: 6)
        let session = BatchedInferenceSession(model: model, rows: 4)
        for token in first { session.feed([token], rows: [0], logits: false) }
        for token in second { session.feed([token], rows: [3], logits: false) }
        session.copy(row: 0, to: [1])
        session.feed([7], rows: [1], logits: false)
        session.copy(row: 1, to: [2])   // row 0's prompt, then row 1's own token
        session.copy(row: 3, to: [0])   // rows 1 and 2 still read row 0's old tokens
        session.copy(row: 2, to: [3, 2])   // onto its source's source, and onto itself
        #expect(session.lengths == [3, 6, 6, 6])
        let expected = [second, first + [7], first + [7], first + [7]]
        let next: [Int32] = [1, 2, 3, 4]
        let logits = session.feed(next, rows: [0, 1, 2, 3])
        let V = tinyConfig.vocabularySize
        for row in 0..<4 {
            let want = single(expected[row] + [next[row]])
            #expect(maxAbsoluteDifference(Array(logits[(row * V)..<((row + 1) * V)]), want) < 1e-4)
        }
    }

    /// The attention of one row and head as plain loops, one element at a time: `attend`
    /// must give these floats bit for bit.
    static func plainAttention(
        q: [Float], keys: [Float], values: [Float], stride: Int, count: Int, width hs: Int,
        scale: Float
    ) -> [Float] {
        var weights = [Float](repeating: 0, count: count), out = [Float](repeating: 0, count: hs)
        var maximum = -Float.infinity
        for j in 0..<count {
            weights[j] = Reduce.dot(q, Array(keys[(j * stride)...]), hs) * scale
            maximum = max(maximum, weights[j])
        }
        var sum: Float = 0
        for j in 0..<count { weights[j] = fastExp(weights[j] - maximum); sum += weights[j] }
        for j in 0..<count {
            let w = weights[j] / sum
            for c in 0..<hs { out[c] += w * values[j * stride + c] }
        }
        return out
    }

    @Test(arguments: [(32, 1), (32, 9), (32, 100), (40, 17), (12, 5), (64, 33), (3, 4)])
    func attentionKeepsTheFloatsOfThePlainLoop(width: Int, count: Int) {
        var g = SeededGenerator(seed: UInt64(width * 1000 + count))
        let stride = width + 5   // heads sit inside wider rows
        let q = (0..<width).map { _ in g.nextNormal() * 3 }
        let keys = (0..<(count * stride)).map { _ in g.nextNormal() }
        let values = (0..<(count * stride)).map { _ in g.nextNormal() }
        let scale = 1 / Float(width).squareRoot()
        let expected = Self.plainAttention(
            q: q, keys: keys, values: values, stride: stride, count: count, width: width, scale: scale)
        var weights = [Float](repeating: .nan, count: count), out = [Float](repeating: .nan, count: width)
        BatchedInferenceSession.attend(
            query: q, keys: keys, values: values, stride: stride, count: count, width: width,
            scale: scale, weights: &weights, into: &out)
        #expect(out.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    /// A shared prompt's positions in one place and a row's own after them in another: the
    /// floats of one place holding them all, wherever the split falls.
    @Test(arguments: [(32, 32, 0), (32, 32, 1), (32, 32, 7), (32, 32, 16), (32, 32, 17),
                      (40, 45, 9), (12, 17, 3), (3, 8, 5)])
    func attentionOverTwoPlacesKeepsTheFloatsOfOne(width: Int, stride: Int, split: Int) {
        let count = 17
        var g = SeededGenerator(seed: UInt64(width * 100 + split))
        let q = (0..<width).map { _ in g.nextNormal() * 3 }
        let keys = (0..<(count * stride)).map { _ in g.nextNormal() }
        let values = (0..<(count * stride)).map { _ in g.nextNormal() }
        let scale = 1 / Float(width).squareRoot()
        var weights = [Float](repeating: .nan, count: count)
        var whole = [Float](repeating: .nan, count: width), split2 = whole
        BatchedInferenceSession.attend(
            query: q, keys: keys, values: values, stride: stride, count: count, width: width,
            scale: scale, weights: &weights, into: &whole)
        let ownKeys = Array(keys[(split * stride)...]), ownValues = Array(values[(split * stride)...])
        BatchedInferenceSession.attend(
            query: q, keys: keys, values: values, count: split, thenKeys: ownKeys, values: ownValues,
            count: count - split, stride: stride, width: width, scale: scale, weights: &weights,
            into: &split2)
        #expect(split2.map(\.bitPattern) == whole.map(\.bitPattern))
    }
}
