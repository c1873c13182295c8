// Causal multi-head self-attention on a packed qkv tensor, as in GPT-2: each position attends
// to itself and earlier positions, softmax(Q·Kᵀ/√hs)·V per head. One (batch, head) pair at a
// time, pairs spread over the cores: they write disjoint memory, so results do not depend on
// scheduling. Each product is written out here rather than sent to sgemm: a head is small
// (T = 128 rows of hs = 32 at the course's size), and the 24 sgemm calls a pair needed cost more
// than their arithmetic; a row touches only the keys it can see, eight floats at a time (the
// masked triangle is skipped but for the rest of a row's last eight). Forward saves the attention probabilities (the backward
// needs them; lessons draw them). Leaves out: dropout, flash-style tiling (T is small here).
// Shapes: B batch, T time, C channels, NH heads, hs = C / NH head size.
// qkv (B, T, 3C) holds [q | k | v] per row, head h at columns h·hs ..< (h+1)·hs of each part.

import Foundation

public enum AttentionKernel {
    /// out(B, T, C) and att(B, NH, T, T) from qkv(B, T, 3C). att's upper triangle is zero.
    public static func forward(
        out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>,
        qkv: UnsafePointer<Float>, B: Int, T: Int, C: Int, NH: Int
    ) {
        let hs = C / NH, Tp = paddedLength(T)
        let scale = 1 / Float(hs).squareRoot()
        Parallel.forEach(B * NH) { pair in
            let (b, h) = (pair / NH, pair % NH)
            let q = qkv + b * T * 3 * C + h * hs, k = q + C, v = q + 2 * C
            let p = att + pair * T * T, o = out + b * T * C + h * hs
            let kT = transposed(k, rows: T, columns: hs, stride: 3 * C, paddedTo: Tp)
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: Tp)
            defer { kT.deallocate(); scores.deallocate() }
            for t in 0..<T {
                // S = scale · q_t·Kᵀ over the visible keys, softmax, zeros right of the diagonal.
                dotRows(q + t * 3 * C, hs, with: kT, Tp, visible: t + 1, scale: scale, into: scores)
                Reduce.softmaxInPlace(scores, t + 1)
                let row = p + t * T
                row.update(from: scores, count: t + 1)
                (row + t + 1).update(repeating: 0, count: T - t - 1)
                // O_t = Σ_j P_tj · V_j
                weightedSum(row, weightStride: 1, of: v, rowStride: 3 * C, count: t + 1, width: hs,
                            scale: 1, into: o + t * C, adding: false)
            }
        }
    }

    /// Accumulates dqkv(B, T, 3C) from dout(B, T, C), given the forward's att.
    public static func backward(
        dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        qkv: UnsafePointer<Float>, att: UnsafePointer<Float>,
        B: Int, T: Int, C: Int, NH: Int
    ) {
        let hs = C / NH, Tp = paddedLength(T)
        let scale = 1 / Float(hs).squareRoot()
        Parallel.forEach(B * NH) { pair in
            let (b, h) = (pair / NH, pair % NH)
            let offset = b * T * 3 * C + h * hs
            let q = qkv + offset, k = q + C, v = q + 2 * C
            let dq = dqkv + offset, dk = dq + C, dv = dq + 2 * C
            let p = att + pair * T * T
            let dO = dout + b * T * C + h * hs
            let vT = transposed(v, rows: T, columns: hs, stride: 3 * C, paddedTo: Tp)
            let dS = UnsafeMutablePointer<Float>.allocate(capacity: T * Tp)
            defer { vT.deallocate(); dS.deallocate() }
            for t in 0..<T {
                // dP_t = dO_t·Vᵀ, then the softmax backward in place: dS = P ⊙ (dP − Σⱼ P·dP).
                let row = dS + t * Tp, pRow = p + t * T
                dotRows(dO + t * C, hs, with: vT, Tp, visible: t + 1, scale: 1, into: row)
                let dot = Reduce.dot(pRow, row, t + 1)
                for j in 0...t { row[j] = pRow[j] * (row[j] - dot) }
                // dQ_t += scale · Σ_j dS_tj · K_j
                weightedSum(row, weightStride: 1, of: k, rowStride: 3 * C, count: t + 1, width: hs,
                            scale: scale, into: dq + t * 3 * C, adding: true)
            }
            for j in 0..<T {
                // Column j is seen by queries j..<T: dV_j += Σ_t P_tj · dO_t, dK_j += scale · Σ_t dS_tj · Q_t
                weightedSum(p + j * T + j, weightStride: T, of: dO + j * C, rowStride: C, count: T - j,
                            width: hs, scale: 1, into: dv + j * 3 * C, adding: true)
                weightedSum(dS + j * Tp + j, weightStride: Tp, of: q + j * 3 * C, rowStride: 3 * C,
                            count: T - j, width: hs, scale: scale, into: dk + j * 3 * C, adding: true)
            }
        }
    }

    /// T rounded up to whole lanes of eight.
    static func paddedLength(_ T: Int) -> Int { (T + 7) / 8 * 8 }

    /// The (rows × columns) matrix at `m` (row stride `stride`) transposed: columns × paddedTo,
    /// zeros past `rows`, so that a product can read eight rows' values with one load.
    static func transposed(
        _ m: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int, paddedTo width: Int
    ) -> UnsafeMutablePointer<Float> {
        let result = UnsafeMutablePointer<Float>.allocate(capacity: columns * width)
        result.initialize(repeating: 0, count: columns * width)
        for r in 0..<rows {
            for c in 0..<columns { result[c * width + r] = m[r * stride + c] }
        }
        return result
    }

    /// into[j] = scale · Σᵢ x[i]·mT[i·ld + j] for j < visible (and, where `visible` is not a
    /// multiple of 8, for the rest of its last lane; mT's padding keeps those finite). Four
    /// lanes at a time while they last, so four independent sums share each x[i].
    @inline(__always)
    static func dotRows(
        _ x: UnsafePointer<Float>, _ n: Int, with mT: UnsafePointer<Float>, _ ld: Int,
        visible: Int, scale: Float, into: UnsafeMutablePointer<Float>
    ) {
        var j = 0
        while j + 32 <= visible {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            for i in 0..<n {
                let xi = SIMD8<Float>(repeating: x[i]), row = mT + i * ld + j
                a0 = a0.addingProduct(xi, Reduce.load(row, 0))
                a1 = a1.addingProduct(xi, Reduce.load(row, 8))
                a2 = a2.addingProduct(xi, Reduce.load(row, 16))
                a3 = a3.addingProduct(xi, Reduce.load(row, 24))
            }
            store(a0 * scale, into + j)
            store(a1 * scale, into + j + 8)
            store(a2 * scale, into + j + 16)
            store(a3 * scale, into + j + 24)
            j += 32
        }
        while j < visible {
            var a = SIMD8<Float>()
            for i in 0..<n { a = a.addingProduct(SIMD8(repeating: x[i]), Reduce.load(mT + i * ld + j, 0)) }
            store(a * scale, into + j)
            j += 8
        }
    }

    /// into[c] (+)= scale · Σ_{j < count} w[j·weightStride] · rows[j·rowStride + c] for c < width:
    /// 32 columns at a time in four independent sums, then 8, then one by one.
    @inline(__always)
    static func weightedSum(
        _ w: UnsafePointer<Float>, weightStride: Int, of rows: UnsafePointer<Float>, rowStride: Int,
        count: Int, width: Int, scale: Float, into: UnsafeMutablePointer<Float>, adding: Bool
    ) {
        func finish(_ sum: SIMD8<Float>, _ at: UnsafeMutablePointer<Float>) {
            store(adding ? Reduce.load(at, 0) + sum * scale : sum * scale, at)
        }
        var c = 0
        while c + 32 <= width {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            for j in 0..<count {
                let wj = SIMD8<Float>(repeating: w[j * weightStride]), row = rows + j * rowStride + c
                a0 = a0.addingProduct(wj, Reduce.load(row, 0))
                a1 = a1.addingProduct(wj, Reduce.load(row, 8))
                a2 = a2.addingProduct(wj, Reduce.load(row, 16))
                a3 = a3.addingProduct(wj, Reduce.load(row, 24))
            }
            finish(a0, into + c)
            finish(a1, into + c + 8)
            finish(a2, into + c + 16)
            finish(a3, into + c + 24)
            c += 32
        }
        while c + 8 <= width {
            var a = SIMD8<Float>()
            for j in 0..<count {
                a = a.addingProduct(SIMD8(repeating: w[j * weightStride]), Reduce.load(rows + j * rowStride + c, 0))
            }
            finish(a, into + c)
            c += 8
        }
        while c < width {
            var a: Float = 0
            for j in 0..<count { a = a.addingProduct(w[j * weightStride], rows[j * rowStride + c]) }
            into[c] = adding ? into[c] + a * scale : a * scale
            c += 1
        }
    }

    @inline(__always)
    static func store(_ value: SIMD8<Float>, _ at: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(at).storeBytes(of: value, as: SIMD8<Float>.self)
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
