import Testing
@testable import Autograd

@Suite struct HeadCrossEntropyTests {
    @Test func referenceGradientMatchesFiniteDifferences() {
        var g = SeededGenerator(seed: 40)
        let (N, C, V) = (3, 4, 5)
        let x = randomDoubles(N * C, &g), w = randomDoubles(V * C, &g)
        let targets = [0, 4, 2], weights = [1, 0, -0.5]
        func loss(_ x: [Double], _ w: [Double]) -> [Double] {
            [HeadCrossEntropyReference.forward(x: x, weight: w, targets: targets, weights: weights, N: N, C: C, V: V).loss]
        }
        let reference = HeadCrossEntropyReference.backward(x: x, weight: w, targets: targets, weights: weights, N: N, C: C, V: V)
        #expect(maxRelativeError(reference.dx, finiteDifferenceGradient(of: { loss($0, w) }, at: x, upstream: [1])) < 1e-7)
        #expect(maxRelativeError(reference.dweight, finiteDifferenceGradient(of: { loss(x, $0) }, at: w, upstream: [1])) < 1e-7)
    }

    @Test(arguments: [[1.0, 1, 1, 1, 1], [1, 0, 0, 1, 0], [0.5, -1, 2, 0, 3], [0, 0, 0, 0, 0]])
    func fastMatchesReference(weights: [Double]) {
        var g = SeededGenerator(seed: 41)
        let (N, C, V) = (5, 12, 67)
        let xValues = randomDoubles(N * C, &g), wValues = randomDoubles(V * C, &g, scale: 0.5)
        let targets = [0, 66, 3, 3, 40]
        let x = tensor(xValues, [N, C]), w = tensor(wValues, [V, C])
        let (loss, tokenLosses) = headCrossEntropy(x, weight: w, targets: targets.map(Int32.init), weights: weights.map(Float.init))
        let reference = HeadCrossEntropyReference.forward(x: xValues, weight: wValues, targets: targets, weights: weights, N: N, C: C, V: V)
        #expect(maxRelativeError([loss.item], [reference.loss]) < 1e-5)
        #expect(maxRelativeError(tokenLosses, reference.losses) < 1e-5)
        loss.backward(upstream: [2])   // an upstream gradient other than 1 scales both products
        let gradients = HeadCrossEntropyReference.backward(x: xValues, weight: wValues, targets: targets, weights: weights, N: N, C: C, V: V)
        #expect(maxRelativeError(x.gradientValues, gradients.dx.map { 2 * $0 }) < 1e-5)
        #expect(maxRelativeError(w.gradientValues, gradients.dweight.map { 2 * $0 }) < 1e-5)
    }

    @Test func matchesTheUnfusedOps() {
        var g = SeededGenerator(seed: 42)
        let (N, C, V) = (6, 8, 33)
        let xValues = randomDoubles(N * C, &g), wValues = randomDoubles(V * C, &g)
        let targets: [Int32] = [1, 2, 3, 4, 5, 32]
        let x1 = tensor(xValues, [N, C]), w1 = tensor(wValues, [V, C])
        let x2 = tensor(xValues, [N, C]), w2 = tensor(wValues, [V, C])
        let fused = headCrossEntropy(x1, weight: w1, targets: targets)
        let unfused = crossEntropy(linear(x2, weight: w2), targets: targets)
        fused.loss.backward()
        unfused.loss.backward()
        #expect(abs(fused.loss.item - unfused.loss.item) < 1e-5)
        #expect(maxRelativeError(x1.gradientValues, x2.doubleGradient) < 1e-5)
        #expect(maxRelativeError(w1.gradientValues, w2.doubleGradient) < 1e-5)
    }

    @Test func hugeLogitsStayFinite() {
        let x = Tensor([1], shape: [1, 1], requiresGradient: true)
        let w = Tensor([1000, -1000, 0], shape: [3, 1])
        let (loss, tokenLosses) = headCrossEntropy(x, weight: w, targets: [1])
        #expect(loss.item.isFinite && abs(tokenLosses[0] - 2000) < 1e-2)
    }
}
