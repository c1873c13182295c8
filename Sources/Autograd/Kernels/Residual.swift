// Residual connection: element-wise sum of two same-shaped tensors. Shapes: N elements.

public enum ResidualKernel {
    public static func forward(
        out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>, N: Int
    ) {
        Parallel.forEachChunk(N, minimumChunk: 16384) { range in
            for i in range { out[i] = a[i] + b[i] }
        }
    }

    /// The sum passes its gradient to both inputs unchanged.
    public static func backward(
        da: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?,
        dout: UnsafePointer<Float>, N: Int
    ) {
        Parallel.forEachChunk(N, minimumChunk: 16384) { range in
            if let da { for i in range { da[i] += dout[i] } }
            if let db { for i in range { db[i] += dout[i] } }
        }
    }
}

public enum ResidualReference {
    public static func forward(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map(+) }
}

/// a + b, same shapes.
public func add(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.shape == b.shape, "add needs equal shapes, got \(a.shape) and \(b.shape)")
    let out = Tensor.result(a.shape, from: [a, b])
    ResidualKernel.forward(out: out.data, a: a.data, b: b.data, N: a.count)
    if out.requiresGradient {
        out.recordOrigin([a, b]) { [unowned out] in
            ResidualKernel.backward(
                da: a.requiresGradient ? a.gradient : nil,
                db: b.requiresGradient ? b.gradient : nil, dout: out.gradient, N: a.count)
        }
    }
    return out
}
