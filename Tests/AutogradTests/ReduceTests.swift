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

    /// `adding`: the rows summed in two calls, the second starting from the first's sums, give
    /// the floats of one call over all of them, on every path.
    @Test(arguments: [(32, 9, 4), (40, 9, 1), (43, 6, 5), (13, 5, 2), (3, 11, 6)])
    func scaledRowSumInTwoCallsKeepsTheFloatsOfOne(width: Int, count: Int, split: Int) {
        var g = SeededGenerator(seed: UInt64(1000 * width + count))
        let stride = width + 3
        let rows = (0..<(count * stride)).map { _ in g.nextNormal() }
        let w = (0..<count).map { _ in g.nextNormal() }
        var whole = [Float](repeating: .nan, count: width), parts = whole
        Reduce.scaledRowSum(w, rows: rows, stride: stride, count: count, width: width, into: &whole)
        Reduce.scaledRowSum(w, rows: rows, stride: stride, count: split, width: width, into: &parts)
        Reduce.scaledRowSum(
            Array(w[split...]), rows: Array(rows[(split * stride)...]), stride: stride,
            count: count - split, width: width, into: &parts, adding: true)
        #expect(parts.map(\.bitPattern) == whole.map(\.bitPattern))
    }
}
