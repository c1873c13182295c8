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
