// LayerNorm over the channel dimension (Ba, Kiros & Hinton 2016), as GPT-2 uses it, eps 1e-5.
// Forward saves each row's mean and 1/std for the backward, as llm.c does.
// Shapes: N rows, C channels.

public enum LayerNormKernel {
    public static let epsilon: Float = 1e-5

    /// out(N, C) = (inp − mean) · rstd · weight(C) + bias(C); writes mean(N) and rstd(N).
    public static func forward(
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
        rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, N: Int, C: Int
    ) {
        Parallel.forEachChunk(N, minimumChunk: 64) { rows in
            for n in rows {
                let x = inp + n * C, y = out + n * C
                let m = Reduce.sum(x, C) / Float(C)
                for c in 0..<C { y[c] = x[c] - m }   // deviations, reused below
                let s = 1 / (Reduce.dot(y, y, C) / Float(C) + epsilon).squareRoot()
                for c in 0..<C { y[c] = y[c] * s * weight[c] + bias[c] }
                mean[n] = m
                rstd[n] = s
            }
        }
    }

    /// Accumulates dinp, dweight, dbias from dout(N, C). Rows are split across the cores;
    /// each chunk sums its weight and bias gradients privately, then the chunks are added in
    /// order (the same order every run).
    public static func backward(
        dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
        dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, N: Int, C: Int
    ) {
        let chunks = Swift.max(1, Swift.min(Parallel.coreCount, N / 64))
        // Per chunk: [dweight | dbias | norm row | dnorm row], 4C floats.
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunks * 4 * C)
        scratch.initialize(repeating: 0, count: chunks * 4 * C)
        defer { scratch.deallocate() }
        Parallel.forEach(chunks) { chunk in
            let partialWeight = scratch + chunk * 4 * C, partialBias = partialWeight + C
            let norm = partialBias + C, dnorm = norm + C
            for n in (N * chunk / chunks)..<(N * (chunk + 1) / chunks) {
                let x = inp + n * C, d = dout + n * C
                let m = mean[n], s = rstd[n]
                for c in 0..<C {
                    norm[c] = (x[c] - m) * s
                    dnorm[c] = weight[c] * d[c]
                    partialBias[c] += d[c]
                    partialWeight[c] += norm[c] * d[c]
                }
                // The two row reductions the input gradient needs.
                let dnormMean = Reduce.sum(dnorm, C) / Float(C)
                let dnormDotNorm = Reduce.dot(dnorm, norm, C) / Float(C)
                if let dinp {
                    let dx = dinp + n * C
                    for c in 0..<C { dx[c] += (dnorm[c] - dnormMean - norm[c] * dnormDotNorm) * s }
                }
            }
        }
        for chunk in 0..<chunks {
            let partialWeight = scratch + chunk * 4 * C, partialBias = partialWeight + C
            if let dweight { for c in 0..<C { dweight[c] += partialWeight[c] } }
            if let dbias { for c in 0..<C { dbias[c] += partialBias[c] } }
        }
    }
}

public enum LayerNormReference {
    public static func forward(
        inp: [Double], weight: [Double], bias: [Double], N: Int, C: Int
    ) -> [Double] {
        var out = inp
        for n in 0..<N {
            let row = inp[n * C..<(n + 1) * C]
            let m = row.reduce(0, +) / Double(C)
            let v = row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(C)
            let s = 1 / (v + Double(LayerNormKernel.epsilon)).squareRoot()
            for c in 0..<C { out[n * C + c] = (inp[n * C + c] - m) * s * weight[c] + bias[c] }
        }
        return out
    }

    /// Differentiates the formula directly: ∂y_j/∂x_i summed over j (O(C²) per row).
    public static func backward(
        dout: [Double], inp: [Double], weight: [Double], N: Int, C: Int
    )
        -> (dinp: [Double], dweight: [Double], dbias: [Double])
    {
        var dinp = [Double](repeating: 0, count: N * C)
        var dweight = [Double](repeating: 0, count: C), dbias = [Double](repeating: 0, count: C)
        for n in 0..<N {
            let row = Array(inp[n * C..<(n + 1) * C])
            let m = row.reduce(0, +) / Double(C)
            let v = row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(C)
            let s = 1 / (v + Double(LayerNormKernel.epsilon)).squareRoot()
            for j in 0..<C {
                let norm = (row[j] - m) * s
                dweight[j] += dout[n * C + j] * norm
                dbias[j] += dout[n * C + j]
                for i in 0..<C {
                    // ∂norm_j/∂x_i = s·(δij − 1/C) − (x_j − m)·s³·(x_i − m)/C
                    let delta: Double = i == j ? 1 : 0
                    let dnormDx =
                        s * (delta - 1 / Double(C)) - (row[j] - m) * s * s * s * (row[i] - m)
                        / Double(C)
                    dinp[n * C + i] += dout[n * C + j] * weight[j] * dnormDx
                }
            }
        }
        return (dinp, dweight, dbias)
    }
}

/// LayerNorm over the last dimension with learned weight (gain) and bias, both (C).
public func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor) -> Tensor {
    let C = x.shape.last!
    precondition(
        weight.shape == [C] && bias.shape == [C], "layerNorm weight and bias must be (\(C))")
    let N = x.count / C
    let out = Tensor.result(x.shape, from: [x, weight, bias])
    let mean = BufferPool.allocate(N), rstd = BufferPool.allocate(N)
    LayerNormKernel.forward(
        out: out.data, mean: mean, rstd: rstd, inp: x.data, weight: weight.data,
        bias: bias.data, N: N, C: C)
    guard out.requiresGradient else {
        BufferPool.release(mean, count: N); BufferPool.release(rstd, count: N)
        return out
    }
    let statistics = SavedBuffers([mean, rstd], count: N)
    out.recordOrigin([x, weight, bias]) { [unowned out] in
        LayerNormKernel.backward(
            dinp: x.requiresGradient ? x.gradient : nil,
            dweight: weight.requiresGradient ? weight.gradient : nil,
            dbias: bias.requiresGradient ? bias.gradient : nil,
            dout: out.gradient, inp: x.data, weight: weight.data,
            mean: statistics.buffers[0], rstd: statistics.buffers[1], N: N, C: C)
    }
    return out
}

/// Scratch buffers a forward saves for its backward; freed with the graph.
final class SavedBuffers {
    let buffers: [UnsafeMutablePointer<Float>]
    let count: Int
    /// Buffers of `count` floats each, taken from `BufferPool`.
    init(_ buffers: [UnsafeMutablePointer<Float>], count: Int) {
        self.buffers = buffers; self.count = count
    }
    deinit { buffers.forEach { BufferPool.release($0, count: count) } }
}
