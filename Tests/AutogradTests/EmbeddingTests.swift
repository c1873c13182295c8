import Testing
@testable import Autograd

@Suite struct EmbeddingTests {
    @Test func referenceGradientMatchesFiniteDifferences() {
        var g = SeededGenerator(seed: 4)
        let (V, C) = (5, 3)
        let ids = [0, 3, 3, 4, 1]
        let table = randomDoubles(V * C, &g), dout = randomDoubles(ids.count * C, &g)
        let numeric = finiteDifferenceGradient(of: { EmbeddingReference.forward(table: $0, ids: ids, C: C) }, at: table, upstream: dout)
        #expect(maxRelativeError(EmbeddingReference.backward(dout: dout, ids: ids, V: V, C: C), numeric) < 1e-7)
    }

    @Test func fastMatchesReferenceWithRepeatedIds() {
        var g = SeededGenerator(seed: 5)
        let (V, C) = (11, 7)
        let ids = [3, 3, 0, 10, 3, 5, 0]
        let table = randomDoubles(V * C, &g), dout = randomDoubles(ids.count * C, &g)
        let t = tensor(table, [V, C])
        let out = embedding(t, ids: ids.map(Int32.init))
        #expect(out.shape == [7, 7])
        #expect(maxRelativeError(out.values, EmbeddingReference.forward(table: table, ids: ids, C: C)) == 0)
        out.backward(upstream: dout.map(Float.init))
        #expect(maxRelativeError(t.gradientValues, EmbeddingReference.backward(dout: dout, ids: ids, V: V, C: C)) < 1e-6)
    }
}
