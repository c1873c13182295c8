// Embedding lookup: rows of a table picked by integer ids. Forward copies, backward
// scatter-adds. Shapes: N ids, V rows in the table, C channels.

public enum EmbeddingKernel {
    /// out(N, C) = table(V, C)[ids(N)]
    public static func forward(
        out: UnsafeMutablePointer<Float>, table: UnsafePointer<Float>,
        ids: UnsafePointer<Int32>, N: Int, C: Int
    ) {
        for n in 0..<N { (out + n * C).update(from: table + Int(ids[n]) * C, count: C) }
    }

    /// dtable[ids[n]] += dout[n]: a row used twice receives both gradients.
    public static func backward(
        dtable: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        ids: UnsafePointer<Int32>, N: Int, C: Int
    ) {
        for n in 0..<N {
            let row = dtable + Int(ids[n]) * C, d = dout + n * C
            for c in 0..<C { row[c] += d[c] }
        }
    }
}

public enum EmbeddingReference {
    public static func forward(table: [Double], ids: [Int], C: Int) -> [Double] {
        ids.flatMap { table[$0 * C..<($0 + 1) * C] }
    }

    public static func backward(dout: [Double], ids: [Int], V: Int, C: Int) -> [Double] {
        var dtable = [Double](repeating: 0, count: V * C)
        for (n, id) in ids.enumerated() { for c in 0..<C { dtable[id * C + c] += dout[n * C + c] } }
        return dtable
    }
}

/// Rows of `table` (V, C) for each id: result shape `idsShape + [C]`.
public func embedding(_ table: Tensor, ids: [Int32], idsShape: [Int]? = nil) -> Tensor {
    precondition(table.shape.count == 2, "embedding table must be (V, C), got \(table.shape)")
    let V = table.shape[0], C = table.shape[1], N = ids.count
    precondition(ids.allSatisfy { $0 >= 0 && Int($0) < V }, "embedding id outside 0..<\(V)")
    let shape = idsShape ?? [N]
    precondition(shape.reduce(1, *) == N, "ids shape \(shape) does not hold \(N) ids")
    let out = Tensor.result(shape + [C], from: [table])
    ids.withUnsafeBufferPointer {
        EmbeddingKernel.forward(out: out.data, table: table.data, ids: $0.baseAddress!, N: N, C: C)
    }
    if out.requiresGradient {
        out.recordOrigin([table]) { [unowned out] in
            ids.withUnsafeBufferPointer {
                EmbeddingKernel.backward(
                    dtable: table.gradient, dout: out.gradient, ids: $0.baseAddress!, N: N, C: C)
            }
        }
    }
    return out
}
