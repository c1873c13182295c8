import Testing
@testable import Autograd

@Suite struct ReduceTests {
    /// `scaledRowSum` keeps the floats of the plain loop (each output from 0, one product and
    /// one sum per row, rows in order) at widths that use each of its paths: 32 columns at a
    /// time, lanes of eight, and single columns.
    @Test(arguments: [(32, 1), (32, 70), (40, 9), (35, 4), (43, 6), (64, 3), (13, 5), (3, 11), (8, 0)])
    func scaledRowSumKeepsThePlainLoopsFloats(width: Int, count: Int) {
        var g = SeededGenerator(seed: UInt64(100 * width + count))
        let stride = width + 3
        let rows = (0..<(count * stride)).map { _ in g.nextNormal() }
        let w = (0..<count).map { _ in g.nextNormal() }
        var expected = [Float](repeating: 0, count: width)
        for j in 0..<count {
            for c in 0..<width { expected[c] += w[j] * rows[j * stride + c] }
        }
        var out = [Float](repeating: .nan, count: width)
        Reduce.scaledRowSum(w, rows: rows, stride: stride, count: count, width: width, into: &out)
        #expect(out.map(\.bitPattern) == expected.map(\.bitPattern))
    }
}
