import Testing
@testable import Autograd

@Suite struct LayerNormTests {
    @Test func referenceGradientMatchesFiniteDifferences() {
        var g = SeededGenerator(seed: 6)
        let (N, C) = (3, 5)
        let inp = randomDoubles(N * C, &g), weight = randomDoubles(C, &g), bias = randomDoubles(C, &g)
        let dout = randomDoubles(N * C, &g)
        let analytic = LayerNormReference.backward(dout: dout, inp: inp, weight: weight, N: N, C: C)
        let dinp = finiteDifferenceGradient(of: { LayerNormReference.forward(inp: $0, weight: weight, bias: bias, N: N, C: C) }, at: inp, upstream: dout)
        let dweight = finiteDifferenceGradient(of: { LayerNormReference.forward(inp: inp, weight: $0, bias: bias, N: N, C: C) }, at: weight, upstream: dout)
        let dbias = finiteDifferenceGradient(of: { LayerNormReference.forward(inp: inp, weight: weight, bias: $0, N: N, C: C) }, at: bias, upstream: dout)
        #expect(maxRelativeError(analytic.dinp, dinp) < 1e-6)
        #expect(maxRelativeError(analytic.dweight, dweight) < 1e-7)
        #expect(maxRelativeError(analytic.dbias, dbias) < 1e-7)
    }

    @Test(arguments: [(1, 2), (5, 7), (13, 64), (3, 129)])
    func fastMatchesReference(shape: (Int, Int)) {
        let (N, C) = shape
        var g = SeededGenerator(seed: UInt64(N * 31 + C))
        let inp = randomDoubles(N * C, &g, scale: 3), weight = randomDoubles(C, &g), bias = randomDoubles(C, &g)
        let dout = randomDoubles(N * C, &g)
        let x = tensor(inp, [N, C]), w = tensor(weight, [C]), b = tensor(bias, [C])
        let out = layerNorm(x, weight: w, bias: b)
        #expect(maxRelativeError(out.values, LayerNormReference.forward(inp: inp, weight: weight, bias: bias, N: N, C: C)) < 1e-4)
        out.backward(upstream: dout.map(Float.init))
        let reference = LayerNormReference.backward(dout: dout, inp: inp, weight: weight, N: N, C: C)
        #expect(maxRelativeError(x.gradientValues, reference.dinp) < 1e-3)
        #expect(maxRelativeError(w.gradientValues, reference.dweight) < 1e-4)
        #expect(maxRelativeError(b.gradientValues, reference.dbias) < 1e-4)
    }
}
