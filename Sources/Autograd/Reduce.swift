// Row reductions (sum, maximum, dot product) with eight independent accumulators. LLVM will
// not vectorise a plain Float reduction loop, because reordering the additions changes the
// rounding; these helpers choose one fixed order (lanes of 8, then the tail), which is just
// as deterministic and about 8× faster. They are @inlinable: the inference sessions call them
// once per cached position from another module, where a call each cost a third of RL's time.

public enum Reduce {
    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
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

    /// out[i] += w·v[i] for i in 0..<n, eight lanes at a time (each element on its own, so
    /// the result is the plain loop's; the compiler cannot vectorise that loop itself, since
    /// `out` and `v` might overlap).
    @inlinable @inline(__always)
    public static func addScaled(
        _ v: UnsafePointer<Float>, _ w: Float, into out: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        var i = 0
        while i + 8 <= n {
            UnsafeMutableRawPointer(out + i).storeBytes(
                of: load(UnsafePointer(out), i) + w * load(v, i), as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { out[i] += w * v[i]; i += 1 }
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
