// Data parallelism over the cores, as multi-GPU training does over GPUs: a step's batch is cut
// into two halves of rows; each half runs forward and backward on its own core against its own
// copy of the weights, and the halves' gradients are added (on one core, one half after the
// other: the same sums, so the same bits). Why: at the course's size a step
// spread op by op over two cores keeps them only partly busy (the threads meet at every product
// and kernel, hundreds of times a step); two half-batches, one per core, meet once. Measured
// with `tokenwise bench --course-step`.
// The loss is the same number as on the whole batch: each half's mean is weighted by its share
// of the counted tokens (those of non-zero weight, see CrossEntropy.swift). Sums round in
// another order than unsplit, so a run with it is another run, the same every time.

import Autograd

final class DataParallelStep {
    /// The second copy: its weights are the model's, copied in before each step; its gradients
    /// are its own.
    private let replica: GPT

    init(model: GPT) {
        replica = GPT(config: model.config, seed: 0)
    }

    /// Whether `batch` is split: whenever it has two rows or more, however many cores this
    /// thread may use. With one, the halves run one after the other (`Parallel.both`), so a step
    /// rounds the same on one core as on two or more, and inside `both` (two models trained
    /// side by side) as alone.
    static func applies(to batch: TrainingBatch) -> Bool {
        batch.batchSize >= 2
    }

    /// Accumulates the batch's gradient into `model`'s and returns its loss; nil (nothing done)
    /// when a half would have no counted token.
    func lossAndGradients(_ model: GPT, on batch: TrainingBatch) -> Float? {
        let (first, second) = batch.halves()
        let counted = (first.countedTokens, second.countedTokens)
        guard counted.0 > 0, counted.1 > 0 else { return nil }
        let total = Float(counted.0 + counted.1)
        for (copy, original) in zip(replica.parameters, model.parameters) {
            copy.data.update(from: original.data, count: original.count)
            copy.zeroGradient()
        }
        let (a, b) = try! Parallel.both(
            { Self.lossAndGradients(model, first, share: Float(counted.0) / total) },
            { Self.lossAndGradients(self.replica, second, share: Float(counted.1) / total) })
        for (original, copy) in zip(model.parameters, replica.parameters) where copy.hasGradient {
            let into = original.gradient, from = copy.gradient
            for i in 0..<original.count { into[i] += from[i] }
        }
        return a + b
    }

    /// share × the half's loss, its gradient added into `model`'s parameters.
    private static func lossAndGradients(_ model: GPT, _ batch: TrainingBatch, share: Float) -> Float {
        let (loss, _) = model.loss(
            inputs: batch.inputs, targets: batch.targets, weights: batch.weights,
            batchSize: batch.batchSize, length: batch.length)
        loss.backward(upstream: [share])
        loss.releaseGraph()
        return share * loss.item
    }
}

extension TrainingBatch {
    /// The first ⌈B/2⌉ rows and the rest.
    func halves() -> (TrainingBatch, TrainingBatch) {
        let cut = (batchSize + 1) / 2 * length
        func rows(_ range: Range<Int>) -> TrainingBatch {
            TrainingBatch(
                inputs: Array(inputs[range]), targets: Array(targets[range]),
                weights: weights.map { Array($0[range]) }, batchSize: range.count / length,
                length: length)
        }
        return (rows(0..<cut), rows(cut..<inputs.count))
    }

    /// Tokens the loss counts: those of non-zero weight (every token without weights).
    var countedTokens: Int { weights.map { $0.count { $0 != 0 } } ?? inputs.count }
}
