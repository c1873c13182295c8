import Testing
@testable import Autograd

@Suite struct CrossEntropyTests {
    @Test func referenceGradientMatchesFiniteDifferences() {
        var g = SeededGenerator(seed: 12)
        let (N, V) = (4, 6)
        let logits = randomDoubles(N * V, &g), targets = [0, 5, 2, 2], weights = [1, 0, 2.5, -0.5]
        let numeric = finiteDifferenceGradient(of: { [CrossEntropyReference.forward(logits: $0, targets: targets, weights: weights, V: V).loss] },
                                               at: logits, upstream: [1])
        #expect(maxRelativeError(CrossEntropyReference.backward(logits: logits, targets: targets, weights: weights, V: V), numeric) < 1e-7)
    }

    @Test(arguments: [[1.0, 1, 1, 1, 1], [1, 0, 0, 1, 0], [0.5, -1, 2, 0, 3]])
    func fastMatchesReference(weights: [Double]) {
        var g = SeededGenerator(seed: 13)
        let (N, V) = (5, 67)
        let logits = randomDoubles(N * V, &g, scale: 3), targets = [0, 66, 3, 3, 40]
        let x = tensor(logits, [N, V])
        let (loss, tokenLosses) = crossEntropy(x, targets: targets.map(Int32.init), weights: weights.map(Float.init))
        let reference = CrossEntropyReference.forward(logits: logits, targets: targets, weights: weights, V: V)
        #expect(maxRelativeError([loss.item], [reference.loss]) < 1e-5)
        #expect(maxRelativeError(tokenLosses, reference.losses) < 1e-5)
        loss.backward()
        #expect(maxRelativeError(x.gradientValues, CrossEntropyReference.backward(logits: logits, targets: targets, weights: weights, V: V)) < 1e-6)
    }

    @Test func maskedTokensGetNoGradient() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], requiresGradient: true)
        let (loss, _) = crossEntropy(x, targets: [0, 1], weights: [0, 1])
        loss.backward()
        #expect(Array(x.gradientValues[0..<3]) == [0, 0, 0])
        #expect(x.gradientValues[3..<6].contains { $0 != 0 })
    }

    @Test func allMaskedIsZeroLoss() {
        let x = Tensor([1, 2, 3], shape: [1, 3], requiresGradient: true)
        let (loss, _) = crossEntropy(x, targets: [2], weights: [0])
        loss.backward()
        #expect(loss.item == 0)
        #expect(x.gradientValues == [0, 0, 0])
    }

    @Test func hugeLogitsStayFinite() {
        let x = Tensor([1000, -1000, 0], shape: [1, 3], requiresGradient: true)
        let (loss, tokenLosses) = crossEntropy(x, targets: [1])
        #expect(loss.item.isFinite && abs(tokenLosses[0] - 2000) < 1e-2)
    }
}
