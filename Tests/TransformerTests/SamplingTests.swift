import Foundation
import Testing
@testable import Autograd
@testable import Transformer

@Suite struct SamplingTests {
    let logits: [Float] = [2.0, 1.0, 0.5, 3.0, 1.0]

    @Test func temperatureOneIsTheSoftmax() {
        let d = Sampling.distribution(logits: logits, settings: SamplingSettings())
        let exps = logits.map { exp(Double($0)) }
        let expected = exps.map { Float($0 / exps.reduce(0, +)) }
        #expect(maxAbsoluteDifference(d, expected) < 1e-6)
    }

    @Test func temperatureScalesTheLogits() {
        let d = Sampling.distribution(logits: logits, settings: SamplingSettings(temperature: 0.5))
        #expect(maxAbsoluteDifference(d, Sampling.softmax(logits.map { $0 * 2 })) < 1e-6)
        let flat = Sampling.distribution(logits: logits, settings: SamplingSettings(temperature: 100))
        #expect(flat.max()! - flat.min()! < 0.01)
    }

    @Test func temperatureZeroIsGreedy() {
        #expect(Sampling.distribution(logits: logits, settings: .greedy) == [0, 0, 0, 1, 0])
        var g = SeededGenerator(seed: 1)
        #expect((0..<20).allSatisfy { _ in Sampling.sample(logits: logits, settings: .greedy, using: &g) == 3 })
    }

    @Test func topKKeepsTheKMostLikelyWithTiesByLowerId() {
        let d = Sampling.distribution(logits: logits, settings: SamplingSettings(topK: 3))
        // Ranking: 3 (3.0), 0 (2.0), then 1 and 4 tie at 1.0: token 1 wins the tie.
        #expect(d[2] == 0 && d[4] == 0)
        #expect(d[3] > 0 && d[0] > 0 && d[1] > 0)
        #expect(abs(d.reduce(0, +) - 1) < 1e-6)
        let e = [exp(3.0), exp(2.0), exp(1.0)]
        #expect(abs(Double(d[3]) - e[0] / e.reduce(0, +)) < 1e-6)
    }

    @Test func topPKeepsTheSmallestSetReachingP() {
        let probabilities = Sampling.softmax(logits)   // ≈ [.23, .08, .05, .61, .08]
        let p3 = probabilities[3], p0 = probabilities[0]
        // p just above p3 needs two tokens; exactly p3 needs one.
        let two = Sampling.distribution(logits: logits, settings: SamplingSettings(topP: p3 + 0.01))
        #expect(two.enumerated().filter { $0.element > 0 }.map(\.offset) == [0, 3])
        #expect(abs(two[3] - p3 / (p3 + p0)) < 1e-6)
        let one = Sampling.distribution(logits: logits, settings: SamplingSettings(topP: p3))
        #expect(one == [0, 0, 0, 1, 0])
        let all = Sampling.distribution(logits: logits, settings: SamplingSettings(topP: 1))
        #expect(all.allSatisfy { $0 > 0 })
    }

    @Test func samplingFollowsTheDistribution() {
        var g = SeededGenerator(seed: 3)
        var counts = [Int](repeating: 0, count: logits.count)
        let settings = SamplingSettings(topK: 2)
        for _ in 0..<20_000 { counts[Sampling.sample(logits: logits, settings: settings, using: &g)] += 1 }
        let expected = Sampling.distribution(logits: logits, settings: settings)
        for token in logits.indices { #expect(abs(Float(counts[token]) / 20_000 - expected[token]) < 0.015) }
    }
}
