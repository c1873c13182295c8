import Foundation
import Testing
@testable import Autograd

@Suite struct OptimizerTests {
    @Test func adamWStepsMatchTheFormula() {
        let w = Tensor([0.5, -1], shape: [1, 2], requiresGradient: true, name: "w")
        let b = Tensor([0.25], shape: [1], requiresGradient: true, name: "b")
        let settings = AdamWSettings(beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1)
        let optimizer = AdamW(parameters: [w, b], settings: settings)
        #expect(optimizer.decays == [true, false])
        // Reference in Double, two steps with different gradients.
        var wRef: [Double] = [0.5, -1], bRef: [Double] = [0.25]
        var m = [0.0, 0, 0], v = [0.0, 0, 0]
        let gradients: [[Float]] = [[0.1, -0.2, 0.3], [-0.4, 0.05, 0.0]]
        let lr = 0.01
        for (step, g) in gradients.enumerated() {
            optimizer.zeroGradients()
            w.gradient[0] = g[0]; w.gradient[1] = g[1]; b.gradient[0] = g[2]
            optimizer.step(learningRate: Float(lr))
            let t = Double(step + 1)
            for i in 0..<3 {
                m[i] = 0.9 * m[i] + 0.1 * Double(g[i])
                v[i] = 0.99 * v[i] + 0.01 * Double(g[i]) * Double(g[i])
                let update = lr * (m[i] / (1 - pow(0.9, t))) / ((v[i] / (1 - pow(0.99, t))).squareRoot() + 1e-8)
                if i < 2 { wRef[i] -= update + lr * 0.1 * wRef[i] } else { bRef[0] -= update }
            }
        }
        #expect(maxRelativeError(w.values, wRef) < 1e-6)
        #expect(maxRelativeError(b.values, bRef) < 1e-6)
    }

    @Test func clippingScalesToTheMaximumNorm() {
        let a = Tensor(zeros: [2], requiresGradient: true), b = Tensor(zeros: [1], requiresGradient: true)
        a.gradient[0] = 3; a.gradient[1] = 0; b.gradient[0] = 4
        let norm = clipGradientNorm([a, b], maxNorm: 1)
        #expect(abs(norm - 5) < 1e-6)
        #expect(abs(a.gradient[0] - 0.6) < 1e-5 && abs(b.gradient[0] - 0.8) < 1e-5)
        #expect(abs(clipGradientNorm([a, b], maxNorm: 10) - 1) < 1e-4)
        #expect(abs(a.gradient[0] - 0.6) < 1e-5)   // under the limit: untouched
    }

    @Test func scheduleWarmsUpThenFollowsTheCosine() {
        let s = LearningRateSchedule(peak: 1e-3, minimum: 1e-4, warmupSteps: 100, decaySteps: 2000)
        #expect(abs(s.rate(at: 0) - 1e-5) < 1e-9)
        #expect(abs(s.rate(at: 99) - 1e-3) < 1e-9)
        #expect(abs(s.rate(at: 1050) - 5.5e-4) < 1e-7)
        #expect(abs(s.rate(at: 2000) - 1e-4) < 1e-9)
        #expect(abs(s.rate(at: 5000) - 1e-4) < 1e-9)
        #expect((100..<2000).allSatisfy { s.rate(at: $0) >= s.rate(at: $0 + 1) })
    }
}

@Suite struct SeededGeneratorTests {
    @Test func sameSeedSameNumbers() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let first = (0..<100).map { _ in a.next() }
        #expect(first == (0..<100).map { _ in b.next() })
        #expect(first != (0..<100).map { _ in c.next() })
    }

    @Test func stateRoundTripsAndNormalsLookNormal() throws {
        var g = SeededGenerator(seed: 7)
        let saved = try JSONDecoder().decode(SeededGenerator.self, from: JSONEncoder().encode(g))
        var restored = saved
        #expect(g.next() == restored.next())
        let samples = (0..<20_000).map { _ in Double(g.nextNormal()) }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count)
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
        #expect((0..<1000).allSatisfy { _ in (0..<7).contains(g.nextInt(below: 7)) })
    }
}
