// Row reductions (sum, maximum, dot product) with eight independent accumulators. LLVM will
// not vectorise a plain Float reduction loop, because reordering the additions changes the
// rounding; these helpers choose one fixed order (lanes of 8, then the tail), which is just
// as deterministic and about 8× faster. They are @inlinable: the inference sessions call them
// once per cached position from another module, where a call each cost a third of RL's time.

public enum Reduce {
    /// Eight floats from p + i (no alignment needed).
    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Σ p[i] for i in 0..<n
    @inlinable @inline(__always)
    public static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n { lanes += load(p, i); i += 8 }
        var total = lanes.sum()
        while i < n { total += p[i]; i += 1 }
        return total
    }

    /// max p[i] for i in 0..<n (−∞ when n is 0)
    @inlinable @inline(__always)
    public static func maximum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            let next = load(p, i)
            lanes.replace(with: next, where: next .> lanes)
            i += 8
        }
        var best = lanes.max()
        while i < n { best = Swift.max(best, p[i]); i += 1 }
        return best
    }

    /// Σ a[i]·b[i] for i in 0..<n
    @inlinable @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float
    {
        var lanes = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n { lanes += load(a, i) * load(b, i); i += 8 }
        var total = lanes.sum()
        while i < n { total += a[i] * b[i]; i += 1 }
        return total
    }

    /// out[c] = Σ_j w[j]·rows[j·stride + c] for c < width: each sum starts at 0 and adds
    /// w[j]·row (a product, then a sum: no fused multiply-add) for j = 0, 1, … in order, as
    /// the plain loop does, kept in registers 32 columns at a time instead of stored and loaded
    /// again for every row. The inference sessions' attention: one row per cached position.
    /// `adding`: each sum starts at out[c] instead, so rows summed in two calls give the floats
    /// of one call over all of them.
    @inlinable @inline(__always)
    public static func scaledRowSum(
        _ w: UnsafePointer<Float>, rows: UnsafePointer<Float>, stride: Int, count: Int,
        width: Int, into out: UnsafeMutablePointer<Float>, adding: Bool = false
    ) {
        @inline(__always) func store(_ value: SIMD8<Float>, _ at: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(at).storeBytes(of: value, as: SIMD8<Float>.self)
        }
        var c = 0
        while c + 32 <= width {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            if adding { a0 = load(out, c); a1 = load(out, c + 8); a2 = load(out, c + 16); a3 = load(out, c + 24) }
            for j in 0..<count {
                let wj = w[j], row = rows + j * stride + c
                a0 = a0 + wj * load(row, 0)
                a1 = a1 + wj * load(row, 8)
                a2 = a2 + wj * load(row, 16)
                a3 = a3 + wj * load(row, 24)
            }
            store(a0, out + c); store(a1, out + c + 8); store(a2, out + c + 16); store(a3, out + c + 24)
            c += 32
        }
        while c + 8 <= width {
            var a = adding ? load(out, c) : SIMD8<Float>()
            for j in 0..<count { a = a + w[j] * load(rows + j * stride + c, 0) }
            store(a, out + c)
            c += 8
        }
        while c < width {
            var a: Float = adding ? out[c] : 0
            for j in 0..<count { a = a + w[j] * rows[j * stride + c] }
            out[c] = a
            c += 1
        }
    }

    /// Softmax of p[0..<n] in place; returns nothing, the row sums to 1.
    @inlinable @inline(__always)
    public static func softmaxInPlace(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        let top = maximum(p, n)
        for i in 0..<n { p[i] = fastExp(p[i] - top) }   // no reduction here: vectorises
        let inverse = 1 / sum(p, n)
        for i in 0..<n { p[i] *= inverse }
    }
}
