// Causal multi-head self-attention on a packed qkv tensor, as in GPT-2: each position attends
// to itself and earlier positions, softmax(Q·Kᵀ/√hs)·V per head. The products go through
// sgemm per (batch, head), with strides reading heads straight out of the packed rows, and
// (batch, head) pairs spread over the cores: they write disjoint memory, so results do not
// depend on scheduling. The rows are cut into blocks of `causalBlock` positions, and each
// product touches only the keys a block can see: the masked upper triangle is never
// computed (at T = 128, blocks of 32 do 5/8 of the full products). Forward saves the attention
// probabilities (the backward needs them; lessons draw them). Leaves out: dropout,
// flash-style tiling (T is small here).
// Shapes: B batch, T time, C channels, NH heads, hs = C / NH head size.
// qkv (B, T, 3C) holds [q | k | v] per row, head h at columns h·hs ..< (h+1)·hs of each part.

import COpenBLAS
import Foundation

public enum AttentionKernel {
    /// Positions per block of the causal mask: smaller blocks skip more of the masked
    /// triangle but make more, smaller sgemm calls.
    static let causalBlock = 32

    /// The row blocks of 0..<T: (first row, row count); a block sees keys 0..<first + count.
    static func blocks(_ T: Int) -> [(start: Int, rows: Int)] {
        stride(from: 0, to: T, by: causalBlock).map { ($0, Swift.min(causalBlock, T - $0)) }
    }

    /// out(B, T, C) and att(B, NH, T, T) from qkv(B, T, 3C). att's upper triangle is zero.
    public static func forward(
        out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>,
        qkv: UnsafePointer<Float>, B: Int, T: Int, C: Int, NH: Int
    ) {
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        forEachHead(B: B, NH: NH, T: T, hs: hs) { b, h in
            let q = qkv + b * T * 3 * C + h * hs, k = q + C, v = q + 2 * C
            let p = att + (b * NH + h) * T * T, o = out + b * T * C + h * hs
            let ld = Int32(3 * C)
            // S(rows, visible) = scale · Q·Kᵀ per row block, then a causal softmax row by row
            // (which also writes the zeros right of the diagonal).
            for (start, rows) in blocks(T) {
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(start + rows),
                    Int32(hs), scale, q + start * 3 * C, ld, k, ld, 0, p + start * T, Int32(T))
            }
            for t in 0..<T { causalSoftmaxRow(p + t * T, visible: t + 1, T: T) }
            // O(rows, hs) = P(rows, visible)·V(visible, hs), into this head's columns of out.
            for (start, rows) in blocks(T) {
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(hs),
                    Int32(start + rows), 1, p + start * T, Int32(T), v, ld, 0, o + start * C,
                    Int32(C))
            }
        }
    }

    /// Accumulates dqkv(B, T, 3C) from dout(B, T, C), given the forward's att.
    public static func backward(
        dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        qkv: UnsafePointer<Float>, att: UnsafePointer<Float>,
        B: Int, T: Int, C: Int, NH: Int
    ) {
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        let ld = Int32(3 * C)
        forEachHead(B: B, NH: NH, T: T, hs: hs) { b, h in
            let offset = b * T * 3 * C + h * hs
            let q = qkv + offset, k = q + C, v = q + 2 * C
            let dq = dqkv + offset, dk = dq + C, dv = dq + 2 * C
            let p = att + (b * NH + h) * T * T
            let dO = dout + b * T * C + h * hs
            let dS = UnsafeMutablePointer<Float>.allocate(capacity: T * T)
            defer { dS.deallocate() }
            // Row block (start, rows) sees keys 0..<start + rows; column block (start, cols) is
            // seen by queries start..<T: each product below stays inside those bounds.
            for (start, rows) in blocks(T) {
                // dP(rows, visible) = dO·Vᵀ ;  dV(cols) += P(start..<T, cols)ᵀ·dO(start..<T)
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(start + rows),
                    Int32(hs), 1, dO + start * C, Int32(C), v, ld, 0, dS + start * T, Int32(T))
                cblas_sgemm(
                    CblasRowMajor, CblasTrans, CblasNoTrans, Int32(rows), Int32(hs),
                    Int32(T - start), 1, p + start * T + start, Int32(T), dO + start * C, Int32(C),
                    1, dv + start * 3 * C, ld)
            }
            // Softmax backward in place: dS = P ⊙ (dP − Σⱼ P·dP), zero above the diagonal.
            for t in 0..<T {
                let pRow = p + t * T, row = dS + t * T
                let dot = Reduce.dot(pRow, row, t + 1)
                for j in 0...t { row[j] = pRow[j] * (row[j] - dot) }
                for j in (t + 1)..<T { row[j] = 0 }
            }
            for (start, rows) in blocks(T) {
                // dQ(rows) += scale · dS(rows, visible)·K ;  dK(cols) += scale · dSᵀ·Q
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(hs),
                    Int32(start + rows), scale, dS + start * T, Int32(T), k, ld, 1,
                    dq + start * 3 * C, ld)
                cblas_sgemm(
                    CblasRowMajor, CblasTrans, CblasNoTrans, Int32(rows), Int32(hs),
                    Int32(T - start), scale, dS + start * T + start, Int32(T), q + start * 3 * C,
                    ld, 1, dk + start * 3 * C, ld)
            }
        }
    }

    /// Softmax over the first `visible` entries of a row, zeros after (the causal mask).
    @inline(__always)
    static func causalSoftmaxRow(_ row: UnsafeMutablePointer<Float>, visible: Int, T: Int) {
        Reduce.softmaxInPlace(row, visible)
        for j in visible..<T { row[j] = 0 }
    }

    /// Runs `body` for every (batch, head) pair; pairs write disjoint memory. Small per-head
    /// products run single-threaded inside OpenBLAS (below its threshold of 65536·4
    /// multiply-adds), so the pairs are spread over our workers; larger ones are threaded by
    /// OpenBLAS, so the pairs run one after another rather than nesting two thread pools.
    static func forEachHead(B: Int, NH: Int, T: Int, hs: Int, _ body: (Int, Int) -> Void) {
        if T * T * hs <= 262_144 {
            Parallel.forEach(B * NH) { pair in body(pair / NH, pair % NH) }
        } else {
            for pair in 0..<(B * NH) { body(pair / NH, pair % NH) }
        }
    }
}

public enum AttentionReference {
    /// Returns out(B, T, C) and att(B, NH, T, T).
    public static func forward(
        qkv: [Double], B: Int, T: Int, C: Int, NH: Int
    ) -> (out: [Double], att: [Double]) {
        let hs = C / NH, scale = 1 / Double(hs).squareRoot()
        var out = [Double](repeating: 0, count: B * T * C)
        var att = [Double](repeating: 0, count: B * NH * T * T)
        func index(_ b: Int, _ t: Int, _ part: Int, _ h: Int, _ i: Int) -> Int {
            b * T * 3 * C + t * 3 * C + part * C + h * hs + i
        }
        for b in 0..<B {
            for h in 0..<NH {
                for t in 0..<T {
                    var scores = (0...t).map { j in
                        (0..<hs).reduce(0.0) {
                            $0 + qkv[index(b, t, 0, h, $1)] * qkv[index(b, j, 1, h, $1)]
                        } * scale
                    }
                    let maximum = scores.max()!
                    scores = scores.map { exp($0 - maximum) }
                    let sum = scores.reduce(0, +)
                    for j in 0...t {
                        let p = scores[j] / sum
                        att[((b * NH + h) * T + t) * T + j] = p
                        for i in 0..<hs {
                            out[b * T * C + t * C + h * hs + i] += p * qkv[index(b, j, 2, h, i)]
                        }
                    }
                }
            }
        }
        return (out, att)
    }

    /// dqkv(B, T, 3C) for upstream dout(B, T, C).
    public static func backward(
        dout: [Double], qkv: [Double], B: Int, T: Int, C: Int, NH: Int
    ) -> [Double] {
        let hs = C / NH, scale = 1 / Double(hs).squareRoot()
        let att = forward(qkv: qkv, B: B, T: T, C: C, NH: NH).att
        var dqkv = [Double](repeating: 0, count: qkv.count)
        func index(_ b: Int, _ t: Int, _ part: Int, _ h: Int, _ i: Int) -> Int {
            b * T * 3 * C + t * 3 * C + part * C + h * hs + i
        }
        for b in 0..<B {
            for h in 0..<NH {
                for t in 0..<T {
                    let p = (0...t).map { att[((b * NH + h) * T + t) * T + $0] }
                    let dO = (0..<hs).map { dout[b * T * C + t * C + h * hs + $0] }
                    let dp = (0...t).map { j in
                        (0..<hs).reduce(0.0) { $0 + dO[$1] * qkv[index(b, j, 2, h, $1)] }
                    }
                    for j in 0...t {
                        for i in 0..<hs { dqkv[index(b, j, 2, h, i)] += p[j] * dO[i] }
                    }
                    // ∂softmax: dscore_j = Σ_k dp_k · p_k(δjk − p_j)
                    for j in 0...t {
                        var ds = 0.0
                        for k in 0...t { ds += dp[k] * p[k] * ((j == k ? 1 : 0) - p[j]) }
                        for i in 0..<hs {
                            dqkv[index(b, t, 0, h, i)] += ds * scale * qkv[index(b, j, 1, h, i)]
                            dqkv[index(b, j, 1, h, i)] += ds * scale * qkv[index(b, t, 0, h, i)]
                        }
                    }
                }
            }
        }
        return dqkv
    }
}

/// Causal self-attention: qkv (B, T, 3C) → (B, T, C). `attention` receives the
/// probabilities (B, NH, T, T) when the caller wants to look at them.
public func causalSelfAttention(
    _ qkv: Tensor, headCount NH: Int, attention: ((Tensor) -> Void)? = nil
) -> Tensor {
    precondition(
        qkv.shape.count == 3 && qkv.shape[2] % 3 == 0,
        "attention input must be (B, T, 3C), got \(qkv.shape)")
    let B = qkv.shape[0], T = qkv.shape[1], C = qkv.shape[2] / 3
    precondition(C % NH == 0, "C = \(C) is not divisible by \(NH) heads")
    let out = Tensor.result([B, T, C], from: [qkv])
    let att = Tensor(shape: [B, NH, T, T], requiresGradient: false, zeroed: false)
    AttentionKernel.forward(out: out.data, att: att.data, qkv: qkv.data, B: B, T: T, C: C, NH: NH)
    attention?(att)
    if out.requiresGradient {
        out.recordOrigin([qkv]) { [unowned out] in
            AttentionKernel.backward(
                dqkv: qkv.gradient, dout: out.gradient, qkv: qkv.data, att: att.data,
                B: B, T: T, C: C, NH: NH)
        }
    }
    return out
}
