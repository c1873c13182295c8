// GPT-2's MLP as one op: expand (C → H), GELU, project (H → C). The products go through
// LinearKernel's sgemm calls; what fusing buys is the (N, H) activations, the widest of a
// layer: the forward adds the bias and applies GELU in one pass after the product, keeping
// GELU's slope gelu′(z) beside its output (the tanh is evaluated once per step, not again in
// the backward: the same floats, a third of the GELU work saved), and the backward writes the
// GELU output's gradient straight from its product (no zeroed buffer), then turns it into the
// pre-activation's gradient in place, summing the bias gradient in the same pass. Leaves out:
// dropout. Formulas as in GELU.swift and Linear.swift.
// Shapes: N rows, C channels, H hidden channels (4C in GPT-2); expandWeight (H, C),
// projectionWeight (C, H).

import COpenBLAS

public enum FeedForwardKernel {
    /// With z(N, H) = x·expandWeightᵀ + expandBias: activated(N, H) = gelu(z),
    /// slope(N, H) = gelu′(z) (nil: not needed, no gradient to come), out(N, C) =
    /// activated·projectionWeightᵀ + projectionBias.
    public static func forward(
        out: UnsafeMutablePointer<Float>, slope: UnsafeMutablePointer<Float>?,
        activated: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
        expandWeight: UnsafePointer<Float>, expandBias: UnsafePointer<Float>,
        projectionWeight: UnsafePointer<Float>, projectionBias: UnsafePointer<Float>,
        N: Int, C: Int, H: Int
    ) {
        let z = slope ?? activated   // the product lands where it is read from, then replaced
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(N), Int32(H), Int32(C),
            1, x, Int32(C), expandWeight, Int32(C), 0, z, Int32(H))
        let scale: Float = 0.797_884_56, cubic: Float = 0.044_715   // √(2/π), GPT-2's constant
        // Bias, GELU and its slope in one pass over the rows.
        Parallel.forEachChunk(N, minimumChunk: 8) { rows in
            for n in rows {
                let s = z + n * H, a = activated + n * H
                if slope == nil {
                    for i in 0..<H {
                        let z = s[i] + expandBias[i]
                        a[i] = 0.5 * z * (1 + fastTanh(scale * (z + cubic * z * z * z)))
                    }
                    continue
                }
                for i in 0..<H {
                    let z = s[i] + expandBias[i]
                    let t = fastTanh(scale * (z + cubic * z * z * z))
                    a[i] = 0.5 * z * (1 + t)
                    s[i] = 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * scale * (1 + 3 * cubic * z * z)
                }
            }
        }
        LinearKernel.forward(
            out: out, inp: activated, weight: projectionWeight, bias: projectionBias,
            N: N, C: H, OC: C)
    }

    /// Accumulates the gradients of x and the four parameters (any may be nil) from dout(N, C).
    /// `scratch` holds N·H floats and is overwritten.
    public static func backward(
        dx: UnsafeMutablePointer<Float>?, dExpandWeight: UnsafeMutablePointer<Float>?,
        dExpandBias: UnsafeMutablePointer<Float>?, dProjectionWeight: UnsafeMutablePointer<Float>?,
        dProjectionBias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
        x: UnsafePointer<Float>, slope: UnsafePointer<Float>, activated: UnsafePointer<Float>,
        expandWeight: UnsafePointer<Float>, projectionWeight: UnsafePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, N: Int, C: Int, H: Int
    ) {
        LinearKernel.backward(
            dinp: nil, dweight: dProjectionWeight, dbias: dProjectionBias, dout: dout,
            inp: activated, weight: projectionWeight, N: N, C: H, OC: C)
        // dactivated(N, H) = dout·projectionWeight, written (beta 0), not accumulated.
        let dh = scratch
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(N), Int32(H), Int32(C),
            1, dout, Int32(C), projectionWeight, Int32(H), 0, dh, Int32(H))
        // dz = dactivated · gelu′(z) in place; each chunk of rows sums its own bias gradient,
        // and the chunks are added in order (the same order every run).
        let chunks = Swift.max(1, Swift.min(Parallel.coreCount, N / 8))
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: chunks * H)
        partials.initialize(repeating: 0, count: chunks * H)
        defer { partials.deallocate() }
        Parallel.forEach(chunks) { chunk in
            let partial = partials + chunk * H
            for n in (N * chunk / chunks)..<(N * (chunk + 1) / chunks) {
                let s = slope + n * H, d = dh + n * H
                for i in 0..<H {
                    d[i] *= s[i]
                    partial[i] += d[i]
                }
            }
        }
        if let dExpandBias {
            for chunk in 0..<chunks { for i in 0..<H { dExpandBias[i] += partials[chunk * H + i] } }
        }
        LinearKernel.backward(
            dinp: dx, dweight: dExpandWeight, dbias: nil, dout: dh, inp: x, weight: expandWeight,
            N: N, C: C, OC: H)
    }
}

/// The unfused composition in Float64: `LinearReference`, `GELUReference`, `LinearReference`.
public enum FeedForwardReference {
    public static func forward(
        x: [Double], expandWeight: [Double], expandBias: [Double], projectionWeight: [Double],
        projectionBias: [Double], N: Int, C: Int, H: Int
    ) -> [Double] {
        let hidden = LinearReference.forward(
            inp: x, weight: expandWeight, bias: expandBias, N: N, C: C, OC: H)
        return LinearReference.forward(
            inp: GELUReference.forward(hidden), weight: projectionWeight, bias: projectionBias,
            N: N, C: H, OC: C)
    }

    /// (dx, dExpandWeight, dExpandBias, dProjectionWeight, dProjectionBias) for dout(N, C).
    public static func backward(
        dout: [Double], x: [Double], expandWeight: [Double], expandBias: [Double],
        projectionWeight: [Double], N: Int, C: Int, H: Int
    ) -> [[Double]] {
        let hidden = LinearReference.forward(
            inp: x, weight: expandWeight, bias: expandBias, N: N, C: C, OC: H)
        let activated = GELUReference.forward(hidden)
        let projection = LinearReference.backward(
            dout: dout, inp: activated, weight: projectionWeight, N: N, C: H, OC: C)
        let dhidden = GELUReference.backward(dout: projection.dinp, inp: hidden)
        let expand = LinearReference.backward(
            dout: dhidden, inp: x, weight: expandWeight, N: N, C: C, OC: H)
        return [expand.dinp, expand.dweight, expand.dbias, projection.dweight, projection.dbias]
    }
}

/// projection(gelu(expand(x))) over the last dimension of x: (…, C) → (…, C), with
/// expandWeight (H, C), expandBias (H), projectionWeight (C, H), projectionBias (C).
public func feedForward(
    _ x: Tensor, expandWeight: Tensor, expandBias: Tensor, projectionWeight: Tensor,
    projectionBias: Tensor
) -> Tensor {
    let H = expandWeight.shape[0], C = expandWeight.shape[1]
    precondition(
        expandWeight.shape.count == 2 && expandBias.shape == [H]
            && projectionWeight.shape == [C, H] && projectionBias.shape == [C],
        "feedForward needs weights (H, C), (C, H) and biases (H), (C)")
    precondition(x.shape.last == C, "feedForward input \(x.shape) does not end in C = \(C)")
    let N = x.count / C
    let inputs = [x, expandWeight, expandBias, projectionWeight, projectionBias]
    let out = Tensor.result(x.shape, from: inputs)
    let activated = BufferPool.allocate(N * H)
    guard out.requiresGradient else {   // no backward to come: no slope to keep
        FeedForwardKernel.forward(
            out: out.data, slope: nil, activated: activated, x: x.data,
            expandWeight: expandWeight.data, expandBias: expandBias.data,
            projectionWeight: projectionWeight.data, projectionBias: projectionBias.data,
            N: N, C: C, H: H)
        BufferPool.release(activated, count: N * H)
        return out
    }
    let slope = BufferPool.allocate(N * H)
    FeedForwardKernel.forward(
        out: out.data, slope: slope, activated: activated, x: x.data,
        expandWeight: expandWeight.data, expandBias: expandBias.data,
        projectionWeight: projectionWeight.data, projectionBias: projectionBias.data,
        N: N, C: C, H: H)
    let saved = SavedBuffers([slope, activated], count: N * H)
    func gradient(_ t: Tensor) -> UnsafeMutablePointer<Float>? {
        t.requiresGradient ? t.gradient : nil
    }
    out.recordOrigin(inputs) { [unowned out] in
        let scratch = BufferPool.allocate(N * H)
        defer { BufferPool.release(scratch, count: N * H) }
        FeedForwardKernel.backward(
            dx: gradient(x), dExpandWeight: gradient(expandWeight),
            dExpandBias: gradient(expandBias), dProjectionWeight: gradient(projectionWeight),
            dProjectionBias: gradient(projectionBias), dout: out.gradient, x: x.data,
            slope: saved.buffers[0], activated: saved.buffers[1],
            expandWeight: expandWeight.data, projectionWeight: projectionWeight.data,
            scratch: scratch, N: N, C: C, H: H)
    }
    return out
}
