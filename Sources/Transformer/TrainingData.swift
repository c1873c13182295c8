// Token batches for training: next-token prediction on windows of a token stream.
// A batch is B rows of T inputs, each target the following token, with an optional weight
// per target (nil: all 1). Later stages (SFT, RL) build their own batches with weights.

import Autograd

public struct TrainingBatch: Sendable {
    public var inputs: [Int32]   // (B, T)
    public var targets: [Int32]   // (B, T)
    public var weights: [Float]?   // (B, T), nil means all 1
    public var batchSize: Int
    public var length: Int

    public init(
        inputs: [Int32], targets: [Int32], weights: [Float]? = nil, batchSize: Int, length: Int
    ) {
        precondition(
            inputs.count == batchSize * length && targets.count == inputs.count,
            "batch does not fill (\(batchSize), \(length))")
        precondition(
            weights == nil || weights!.count == inputs.count,
            "weights do not fill (\(batchSize), \(length))")
        self.inputs = inputs; self.targets = targets; self.weights = weights
        self.batchSize = batchSize; self.length = length
    }

    public var tokenCount: Int { batchSize * length }
}

/// Anything that hands the trainer one batch after another, from a generator whose state a
/// checkpoint can store (so a resumed run sees the same batches).
public protocol BatchSource {
    mutating func nextBatch() -> TrainingBatch
    var generator: SeededGenerator { get set }
}

/// Random windows of T + 1 tokens from a token stream (nanoGPT's get_batch).
public struct TokenWindows: BatchSource {
    public let tokens: [Int32]
    public let batchSize: Int
    public let length: Int
    public var generator: SeededGenerator

    public init(tokens: [Int32], batchSize: Int, length: Int, seed: UInt64) {
        precondition(
            tokens.count > length, "\(tokens.count) tokens are too few for windows of \(length + 1)"
        )
        self.tokens = tokens; self.batchSize = batchSize; self.length = length
        generator = SeededGenerator(seed: seed)
    }

    public mutating func nextBatch() -> TrainingBatch {
        var inputs: [Int32] = [], targets: [Int32] = []
        inputs.reserveCapacity(batchSize * length); targets.reserveCapacity(batchSize * length)
        for _ in 0..<batchSize {
            let start = generator.nextInt(below: tokens.count - length)
            inputs += tokens[start..<start + length]
            targets += tokens[start + 1...start + length]
        }
        return TrainingBatch(inputs: inputs, targets: targets, batchSize: batchSize, length: length)
    }

    /// `count` batches drawn with a fixed seed: the same evaluation set at every evaluation.
    public static func fixed(
        _ count: Int, tokens: [Int32], batchSize: Int, length: Int, seed: UInt64
    ) -> [TrainingBatch] {
        var windows = TokenWindows(tokens: tokens, batchSize: batchSize, length: length, seed: seed)
        return (0..<count).map { _ in windows.nextBatch() }
    }
}

/// Splits a token stream: the first part trains, the last `validationFraction` is held out.
public func trainValidationSplit(
    _ tokens: [Int32], validationFraction: Double = 0.1
) -> (train: [Int32], validation: [Int32]) {
    let cut = Int(Double(tokens.count) * (1 - validationFraction))
    return (Array(tokens[..<cut]), Array(tokens[cut...]))
}
