// GELU, tanh approximation as in GPT-2 (Hendrycks & Gimpel 2016):
// gelu(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). Shapes: N elements.

import Foundation

public enum GELUKernel {
    // Literals, not static lets: a global's lazy-initialisation check would sit in the hot loop.

    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int)
    {
        let scale: Float = 0.797_884_56, cubic: Float = 0.044_715   // √(2/π), GPT-2's constant
        Parallel.forEachChunk(N, minimumChunk: 4096) { range in
            for i in range {
                let x = inp[i]
                out[i] = 0.5 * x * (1 + fastTanh(scale * (x + cubic * x * x * x)))
            }
        }
    }

    /// dinp += dout · gelu′(x)
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, N: Int
    ) {
        let scale: Float = 0.797_884_56, cubic: Float = 0.044_715
        Parallel.forEachChunk(N, minimumChunk: 4096) { range in
            for i in range {
                let x = inp[i]
                let t = fastTanh(scale * (x + cubic * x * x * x))
                let sech2 = 1 - t * t
                let local = 0.5 * (1 + t) + 0.5 * x * sech2 * scale * (1 + 3 * cubic * x * x)
                dinp[i] += local * dout[i]
            }
        }
    }
}

public enum GELUReference {
    static let scale = (2 / Double.pi).squareRoot()

    public static func forward(_ x: [Double]) -> [Double] {
        x.map { 0.5 * $0 * (1 + tanh(scale * ($0 + 0.044715 * $0 * $0 * $0))) }
    }

    public static func backward(dout: [Double], inp: [Double]) -> [Double] {
        zip(inp, dout).map { x, d in
            let t = tanh(scale * (x + 0.044715 * x * x * x))
            return d * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * scale * (1 + 3 * 0.044715 * x * x))
        }
    }
}

/// Element-wise GELU.
public func gelu(_ x: Tensor) -> Tensor {
    let out = Tensor.result(x.shape, from: [x])
    GELUKernel.forward(out: out.data, inp: x.data, N: x.count)
    if out.requiresGradient {
        out.recordOrigin([x]) { [unowned out] in
            GELUKernel.backward(dinp: x.gradient, dout: out.gradient, inp: x.data, N: x.count)
        }
    }
    return out
}
