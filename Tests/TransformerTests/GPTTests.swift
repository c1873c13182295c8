import Testing
@testable import Autograd
@testable import Transformer

@Suite struct GPTTests {
    @Test func parameterCountMatchesTheTensors() {
        for config in [tinyConfig, .baby(), GPTConfig(vocabularySize: 50, contextLength: 16, layerCount: 3, headCount: 3, embeddingWidth: 12)] {
            let model = GPT(config: config, seed: 1)
            #expect(model.parameters.reduce(0) { $0 + $1.count } == config.parameterCount)
            #expect(Set(model.parameters.map(\.name)).count == model.parameters.count)
        }
        #expect(GPTConfig.gpt2Small.parameterCount == 124_439_808)   // GPT-2 small, tied head
    }

    @Test func sameSeedSameWeights() {
        let a = GPT(config: tinyConfig, seed: 5), b = GPT(config: tinyConfig, seed: 5), c = GPT(config: tinyConfig, seed: 6)
        #expect(zip(a.parameters, b.parameters).allSatisfy { $0.values == $1.values })
        #expect(a.parameters[0].values != c.parameters[0].values)
    }

    @Test func residualProjectionsStartSmaller() {
        let model = GPT(config: GPTConfig(vocabularySize: 10, contextLength: 8, layerCount: 8, headCount: 2, embeddingWidth: 64), seed: 1)
        func std(_ t: Tensor) -> Float {
            let v = t.values
            return (v.reduce(0) { $0 + $1 * $1 } / Float(v.count)).squareRoot()
        }
        let expand = std(model.blocks[0].mlp.expand.weight), projection = std(model.blocks[0].mlp.projection.weight)
        #expect(abs(expand - 0.02) < 0.002)
        #expect(abs(projection - 0.02 / 4) < 0.0005)   // 0.02 / √(2·8)
    }

    /// The whole model's gradient against central differences of its loss (Float32 model,
    /// so a relative step and a loose tolerance), on a sample of every parameter tensor.
    @Test func modelGradientMatchesFiniteDifferences() {
        let model = GPT(config: tinyConfig, seed: 3)
        let (B, T) = (2, 5)
        let inputs = randomTokens(B * T, vocabulary: 11, seed: 1), targets = randomTokens(B * T, vocabulary: 11, seed: 2)
        let weights: [Float] = [1, 1, 0, 1, 2, 1, 1, 1, 0.5, 1]
        func loss() -> Double {
            let (loss, _) = model.loss(inputs: inputs, targets: targets, weights: weights, batchSize: B, length: T)
            return Double(loss.item)
        }
        let (l, _) = model.loss(inputs: inputs, targets: targets, weights: weights, batchSize: B, length: T)
        l.backward()
        var g = SeededGenerator(seed: 9)
        var checked = 0
        for p in model.parameters {
            for _ in 0..<3 {
                let i = g.nextInt(below: p.count)
                let original = p.data[i], h: Float = 3e-3
                p.data[i] = original + h; let plus = loss()
                p.data[i] = original - h; let minus = loss()
                p.data[i] = original
                let numeric = (plus - minus) / (2 * Double(h))
                let analytic = Double(p.gradient[i])
                #expect(abs(numeric - analytic) < 2e-3 + 0.03 * abs(analytic), "\(p.name)[\(i)]: numeric \(numeric) vs analytic \(analytic)")
                checked += 1
            }
        }
        #expect(checked == model.parameters.count * 3)
    }

    /// A mostly-zero mask sends only the weighted positions through the output head: the loss,
    /// the weighted token losses and every gradient equal those of the full logits.
    @Test func sparseMaskLossEqualsTheFullLogits() {
        let model = GPT(config: tinyConfig, seed: 4)
        let (B, T) = (2, 6)
        let inputs = randomTokens(B * T, vocabulary: 11, seed: 5), targets = randomTokens(B * T, vocabulary: 11, seed: 6)
        let weights: [Float] = [0, 0, 1, 1, 0, 0, 0, 0, 0, 2, 1, 0]
        func gradients(_ loss: Tensor) -> [[Float]] {
            for p in model.parameters { p.zeroGradient() }
            loss.backward()
            defer { loss.releaseGraph() }
            return model.parameters.map { Array(UnsafeBufferPointer(start: $0.gradient, count: $0.count)) }
        }
        let (sparse, sparseTokens) = model.loss(inputs: inputs, targets: targets, weights: weights, batchSize: B, length: T)
        let sparseValue = sparse.item, sparseGradients = gradients(sparse)
        let (full, fullTokens) = crossEntropy(model.logits(tokens: inputs, batchSize: B, length: T), targets: targets, weights: weights)
        let fullValue = full.item, fullGradients = gradients(full)
        #expect(abs(sparseValue - fullValue) < 1e-6)
        for i in weights.indices {
            #expect(abs(sparseTokens[i] - (weights[i] == 0 ? 0 : fullTokens[i])) < 1e-6)
        }
        for (a, b) in zip(sparseGradients, fullGradients) { #expect(maxAbsoluteDifference(a, b) < 1e-6) }
    }

    @Test func attentionCallbackSeesEveryLayer() {
        let model = GPT(config: tinyConfig, seed: 1)
        var layers: [Int] = []
        _ = model.logits(tokens: [1, 2, 3], batchSize: 1, length: 3) { layer, att in
            layers.append(layer)
            #expect(att.shape == [1, 2, 3, 3])
        }
        #expect(layers == [0, 1])
    }
}
