import Testing
@testable import Autograd

@Suite struct AttentionTests {
    @Test func referenceGradientMatchesFiniteDifferences() {
        var g = SeededGenerator(seed: 10)
        let (B, T, C, NH) = (2, 3, 4, 2)
        let qkv = randomDoubles(B * T * 3 * C, &g), dout = randomDoubles(B * T * C, &g)
        let numeric = finiteDifferenceGradient(of: { AttentionReference.forward(qkv: $0, B: B, T: T, C: C, NH: NH).out }, at: qkv, upstream: dout)
        #expect(maxRelativeError(AttentionReference.backward(dout: dout, qkv: qkv, B: B, T: T, C: C, NH: NH), numeric) < 1e-6)
    }

    // Head sizes 32 and 64 take the four-lane paths (32 columns, 32 keys at a time), 40 those
    // and the eight-lane one; T = 70 and 37 end in a partial lane of keys.
    @Test(arguments: [(1, 1, 2, 1), (2, 5, 6, 3), (3, 7, 12, 4), (2, 17, 16, 2), (2, 70, 8, 2),
                      (2, 37, 64, 2), (1, 70, 128, 2), (1, 41, 80, 2)])
    func fastMatchesReference(shape: (Int, Int, Int, Int)) {
        let (B, T, C, NH) = shape
        var g = SeededGenerator(seed: UInt64(B * 100 + T))
        let qkv = randomDoubles(B * T * 3 * C, &g), dout = randomDoubles(B * T * C, &g)
        var probabilities: [Float] = []
        let x = tensor(qkv, [B, T, 3 * C])
        let out = causalSelfAttention(x, headCount: NH) { probabilities = $0.values }
        let reference = AttentionReference.forward(qkv: qkv, B: B, T: T, C: C, NH: NH)
        #expect(maxRelativeError(out.values, reference.out) < 1e-5)
        #expect(maxRelativeError(probabilities, reference.att) < 1e-5)
        out.backward(upstream: dout.map(Float.init))
        #expect(maxRelativeError(x.gradientValues, AttentionReference.backward(dout: dout, qkv: qkv, B: B, T: T, C: C, NH: NH)) < 1e-4)
    }

    // Blocking rows changes which sums run side by side, never the order of a sum's terms: the
    // floats must equal one row at a time, bit for bit (T = 70, 37 and 11 end in a block of 2, 1
    // and 3 rows; head size 6 has only a partial lane, 45 a 32-wide part, a lane and a rest).
    @Test(arguments: [(2, 70, 64, 2), (1, 37, 80, 2), (2, 9, 12, 2), (1, 11, 90, 2), (1, 128, 128, 4)])
    func blockedRowsEqualOneRowAtATime(shape: (Int, Int, Int, Int)) {
        let (B, T, C, NH) = shape
        var g = SeededGenerator(seed: UInt64(T * 7 + C))
        let qkv = randomDoubles(B * T * 3 * C, &g).map(Float.init)
        let dout = randomDoubles(B * T * C, &g).map(Float.init)
        func run(_ rowBlock: Int) -> (out: [Float], att: [Float], dqkv: [Float]) {
            var out = [Float](repeating: 0, count: B * T * C)
            var att = [Float](repeating: 0, count: B * NH * T * T)
            var dqkv = [Float](repeating: 0.5, count: qkv.count)
            AttentionKernel.forward(
                out: &out, att: &att, qkv: qkv, B: B, T: T, C: C, NH: NH, rowBlock: rowBlock)
            AttentionKernel.backward(
                dqkv: &dqkv, dout: dout, qkv: qkv, att: att, B: B, T: T, C: C, NH: NH,
                rowBlock: rowBlock)
            return (out, att, dqkv)
        }
        let (blocked, single) = (run(4), run(1))
        #expect(blocked.out == single.out)
        #expect(blocked.att == single.att)
        #expect(blocked.dqkv == single.dqkv)
    }

    @Test func attentionIsCausal() {
        var g = SeededGenerator(seed: 11)
        let (T, C) = (6, 4)
        var qkv = randomDoubles(T * 3 * C, &g)
        let before = AttentionReference.forward(qkv: qkv, B: 1, T: T, C: C, NH: 2).out
        for i in (T - 1) * 3 * C ..< T * 3 * C { qkv[i] += 1 }   // change only the last position
        let x = tensor(qkv, [1, T, 3 * C], grad: false)
        let after = causalSelfAttention(x, headCount: 2).values
        #expect(maxRelativeError(Array(after[0 ..< (T - 1) * C]), Array(before[0 ..< (T - 1) * C])) < 1e-5)
    }
}
