// LayerNorm over the channel dimension (Ba, Kiros & Hinton 2016), as GPT-2 uses it, eps 1e-5.
// Forward saves each row's mean and 1/std for the backward, as llm.c does.
// Shapes: N rows, C channels.

public enum LayerNormKernel {
    public static let epsilon: Float = 1e-5

    /// out(N, C) = (inp − mean) · rstd · weight(C) + bias(C); writes mean(N) and rstd(N).
    public static func forward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                               rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, N: Int, C: Int) {
        for n in 0..<N {
            let x = inp + n * C, y = out + n * C
            var sum: Float = 0
            for c in 0..<C { sum += x[c] }
            let m = sum / Float(C)
            var variance: Float = 0
            for c in 0..<C { let d = x[c] - m; variance += d * d }
            let s = 1 / (variance / Float(C) + epsilon).squareRoot()
            for c in 0..<C { y[c] = (x[c] - m) * s * weight[c] + bias[c] }
            mean[n] = m
            rstd[n] = s
        }
    }

    /// Accumulates dinp, dweight, dbias from dout(N, C).
    public static func backward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
                                dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                                inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, N: Int, C: Int) {
        for n in 0..<N {
            let x = inp + n * C, d = dout + n * C
            let m = mean[n], s = rstd[n]
            // The two row reductions the input gradient needs.
            var dnormMean: Float = 0, dnormDotNorm: Float = 0
            for c in 0..<C {
                let norm = (x[c] - m) * s
                let dnorm = weight[c] * d[c]
                dnormMean += dnorm
                dnormDotNorm += dnorm * norm
            }
            dnormMean /= Float(C)
            dnormDotNorm /= Float(C)
            for c in 0..<C {
                let norm = (x[c] - m) * s
                if let dbias { dbias[c] += d[c] }
                if let dweight { dweight[c] += norm * d[c] }
                if let dinp { dinp[n * C + c] += (weight[c] * d[c] - dnormMean - norm * dnormDotNorm) * s }
            }
        }
    }
}

public enum LayerNormReference {
    public static func forward(inp: [Double], weight: [Double], bias: [Double], N: Int, C: Int) -> [Double] {
        var out = inp
        for n in 0..<N {
            let row = inp[n * C ..< (n + 1) * C]
            let m = row.reduce(0, +) / Double(C)
            let v = row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(C)
            let s = 1 / (v + Double(LayerNormKernel.epsilon)).squareRoot()
            for c in 0..<C { out[n * C + c] = (inp[n * C + c] - m) * s * weight[c] + bias[c] }
        }
        return out
    }

    /// Differentiates the formula directly: ∂y_j/∂x_i summed over j (O(C²) per row).
    public static func backward(dout: [Double], inp: [Double], weight: [Double], N: Int, C: Int)
        -> (dinp: [Double], dweight: [Double], dbias: [Double]) {
        var dinp = [Double](repeating: 0, count: N * C)
        var dweight = [Double](repeating: 0, count: C), dbias = [Double](repeating: 0, count: C)
        for n in 0..<N {
            let row = Array(inp[n * C ..< (n + 1) * C])
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
                    let dnormDx = s * (delta - 1 / Double(C)) - (row[j] - m) * s * s * s * (row[i] - m) / Double(C)
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
    precondition(weight.shape == [C] && bias.shape == [C], "layerNorm weight and bias must be (\(C))")
    let N = x.count / C
    let out = Tensor.result(x.shape, from: [x, weight, bias])
    let mean = UnsafeMutablePointer<Float>.allocate(capacity: N)
    let rstd = UnsafeMutablePointer<Float>.allocate(capacity: N)
    LayerNormKernel.forward(out: out.data, mean: mean, rstd: rstd, inp: x.data, weight: weight.data,
                            bias: bias.data, N: N, C: C)
    guard out.requiresGradient else {
        mean.deallocate(); rstd.deallocate()
        return out
    }
    let statistics = SavedBuffers([mean, rstd])
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
    init(_ buffers: [UnsafeMutablePointer<Float>]) { self.buffers = buffers }
    deinit { buffers.forEach { $0.deallocate() } }
}
