import Foundation
import Testing
@testable import Autograd

@Suite struct GELUTests {
    @Test func referenceGradientMatchesFiniteDifferences() {
        var g = SeededGenerator(seed: 7)
        let x = randomDoubles(20, &g, scale: 3), dout = randomDoubles(20, &g)
        let numeric = finiteDifferenceGradient(of: GELUReference.forward, at: x, upstream: dout)
        #expect(maxRelativeError(GELUReference.backward(dout: dout, inp: x), numeric) < 1e-7)
    }

    @Test func fastMatchesReference() {
        var g = SeededGenerator(seed: 8)
        let values = randomDoubles(1001, &g, scale: 4) + [0, -30, 30, 1e-4, -1e-4]
        let dout = randomDoubles(values.count, &g)
        let x = tensor(values, [values.count])
        let out = gelu(x)
        #expect(maxRelativeError(out.values, GELUReference.forward(values)) < 1e-5)
        out.backward(upstream: dout.map(Float.init))
        #expect(maxRelativeError(x.gradientValues, GELUReference.backward(dout: dout, inp: values)) < 1e-5)
    }
}

@Suite struct FastMathTests {
    @Test func expMatchesLibm() {
        var worst: Float = 0
        for i in 0...20_000 {
            let x = -87 + Float(i) * (175 / 20_000)
            let exact = Float(exp(Double(x)))
            worst = max(worst, abs(fastExp(x) - exact) / exact)
        }
        #expect(worst < 3e-7)
        #expect(fastExp(-1000) >= 0 && fastExp(-1000) < 1e-37)
        #expect(fastExp(1000).isFinite)
    }

    @Test func tanhMatchesLibm() {
        var worst: Float = 0
        for i in 0...20_000 {
            let x = -20 + Float(i) * (40 / 20_000)
            worst = max(worst, abs(fastTanh(x) - Float(tanh(Double(x)))))
        }
        #expect(worst < 5e-7)
    }
}
