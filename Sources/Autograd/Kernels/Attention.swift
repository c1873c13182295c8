// Causal multi-head self-attention on a packed qkv tensor, as in GPT-2: each position attends
// to itself and earlier positions, softmax(Q·Kᵀ/√hs)·V per head. One (batch, head) pair at a
// time, pairs spread over the cores: they write disjoint memory, so results do not depend on
// scheduling. Each product is written out here rather than sent to sgemm: a head is small
// (T = 128 rows of hs = 32 at the course's size), and the 24 sgemm calls a pair needed cost more
// than their arithmetic; a row touches only the keys it can see, eight floats at a time (the
// masked triangle is skipped but for the rest of a block of rows' last eight). Forward saves the
// attention probabilities (the backward needs them; lessons draw them). Leaves out: dropout,
// flash-style tiling (T is small here).
// Shapes: B batch, T time, C channels, NH heads, hs = C / NH head size.
// qkv (B, T, 3C) holds [q | k | v] per row, head h at columns h·hs ..< (h+1)·hs of each part.

import Foundation

public enum AttentionKernel {
    /// out(B, T, C) and att(B, NH, T, T) from qkv(B, T, 3C). att's upper triangle is zero.
    /// `rowBlock`: query rows (and, backward, key columns) worked on together, 4 or 1. Each
    /// output is still one chain of fused multiply-adds in the order a row alone would use, so
    /// the floats are those of `rowBlock: 1`; blocking buys independent chains for the core to
    /// overlap (one chain waits on each FMA's latency) and, for Q·Kᵀ, each lane of keys loaded
    /// once for four queries. Tests pass 1 to check that the floats are equal.
    public static func forward(
        out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>,
        qkv: UnsafePointer<Float>, B: Int, T: Int, C: Int, NH: Int,
        rowBlock: Int = 4
    ) {
        precondition(rowBlock == 1 || rowBlock == 4, "rowBlock must be 1 or 4, got \(rowBlock)")
        let hs = C / NH, Tp = paddedLength(T)
        let scale = 1 / Float(hs).squareRoot()
        Parallel.forEach(B * NH) { pair in
            let (b, h) = (pair / NH, pair % NH)
            let q = qkv + b * T * 3 * C + h * hs, k = q + C, v = q + 2 * C
            let p = att + pair * T * T, o = out + b * T * C + h * hs
            let kT = transposed(k, rows: T, columns: hs, stride: 3 * C, paddedTo: Tp)
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: 4 * Tp)
            defer { kT.deallocate(); scores.deallocate() }
            var t0 = 0
            while t0 < T {
                let rows = Swift.min(rowBlock, T - t0)
                // S = scale · q_t·Kᵀ over the visible keys, softmax, zeros right of the diagonal.
                dotRows(
                    q + t0 * 3 * C, rowStride: 3 * C, rows: rows, hs, with: kT, Tp,
                    visible: t0 + 1, scale: scale, into: scores, intoStride: Tp)
                for t in t0..<(t0 + rows) {
                    let scored = scores + (t - t0) * Tp
                    Reduce.softmaxInPlace(scored, t + 1)
                    let row = p + t * T
                    row.update(from: scored, count: t + 1)
                    (row + t + 1).update(repeating: 0, count: T - t - 1)
                }
                // O_t = Σ_j P_tj · V_j
                forEachPair(t0..<(t0 + rows)) { t in
                    WeightedRows(p + t * T, weightStride: 1, of: v, rowStride: 3 * C, count: t + 1, into: o + t * C)
                } each: { first, second in
                    weightedSums(first, second, width: hs, scale: 1, adding: false)
                }
                t0 += rows
            }
        }
    }

    /// Accumulates dqkv(B, T, 3C) from dout(B, T, C), given the forward's att.
    public static func backward(
        dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        qkv: UnsafePointer<Float>, att: UnsafePointer<Float>,
        B: Int, T: Int, C: Int, NH: Int, rowBlock: Int = 4
    ) {
        precondition(rowBlock == 1 || rowBlock == 4, "rowBlock must be 1 or 4, got \(rowBlock)")
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
            var t0 = 0
            while t0 < T {
                let rows = Swift.min(rowBlock, T - t0)
                // dP_t = dO_t·Vᵀ, then the softmax backward in place: dS = P ⊙ (dP − Σⱼ P·dP).
                dotRows(
                    dO + t0 * C, rowStride: C, rows: rows, hs, with: vT, Tp, visible: t0 + 1,
                    scale: 1, into: dS + t0 * Tp, intoStride: Tp)
                for t in t0..<(t0 + rows) {
                    let row = dS + t * Tp, pRow = p + t * T
                    let dot = Reduce.dot(pRow, row, t + 1)
                    for j in 0...t { row[j] = pRow[j] * (row[j] - dot) }
                }
                // dQ_t += scale · Σ_j dS_tj · K_j
                forEachPair(t0..<(t0 + rows)) { t in
                    WeightedRows(dS + t * Tp, weightStride: 1, of: k, rowStride: 3 * C, count: t + 1, into: dq + t * 3 * C)
                } each: { first, second in
                    weightedSums(first, second, width: hs, scale: scale, adding: true)
                }
                t0 += rows
            }
            // Column j is seen by queries j..<T: dV_j += Σ_t P_tj · dO_t, dK_j += scale · Σ_t dS_tj · Q_t
            let columns = rowBlock == 1 ? 1 : 2
            var j0 = 0
            while j0 < T {
                let block = j0..<Swift.min(j0 + columns, T)
                forEachPair(block) { j in
                    WeightedRows(p + j * T + j, weightStride: T, of: dO + j * C, rowStride: C, count: T - j, into: dv + j * 3 * C)
                } each: { first, second in
                    weightedSums(first, second, width: hs, scale: 1, adding: true)
                }
                forEachPair(block) { j in
                    WeightedRows(dS + j * Tp + j, weightStride: Tp, of: q + j * 3 * C, rowStride: 3 * C, count: T - j, into: dk + j * 3 * C)
                } each: { first, second in
                    weightedSums(first, second, width: hs, scale: scale, adding: true)
                }
                j0 = block.upperBound
            }
        }
    }

    /// Calls `each` on the sums of `range` two at a time (the last alone when one is left).
    @inline(__always)
    static func forEachPair(
        _ range: Range<Int>, _ sum: (Int) -> WeightedRows,
        each: (WeightedRows, WeightedRows?) -> Void
    ) {
        var i = range.lowerBound
        while i < range.upperBound {
            each(sum(i), i + 1 < range.upperBound ? sum(i + 1) : nil)
            i += 2
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

    /// For each of `rows` query rows r (at x + r·rowStride): into[r·intoStride + j] =
    /// scale · Σᵢ x_r[i]·mT[i·ld + j] for j < visible + r. Written further, up to the lane of
    /// eight that holds the last visible key of row `rows − 1` (for every row: intoStride and
    /// ld must reach that far; mT's padding keeps the rest finite); callers read only the
    /// visible part. Four rows at a time share each load of mT, two lanes at a time: eight
    /// independent sums.
    @inline(__always)
    static func dotRows(
        _ x: UnsafePointer<Float>, rowStride: Int, rows: Int, _ n: Int,
        with mT: UnsafePointer<Float>, _ ld: Int, visible: Int, scale: Float,
        into: UnsafeMutablePointer<Float>, intoStride: Int
    ) {
        guard rows == 4 else {
            for r in 0..<rows {
                dotRow(x + r * rowStride, n, with: mT, ld, visible: visible + r, scale: scale,
                       into: into + r * intoStride)
            }
            return
        }
        let x0 = x, x1 = x + rowStride, x2 = x + 2 * rowStride, x3 = x + 3 * rowStride
        let end = visible + 3
        var j = 0
        while j < end {
            let two = j + 8 < end
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var b0 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>(), b3 = SIMD8<Float>()
            if two {
                for i in 0..<n {
                    let row = mT + i * ld + j
                    let ka = Reduce.load(row, 0), kb = Reduce.load(row, 8)
                    let q0 = SIMD8<Float>(repeating: x0[i]), q1 = SIMD8<Float>(repeating: x1[i])
                    let q2 = SIMD8<Float>(repeating: x2[i]), q3 = SIMD8<Float>(repeating: x3[i])
                    a0 = a0.addingProduct(q0, ka); b0 = b0.addingProduct(q0, kb)
                    a1 = a1.addingProduct(q1, ka); b1 = b1.addingProduct(q1, kb)
                    a2 = a2.addingProduct(q2, ka); b2 = b2.addingProduct(q2, kb)
                    a3 = a3.addingProduct(q3, ka); b3 = b3.addingProduct(q3, kb)
                }
            } else {
                for i in 0..<n {
                    let ka = Reduce.load(mT + i * ld + j, 0)
                    a0 = a0.addingProduct(SIMD8(repeating: x0[i]), ka)
                    a1 = a1.addingProduct(SIMD8(repeating: x1[i]), ka)
                    a2 = a2.addingProduct(SIMD8(repeating: x2[i]), ka)
                    a3 = a3.addingProduct(SIMD8(repeating: x3[i]), ka)
                }
            }
            store(a0 * scale, into + j)
            store(a1 * scale, into + intoStride + j)
            store(a2 * scale, into + 2 * intoStride + j)
            store(a3 * scale, into + 3 * intoStride + j)
            if two {
                store(b0 * scale, into + j + 8)
                store(b1 * scale, into + intoStride + j + 8)
                store(b2 * scale, into + 2 * intoStride + j + 8)
                store(b3 * scale, into + 3 * intoStride + j + 8)
            }
            j += two ? 16 : 8
        }
    }

    /// One row of `dotRows`: into[j] = scale · Σᵢ x[i]·mT[i·ld + j] for j < visible, rounded
    /// up to a lane. Four lanes at a time while they last, so four independent sums share
    /// each x[i].
    @inline(__always)
    static func dotRow(
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

    /// One weighted sum of rows, `weightedSum`'s arguments.
    struct WeightedRows {
        let w: UnsafePointer<Float>, weightStride: Int
        let rows: UnsafePointer<Float>, rowStride: Int, count: Int
        let into: UnsafeMutablePointer<Float>

        @inline(__always)
        init(
            _ w: UnsafePointer<Float>, weightStride: Int, of rows: UnsafePointer<Float>,
            rowStride: Int, count: Int, into: UnsafeMutablePointer<Float>
        ) {
            self.w = w; self.weightStride = weightStride; self.rows = rows
            self.rowStride = rowStride; self.count = count; self.into = into
        }

        @inline(__always) func weight(_ j: Int) -> SIMD8<Float> {
            SIMD8(repeating: w[j * weightStride])
        }
        @inline(__always) func row(_ j: Int, _ c: Int) -> UnsafePointer<Float> {
            rows + j * rowStride + c
        }
    }

    /// Two weighted sums at once (the second may be absent), each term for term as
    /// `weightedSum` computes it alone: 32 columns of both in eight independent chains, then
    /// lanes of eight, then `weightedSum`'s own column-by-column tail.
    @inline(__always)
    static func weightedSums(
        _ a: WeightedRows, _ b: WeightedRows?, width: Int, scale: Float, adding: Bool
    ) {
        guard let b else {
            weightedSum(a.w, weightStride: a.weightStride, of: a.rows, rowStride: a.rowStride,
                        count: a.count, width: width, scale: scale, into: a.into, adding: adding)
            return
        }
        func finish(_ sum: SIMD8<Float>, _ at: UnsafeMutablePointer<Float>) {
            store(adding ? Reduce.load(at, 0) + sum * scale : sum * scale, at)
        }
        let shared = Swift.min(a.count, b.count)
        var c = 0
        while c + 32 <= width {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var b0 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>(), b3 = SIMD8<Float>()
            for j in 0..<shared {
                let wa = a.weight(j), ra = a.row(j, c), wb = b.weight(j), rb = b.row(j, c)
                a0 = a0.addingProduct(wa, Reduce.load(ra, 0)); b0 = b0.addingProduct(wb, Reduce.load(rb, 0))
                a1 = a1.addingProduct(wa, Reduce.load(ra, 8)); b1 = b1.addingProduct(wb, Reduce.load(rb, 8))
                a2 = a2.addingProduct(wa, Reduce.load(ra, 16)); b2 = b2.addingProduct(wb, Reduce.load(rb, 16))
                a3 = a3.addingProduct(wa, Reduce.load(ra, 24)); b3 = b3.addingProduct(wb, Reduce.load(rb, 24))
            }
            for j in shared..<a.count {
                let wa = a.weight(j), ra = a.row(j, c)
                a0 = a0.addingProduct(wa, Reduce.load(ra, 0)); a1 = a1.addingProduct(wa, Reduce.load(ra, 8))
                a2 = a2.addingProduct(wa, Reduce.load(ra, 16)); a3 = a3.addingProduct(wa, Reduce.load(ra, 24))
            }
            for j in shared..<b.count {
                let wb = b.weight(j), rb = b.row(j, c)
                b0 = b0.addingProduct(wb, Reduce.load(rb, 0)); b1 = b1.addingProduct(wb, Reduce.load(rb, 8))
                b2 = b2.addingProduct(wb, Reduce.load(rb, 16)); b3 = b3.addingProduct(wb, Reduce.load(rb, 24))
            }
            finish(a0, a.into + c); finish(a1, a.into + c + 8)
            finish(a2, a.into + c + 16); finish(a3, a.into + c + 24)
            finish(b0, b.into + c); finish(b1, b.into + c + 8)
            finish(b2, b.into + c + 16); finish(b3, b.into + c + 24)
            c += 32
        }
        while c + 8 <= width {
            var sa = SIMD8<Float>(), sb = SIMD8<Float>()
            for j in 0..<shared {
                sa = sa.addingProduct(a.weight(j), Reduce.load(a.row(j, c), 0))
                sb = sb.addingProduct(b.weight(j), Reduce.load(b.row(j, c), 0))
            }
            for j in shared..<a.count { sa = sa.addingProduct(a.weight(j), Reduce.load(a.row(j, c), 0)) }
            for j in shared..<b.count { sb = sb.addingProduct(b.weight(j), Reduce.load(b.row(j, c), 0)) }
            finish(sa, a.into + c); finish(sb, b.into + c)
            c += 8
        }
        guard c < width else { return }
        // The last columns (fewer than a lane), each sum on its own; `from` passed, not captured,
        // so the loop's counter stays a plain local.
        func rest(_ sum: WeightedRows, from c: Int) {
            weightedSum(sum.w, weightStride: sum.weightStride, of: sum.row(0, c), rowStride: sum.rowStride,
                        count: sum.count, width: width - c, scale: scale, into: sum.into + c,
                        adding: adding)
        }
        rest(a, from: c)
        rest(b, from: c)
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
