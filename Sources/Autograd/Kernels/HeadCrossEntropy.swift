// The output head and the loss in one op: logits = x·Wᵀ through the tied embedding, then the
// weighted softmax cross-entropy of CrossEntropy.swift. Fused because the (N, V) logits are the
// largest buffer of a step: the forward turns them in place into the loss's gradient
// scale·(p − onehot), so no probability buffer and no zeroed logits gradient are written, and
// the backward is the head's two products on that buffer. Leaves out: a bias (the head is
// tied), returning the logits (inference uses `linear`). Same weighting and normaliser as
// `crossEntropy`. Shapes: N rows, C channels, V vocabulary; weight (V, C).

import COpenBLAS
import Foundation

public enum HeadCrossEntropyKernel {
    /// Writes losses(N) = −log softmax(x·weightᵀ)[n, target[n]] and, in place of the logits,
    /// dlogits(N, V) = scales[n]·(softmax − onehot(target[n])): the loss's gradient per logit
    /// for an upstream gradient of 1.
    public static func forward(
        dlogits: UnsafeMutablePointer<Float>, losses: UnsafeMutablePointer<Float>,
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        scales: UnsafePointer<Float>, N: Int, C: Int, V: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(N), Int32(V), Int32(C),
            1, x, Int32(C), weight, Int32(C), 0, dlogits, Int32(V))
        Parallel.forEach(N) { n in
            let row = dlogits + n * V, target = Int(targets[n])
            let maximum = Reduce.maximum(row, V)
            // log p computed from the logit, not from p, so a tiny p does not become −∞.
            let targetLogit = row[target]
            for v in 0..<V { row[v] = fastExp(row[v] - maximum) }   // no reduction: vectorises
            let sum = Reduce.sum(row, V)
            losses[n] = -(targetLogit - maximum - Float(log(Double(sum))))
            let s = scales[n], perExp = s / sum
            for v in 0..<V { row[v] *= perExp }
            row[target] -= s
        }
    }

    /// dx(N, C) += alpha · dlogits·weight ;  dweight(V, C) += alpha · dlogitsᵀ·x, where alpha
    /// is the upstream gradient of the loss. Either gradient may be nil.
    public static func backward(
        dx: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
        dlogits: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        alpha: Float, N: Int, C: Int, V: Int
    ) {
        if let dx {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(N), Int32(C), Int32(V),
                alpha, dlogits, Int32(V), weight, Int32(C), 1, dx, Int32(C))
        }
        if let dweight {
            cblas_sgemm(
                CblasRowMajor, CblasTrans, CblasNoTrans, Int32(V), Int32(C), Int32(N),
                alpha, dlogits, Int32(V), x, Int32(C), 1, dweight, Int32(C))
        }
    }
}

/// The unfused composition in Float64: `LinearReference` then `CrossEntropyReference`.
public enum HeadCrossEntropyReference {
    public static func forward(
        x: [Double], weight: [Double], targets: [Int], weights: [Double], N: Int, C: Int, V: Int
    ) -> (loss: Double, losses: [Double]) {
        let logits = LinearReference.forward(inp: x, weight: weight, bias: nil, N: N, C: C, OC: V)
        return CrossEntropyReference.forward(
            logits: logits, targets: targets, weights: weights, V: V)
    }

    /// (dx, dweight) of the loss.
    public static func backward(
        x: [Double], weight: [Double], targets: [Int], weights: [Double], N: Int, C: Int, V: Int
    ) -> (dx: [Double], dweight: [Double]) {
        let logits = LinearReference.forward(inp: x, weight: weight, bias: nil, N: N, C: C, OC: V)
        let dlogits = CrossEntropyReference.backward(
            logits: logits, targets: targets, weights: weights, V: V)
        let gradients = LinearReference.backward(
            dout: dlogits, inp: x, weight: weight, N: N, C: C, OC: V)
        return (gradients.dinp, gradients.dweight)
    }
}

/// `crossEntropy(linear(x, weight: weight), …)` without materialising logits or probabilities:
/// x (…, C), weight (V, C). Returns the mean weighted loss and each token's unweighted loss.
public func headCrossEntropy(
    _ x: Tensor, weight: Tensor, targets: [Int32], weights: [Float]? = nil
) -> (loss: Tensor, tokenLosses: [Float]) {
    precondition(weight.shape.count == 2, "head weight must be (V, C), got \(weight.shape)")
    let V = weight.shape[0], C = weight.shape[1]
    precondition(x.shape.last == C, "head input \(x.shape) does not end in C = \(C)")
    let N = x.count / C
    precondition(targets.count == N, "\(targets.count) targets for \(N) rows")
    precondition(
        weights == nil || weights!.count == N, "\(weights!.count) weights for \(N) targets")
    precondition(targets.allSatisfy { $0 >= 0 && Int($0) < V }, "a target is outside 0..<\(V)")
    let weights = weights ?? [Float](repeating: 1, count: N)
    let counted = weights.filter { $0 != 0 }.count
    let scales = weights.map { counted == 0 ? 0 : $0 / Float(counted) }
    let dlogits = BufferPool.allocate(N * V)
    var tokenLosses = [Float](repeating: 0, count: N)
    targets.withUnsafeBufferPointer { t in
        scales.withUnsafeBufferPointer { s in
            tokenLosses.withUnsafeMutableBufferPointer { l in
                HeadCrossEntropyKernel.forward(
                    dlogits: dlogits, losses: l.baseAddress!, x: x.data, weight: weight.data,
                    targets: t.baseAddress!, scales: s.baseAddress!, N: N, C: C, V: V)
            }
        }
    }
    var total: Double = 0
    for n in 0..<N where weights[n] != 0 { total += Double(weights[n]) * Double(tokenLosses[n]) }
    let loss = Tensor.result([1], from: [x, weight])
    loss.data[0] = counted == 0 ? 0 : Float(total / Double(counted))
    guard loss.requiresGradient else {
        BufferPool.release(dlogits, count: N * V)
        return (loss, tokenLosses)
    }
    let saved = SavedBuffers([dlogits], count: N * V)
    loss.recordOrigin([x, weight]) { [unowned loss] in
        HeadCrossEntropyKernel.backward(
            dx: x.requiresGradient ? x.gradient : nil,
            dweight: weight.requiresGradient ? weight.gradient : nil,
            dlogits: saved.buffers[0], x: x.data, weight: weight.data, alpha: loss.gradient[0],
            N: N, C: C, V: V)
    }
    return (loss, tokenLosses)
}
