// Linear layer (matrix product + bias): forward/backward through OpenBLAS sgemm, a slow
// Float64 reference beside it, and the autograd op. Weight layout (OC, C) as in llm.c/PyTorch.
// Shapes: N rows (B·T flattened), C input channels, OC output channels.

import COpenBLAS

public enum LinearKernel {
    // OpenBLAS threads these products itself (see Parallel.swift).

    /// out(N, OC) = inp(N, C) · weight(OC, C)ᵀ + bias(OC)
    public static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        N: Int, C: Int, OC: Int
    ) {
        if let bias {
            // Start every row at the bias so sgemm adds the product onto it (beta = 1).
            for n in 0..<N { (out + n * OC).update(from: bias, count: OC) }
        }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(N), Int32(OC), Int32(C),
            1, inp, Int32(C), weight, Int32(C), bias == nil ? 0 : 1, out, Int32(OC))
    }

    /// Accumulates dinp(N, C) += dout · weight, dweight(OC, C) += doutᵀ · inp, dbias(OC) += Σₙ dout.
    /// Any of the gradients may be nil when that input needs none.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
        dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        N: Int, C: Int, OC: Int
    ) {
        if let dinp {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(N), Int32(C), Int32(OC),
                1, dout, Int32(OC), weight, Int32(C), 1, dinp, Int32(C))
        }
        if let dweight {
            cblas_sgemm(
                CblasRowMajor, CblasTrans, CblasNoTrans, Int32(OC), Int32(C), Int32(N),
                1, dout, Int32(OC), inp, Int32(C), 1, dweight, Int32(C))
        }
        if let dbias {
            // Output channels are independent: split them across the cores.
            Parallel.forEachChunk(OC, minimumChunk: 64) { channels in
                for n in 0..<N {
                    let row = dout + n * OC
                    for o in channels { dbias[o] += row[o] }
                }
            }
        }
    }
}

/// Slow, obviously-correct Float64 versions: the oracle for the fast kernels and for
/// finite-difference gradient checks.
public enum LinearReference {
    public static func forward(
        inp: [Double], weight: [Double], bias: [Double]?, N: Int, C: Int, OC: Int
    ) -> [Double] {
        var out = [Double](repeating: 0, count: N * OC)
        for n in 0..<N {
            for o in 0..<OC {
                var sum = bias?[o] ?? 0
                for c in 0..<C { sum += inp[n * C + c] * weight[o * C + c] }
                out[n * OC + o] = sum
            }
        }
        return out
    }

    /// Returns (dinp, dweight, dbias) for upstream gradient dout(N, OC).
    public static func backward(
        dout: [Double], inp: [Double], weight: [Double], N: Int, C: Int, OC: Int
    )
        -> (dinp: [Double], dweight: [Double], dbias: [Double])
    {
        var dinp = [Double](repeating: 0, count: N * C)
        var dweight = [Double](repeating: 0, count: OC * C)
        var dbias = [Double](repeating: 0, count: OC)
        for n in 0..<N {
            for o in 0..<OC {
                let d = dout[n * OC + o]
                dbias[o] += d
                for c in 0..<C {
                    dinp[n * C + c] += d * weight[o * C + c]
                    dweight[o * C + c] += d * inp[n * C + c]
                }
            }
        }
        return (dinp, dweight, dbias)
    }
}

/// y = x · Wᵀ + b over the last dimension of x: (…, C) → (…, OC).
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    precondition(weight.shape.count == 2, "linear weight must be (OC, C), got \(weight.shape)")
    let OC = weight.shape[0], C = weight.shape[1]
    precondition(x.shape.last == C, "linear input \(x.shape) does not end in C = \(C)")
    precondition(bias == nil || bias!.shape == [OC], "linear bias must be (\(OC))")
    let N = x.count / C
    let inputs = [x, weight] + (bias.map { [$0] } ?? [])
    let out = Tensor.result(Array(x.shape.dropLast()) + [OC], from: inputs)
    LinearKernel.forward(
        out: out.data, inp: x.data, weight: weight.data, bias: bias?.data, N: N, C: C, OC: OC)
    if out.requiresGradient {
        out.recordOrigin(inputs) { [unowned out] in
            LinearKernel.backward(
                dinp: x.requiresGradient ? x.gradient : nil,
                dweight: weight.requiresGradient ? weight.gradient : nil,
                dbias: bias.flatMap { $0.requiresGradient ? $0.gradient : nil },
                dout: out.gradient, inp: x.data, weight: weight.data, N: N, C: C, OC: OC)
        }
    }
    return out
}
