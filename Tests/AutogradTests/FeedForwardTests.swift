import Testing
@testable import Autograd

@Suite struct FeedForwardTests {
    @Test func referenceGradientMatchesFiniteDifferences() {
        var g = SeededGenerator(seed: 50)
        let (N, C, H) = (3, 2, 5)
        let x = randomDoubles(N * C, &g), w1 = randomDoubles(H * C, &g), b1 = randomDoubles(H, &g)
        let w2 = randomDoubles(C * H, &g), b2 = randomDoubles(C, &g), dout = randomDoubles(N * C, &g)
        func out(_ x: [Double], _ w1: [Double], _ b1: [Double], _ w2: [Double], _ b2: [Double]) -> [Double] {
            FeedForwardReference.forward(x: x, expandWeight: w1, expandBias: b1, projectionWeight: w2, projectionBias: b2, N: N, C: C, H: H)
        }
        let reference = FeedForwardReference.backward(dout: dout, x: x, expandWeight: w1, expandBias: b1, projectionWeight: w2, N: N, C: C, H: H)
        let numeric = [
            finiteDifferenceGradient(of: { out($0, w1, b1, w2, b2) }, at: x, upstream: dout),
            finiteDifferenceGradient(of: { out(x, $0, b1, w2, b2) }, at: w1, upstream: dout),
            finiteDifferenceGradient(of: { out(x, w1, $0, w2, b2) }, at: b1, upstream: dout),
            finiteDifferenceGradient(of: { out(x, w1, b1, $0, b2) }, at: w2, upstream: dout),
            finiteDifferenceGradient(of: { out(x, w1, b1, w2, $0) }, at: b2, upstream: dout),
        ]
        for (analytic, finite) in zip(reference, numeric) { #expect(maxRelativeError(analytic, finite) < 1e-6) }
    }

    // N = 37 rows split unevenly over the cores; H = 20 is not a multiple of the vector width.
    @Test(arguments: [(1, 3, 4), (37, 5, 20), (64, 8, 32)])
    func fastMatchesReference(shape: (Int, Int, Int)) {
        let (N, C, H) = shape
        var g = SeededGenerator(seed: UInt64(51 + N))
        let values = [N * C, H * C, H, C * H, C].map { randomDoubles($0, &g) }
        let dout = randomDoubles(N * C, &g)
        let x = tensor(values[0], [N, C]), w1 = tensor(values[1], [H, C]), b1 = tensor(values[2], [H])
        let w2 = tensor(values[3], [C, H]), b2 = tensor(values[4], [C])
        let out = feedForward(x, expandWeight: w1, expandBias: b1, projectionWeight: w2, projectionBias: b2)
        let reference = FeedForwardReference.forward(x: values[0], expandWeight: values[1], expandBias: values[2], projectionWeight: values[3], projectionBias: values[4], N: N, C: C, H: H)
        #expect(maxRelativeError(out.values, reference) < 1e-5)
        out.backward(upstream: dout.map(Float.init))
        let gradients = FeedForwardReference.backward(dout: dout, x: values[0], expandWeight: values[1], expandBias: values[2], projectionWeight: values[3], N: N, C: C, H: H)
        for (t, expected) in zip([x, w1, b1, w2, b2], gradients) { #expect(maxRelativeError(t.gradientValues, expected) < 1e-4) }
    }

    @Test func matchesTheUnfusedOps() {
        var g = SeededGenerator(seed: 52)
        let (N, C, H) = (10, 4, 16)
        let values = [N * C, H * C, H, C * H, C].map { randomDoubles($0, &g) }
        let dout = randomDoubles(N * C, &g).map(Float.init)
        let a = zip(values, [[N, C], [H, C], [H], [C, H], [C]]).map { tensor($0, $1) }
        let b = zip(values, [[N, C], [H, C], [H], [C, H], [C]]).map { tensor($0, $1) }
        let fused = feedForward(a[0], expandWeight: a[1], expandBias: a[2], projectionWeight: a[3], projectionBias: a[4])
        let unfused = linear(gelu(linear(b[0], weight: b[1], bias: b[2])), weight: b[3], bias: b[4])
        #expect(maxRelativeError(fused.values, unfused.values.map(Double.init)) < 1e-5)
        fused.backward(upstream: dout)
        unfused.backward(upstream: dout)
        for (s, t) in zip(a, b) { #expect(maxRelativeError(s.gradientValues, t.doubleGradient) < 1e-5) }
    }

    /// Without a gradient to come the forward skips GELU's slope; its output is the same, bit
    /// for bit (evaluation and training see one model).
    @Test func withoutGradientTheOutputIsTheSameBits() {
        var g = SeededGenerator(seed: 53)
        let (N, C, H) = (37, 8, 32)
        let values = [N * C, H * C, H, C * H, C].map { randomDoubles($0, &g) }
        let shapes = [[N, C], [H, C], [H], [C, H], [C]]
        func run(grad: Bool) -> [Float] {
            let t = zip(values, shapes).map { tensor($0, $1, grad: grad) }
            let out = feedForward(t[0], expandWeight: t[1], expandBias: t[2], projectionWeight: t[3], projectionBias: t[4])
            #expect(out.requiresGradient == grad)
            return out.values
        }
        #expect(run(grad: false) == run(grad: true))
    }
}
