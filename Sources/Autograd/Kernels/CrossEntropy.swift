// Softmax cross-entropy with a weight per token, fused (the gradient is p − onehot).
// A weight of 0 masks a token (prompt tokens in SFT); any other real weight scales it (an
// advantage in policy-gradient RL, possibly negative). The loss is Σₙ wₙ·CEₙ divided by the
// number of tokens with a non-zero weight, so masking changes which tokens count, not the scale.
// Shapes: N rows, V vocabulary.

import Foundation

public enum CrossEntropyKernel {
    /// Writes probs(N, V) = softmax(logits) and losses(N) = −log probs[n, target[n]].
    public static func forward(
        probs: UnsafeMutablePointer<Float>, losses: UnsafeMutablePointer<Float>,
        logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>, N: Int, V: Int
    ) {
        Parallel.forEach(N) { n in
            let row = logits + n * V, p = probs + n * V
            let maximum = Reduce.maximum(row, V)
            for v in 0..<V { p[v] = fastExp(row[v] - maximum) }
            let sum = Reduce.sum(p, V)
            let inverse = 1 / sum
            for v in 0..<V { p[v] *= inverse }
            // log p computed from the logits, not from p, so a tiny p does not become −∞.
            losses[n] = -(row[Int(targets[n])] - maximum - Float(log(Double(sum))))
        }
    }

    /// dlogits[n] += scale[n] · (probs[n] − onehot(target[n])), where scale folds in
    /// the upstream gradient, the token weight and the normaliser.
    public static func backward(
        dlogits: UnsafeMutablePointer<Float>, probs: UnsafePointer<Float>,
        targets: UnsafePointer<Int32>, scales: UnsafePointer<Float>, N: Int, V: Int
    ) {
        Parallel.forEach(N) { n in
            let s = scales[n]
            guard s != 0 else { return }
            let d = dlogits + n * V, p = probs + n * V
            for v in 0..<V { d[v] += s * p[v] }
            d[Int(targets[n])] -= s
        }
    }
}

public enum CrossEntropyReference {
    /// Returns (loss, per-token losses) with the same weighting and normaliser as the kernel.
    public static func forward(
        logits: [Double], targets: [Int], weights: [Double], V: Int
    ) -> (loss: Double, losses: [Double]) {
        let N = targets.count
        var losses = [Double](repeating: 0, count: N)
        for n in 0..<N {
            let row = logits[n * V..<(n + 1) * V]
            let logSumExp = log(row.map { exp($0) }.reduce(0, +))
            losses[n] = logSumExp - logits[n * V + targets[n]]
        }
        let counted = weights.filter { $0 != 0 }.count
        let loss = counted == 0 ? 0 : zip(weights, losses).map(*).reduce(0, +) / Double(counted)
        return (loss, losses)
    }

    public static func backward(
        logits: [Double], targets: [Int], weights: [Double], V: Int
    ) -> [Double] {
        let N = targets.count, counted = Double(weights.filter { $0 != 0 }.count)
        var dlogits = [Double](repeating: 0, count: N * V)
        guard counted > 0 else { return dlogits }
        for n in 0..<N {
            let row = logits[n * V..<(n + 1) * V]
            let sum = row.map { exp($0) }.reduce(0, +)
            for v in 0..<V {
                let p = exp(logits[n * V + v]) / sum
                dlogits[n * V + v] = weights[n] / counted * (p - (v == targets[n] ? 1 : 0))
            }
        }
        return dlogits
    }
}

/// The mean weighted cross-entropy of `logits` (…, V) against `targets`, and each token's
/// unweighted loss (for plots: a text coloured by its loss). `weights` nil means all 1.
public func crossEntropy(
    _ logits: Tensor, targets: [Int32], weights: [Float]? = nil
) -> (loss: Tensor, tokenLosses: [Float]) {
    let V = logits.shape.last!, N = logits.count / V
    precondition(targets.count == N, "\(targets.count) targets for \(N) rows of logits")
    precondition(
        weights == nil || weights!.count == N, "\(weights!.count) weights for \(N) targets")
    precondition(targets.allSatisfy { $0 >= 0 && Int($0) < V }, "a target is outside 0..<\(V)")
    let weights = weights ?? [Float](repeating: 1, count: N)
    let probs = BufferPool.allocate(N * V)
    var tokenLosses = [Float](repeating: 0, count: N)
    targets.withUnsafeBufferPointer { t in
        tokenLosses.withUnsafeMutableBufferPointer { l in
            CrossEntropyKernel.forward(
                probs: probs, losses: l.baseAddress!, logits: logits.data, targets: t.baseAddress!,
                N: N, V: V)
        }
    }
    let counted = weights.filter { $0 != 0 }.count
    var total: Double = 0
    for n in 0..<N where weights[n] != 0 { total += Double(weights[n]) * Double(tokenLosses[n]) }
    let loss = Tensor.result([1], from: [logits])
    loss.data[0] = counted == 0 ? 0 : Float(total / Double(counted))
    guard loss.requiresGradient else {
        BufferPool.release(probs, count: N * V)
        return (loss, tokenLosses)
    }
    let saved = SavedBuffers([probs], count: N * V)
    loss.recordOrigin([logits]) { [unowned loss] in
        let upstream = loss.gradient[0] / Float(Swift.max(counted, 1))
        let scales = weights.map { $0 * upstream }
        targets.withUnsafeBufferPointer { t in
            scales.withUnsafeBufferPointer { s in
                CrossEntropyKernel.backward(
                    dlogits: logits.gradient, probs: saved.buffers[0], targets: t.baseAddress!,
                    scales: s.baseAddress!, N: N, V: V)
            }
        }
    }
    return (loss, tokenLosses)
}
