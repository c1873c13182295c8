import Testing
@testable import Autograd

@Suite struct LinearTests {
    @Test func referenceGradientMatchesFiniteDifferences() {
        var g = SeededGenerator(seed: 1)
        let (N, C, OC) = (3, 4, 5)
        let inp = randomDoubles(N * C, &g), weight = randomDoubles(OC * C, &g), bias = randomDoubles(OC, &g)
        let dout = randomDoubles(N * OC, &g)
        let analytic = LinearReference.backward(dout: dout, inp: inp, weight: weight, N: N, C: C, OC: OC)
        let dinp = finiteDifferenceGradient(of: { LinearReference.forward(inp: $0, weight: weight, bias: bias, N: N, C: C, OC: OC) }, at: inp, upstream: dout)
        let dweight = finiteDifferenceGradient(of: { LinearReference.forward(inp: inp, weight: $0, bias: bias, N: N, C: C, OC: OC) }, at: weight, upstream: dout)
        let dbias = finiteDifferenceGradient(of: { LinearReference.forward(inp: inp, weight: weight, bias: $0, N: N, C: C, OC: OC) }, at: bias, upstream: dout)
        #expect(maxRelativeError(analytic.dinp, dinp) < 1e-7)
        #expect(maxRelativeError(analytic.dweight, dweight) < 1e-7)
        #expect(maxRelativeError(analytic.dbias, dbias) < 1e-7)
    }

    @Test(arguments: [(1, 1, 1), (7, 13, 5), (33, 17, 65), (64, 128, 384)])
    func fastMatchesReference(shape: (Int, Int, Int)) {
        let (N, C, OC) = shape
        var g = SeededGenerator(seed: UInt64(N * 1000 + C))
        let inp = randomDoubles(N * C, &g), weight = randomDoubles(OC * C, &g), bias = randomDoubles(OC, &g)
        let dout = randomDoubles(N * OC, &g)
        let x = tensor(inp, [N, C]), w = tensor(weight, [OC, C]), b = tensor(bias, [OC])
        let out = linear(x, weight: w, bias: b)
        #expect(maxRelativeError(out.values, LinearReference.forward(inp: inp, weight: weight, bias: bias, N: N, C: C, OC: OC)) < 1e-4)
        out.backward(upstream: dout.map(Float.init))
        let reference = LinearReference.backward(dout: dout, inp: inp, weight: weight, N: N, C: C, OC: OC)
        #expect(maxRelativeError(x.gradientValues, reference.dinp) < 1e-4)
        #expect(maxRelativeError(w.gradientValues, reference.dweight) < 1e-4)
        #expect(maxRelativeError(b.gradientValues, reference.dbias) < 1e-4)
    }

    @Test func withoutBiasAndFrozenInput() {
        var g = SeededGenerator(seed: 3)
        let inp = randomDoubles(6, &g), weight = randomDoubles(9, &g)
        let x = tensor(inp, [2, 3], grad: false), w = tensor(weight, [3, 3])
        let out = linear(x, weight: w)
        out.backward(upstream: [Float](repeating: 1, count: 6))
        #expect(!x.hasGradient)
        let reference = LinearReference.backward(dout: [Double](repeating: 1, count: 6), inp: inp, weight: weight, N: 2, C: 3, OC: 3)
        #expect(maxRelativeError(w.gradientValues, reference.dweight) < 1e-5)
    }
}
