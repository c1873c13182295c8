import Testing
@testable import Autograd
@testable import Transformer

@Suite struct DataParallelTests {
    let config = GPTConfig(vocabularySize: 40, contextLength: 12, layerCount: 2, headCount: 2, embeddingWidth: 16)

    func batch(rows: Int, weights: (Int) -> Float?) -> TrainingBatch {
        var g = SeededGenerator(seed: 3)
        let count = rows * 12
        let ids = (0..<(2 * count)).map { _ in Int32(g.nextInt(below: 40)) }
        let w = weights(0) == nil ? nil : (0..<count).map { weights($0)! }
        return TrainingBatch(
            inputs: Array(ids[..<count]), targets: Array(ids[count...]), weights: w, batchSize: rows, length: 12)
    }

    /// The loss and every parameter's gradient after one step's forward and backward.
    func lossAndGradients(_ batch: TrainingBatch, split: Bool) -> (Float, [[Float]]) {
        let trainer = Trainer(model: GPT(config: config, seed: 5), settings: .stepped(schedule: .constant(0)))
        trainer.splitsBatches = split
        let (loss, _, _, _) = trainer.step(on: batch)   // rate 0: the weights stay, the gradients remain
        return (loss, trainer.model.parameters.map(\.gradientValues))
    }

    /// Split in halves (over two cores, or one after the other on one), a step computes the whole batch's loss and gradient (to
    /// rounding): unweighted, masked (the halves count different numbers of tokens) and with
    /// negative weights (RL's advantages).
    @Test(arguments: [
        ("every token", { @Sendable (_: Int) -> Float? in nil }, 5),
        ("masked", { @Sendable (i: Int) -> Float? in i % 12 < 5 || i >= 40 ? 0 : 1 }, 4),
        ("advantages", { @Sendable (i: Int) -> Float? in i % 3 == 0 ? -0.5 : i % 3 == 1 ? 0 : 2 }, 4),
    ] as [(String, @Sendable (Int) -> Float?, Int)])
    func splitStepEqualsTheWholeBatch(label: String, weights: @Sendable (Int) -> Float?, rows: Int) {
        let b = batch(rows: rows, weights: weights)
        let (splitLoss, splitGradients) = lossAndGradients(b, split: true)
        let (wholeLoss, wholeGradients) = lossAndGradients(b, split: false)
        #expect(abs(splitLoss - wholeLoss) <= 1e-5 * abs(wholeLoss), "\(label)")
        let flatSplit = Array(splitGradients.joined()), flatWhole = Array(wholeGradients.joined())
        let largest = zip(flatSplit, flatWhole).map { abs($0 - $1) / (1e-3 + abs($1)) }.max()!
        #expect(largest < 1e-3, "\(label)")
        let sameBits = flatSplit == flatWhole
        #expect(!sameBits, "\(label): summed in another order, some gradient must round differently")
    }

    /// The halves are the same work on one core as on two: a step inside `Parallel.both` (half
    /// the cores each, one on a two-core machine) gives the bits it gives alone.
    @Test func aSplitStepRoundsTheSameSideBySideAsAlone() throws {
        let b = batch(rows: 4, weights: { i in i % 12 < 5 ? 0 : 1 })
        let alone = lossAndGradients(b, split: true)
        let (first, second) = try Parallel.both(
            { lossAndGradients(b, split: true) }, { lossAndGradients(b, split: true) })
        for (loss, gradients) in [first, second] {
            #expect(loss == alone.0)
            #expect(gradients == alone.1)
        }
    }

    @Test func halvesKeepEveryRowInOrder() {
        let b = batch(rows: 5, weights: { Float($0) })
        let (first, second) = b.halves()
        #expect(first.batchSize == 3 && second.batchSize == 2)
        #expect(first.inputs + second.inputs == b.inputs)
        #expect(first.targets + second.targets == b.targets)
        #expect(first.weights! + second.weights! == b.weights!)
        #expect(b.countedTokens == 59)   // weight 0 at the first token only
    }

    /// A half with no counted token is not split (its mean would be 0 / 0).
    @Test func aHalfWithNothingToCountTrainsWhole() {
        let b = batch(rows: 4, weights: { $0 < 24 ? 0 : 1 })
        let (loss, gradients) = lossAndGradients(b, split: true)
        let (wholeLoss, wholeGradients) = lossAndGradients(b, split: false)
        #expect(loss == wholeLoss)
        #expect(gradients == wholeGradients)
    }
}
