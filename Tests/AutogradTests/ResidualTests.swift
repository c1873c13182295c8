import Testing
@testable import Autograd

@Suite struct ResidualTests {
    @Test func sumAndGradients() {
        var g = SeededGenerator(seed: 9)
        let a = randomDoubles(12, &g), b = randomDoubles(12, &g), dout = randomDoubles(12, &g)
        #expect(maxRelativeError(finiteDifferenceGradient(of: { ResidualReference.forward($0, b) }, at: a, upstream: dout), dout) < 1e-7)
        let ta = tensor(a, [3, 4]), tb = tensor(b, [3, 4])
        let out = add(ta, tb)
        #expect(maxRelativeError(out.values, ResidualReference.forward(a, b)) < 1e-6)
        out.backward(upstream: dout.map(Float.init))
        #expect(maxRelativeError(ta.gradientValues, dout) < 1e-6)
        #expect(maxRelativeError(tb.gradientValues, dout) < 1e-6)
    }

    @Test func tensorUsedTwiceAccumulatesBothGradients() {
        let x = Tensor([1, 2, 3], shape: [3], requiresGradient: true)
        add(x, x).backward(upstream: [1, 1, 1])
        #expect(x.gradientValues == [2, 2, 2])
    }
}
