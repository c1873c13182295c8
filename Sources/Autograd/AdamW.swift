// AdamW (Loshchilov & Hutter 2019, https://arxiv.org/abs/1711.05101): Adam with weight decay
// decoupled from the gradient, applied only to tensors marked for decay (matrices, not biases
// or LayerNorm gains — nanoGPT's grouping). Also global gradient-norm clipping.
// The moment buffers are plain tensors so checkpoints can store and restore them.

import Foundation

public struct AdamWSettings: Codable, Equatable, Sendable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.95
    public var epsilon: Float = 1e-8
    public var weightDecay: Float = 0.1

    public init(
        beta1: Float = 0.9, beta2: Float = 0.95, epsilon: Float = 1e-8, weightDecay: Float = 0.1
    ) {
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        self.weightDecay = weightDecay
    }
}

public final class AdamW {
    public let parameters: [Tensor]
    public let settings: AdamWSettings
    /// First and second moment estimates, one per parameter, same shapes.
    public let firstMoments: [Tensor]
    public let secondMoments: [Tensor]
    /// Whether weight decay applies to each parameter.
    public let decays: [Bool]
    /// Updates taken so far (the bias correction depends on it).
    public var stepCount: Int = 0

    /// By default, decay applies to tensors of two or more dimensions.
    public init(
        parameters: [Tensor], settings: AdamWSettings = AdamWSettings(), decays: [Bool]? = nil
    ) {
        self.parameters = parameters
        self.settings = settings
        self.decays = decays ?? parameters.map { $0.shape.count >= 2 }
        firstMoments = parameters.map { Tensor(zeros: $0.shape, name: "m.\($0.name)") }
        secondMoments = parameters.map { Tensor(zeros: $0.shape, name: "v.\($0.name)") }
    }

    /// One update with learning rate `lr` from the parameters' current gradients.
    public func step(learningRate lr: Float) {
        stepCount += 1
        let b1 = settings.beta1, b2 = settings.beta2, eps = settings.epsilon
        let correction1 = 1 - Float(pow(Double(b1), Double(stepCount)))
        let correction2 = 1 - Float(pow(Double(b2), Double(stepCount)))
        Parallel.forEach(parameters.count) { index in
            let p = parameters[index]
            let w = p.data, g = p.gradient, m = firstMoments[index].data,
                v = secondMoments[index].data
            let decay: Float = decays[index] ? lr * settings.weightDecay : 0
            for i in 0..<p.count {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                let mHat = m[i] / correction1, vHat = v[i] / correction2
                // Decoupled decay: shrink the weight itself, not through the gradient.
                w[i] -= lr * mHat / (vHat.squareRoot() + eps) + decay * w[i]
            }
        }
    }

    public func zeroGradients() {
        parameters.forEach { $0.zeroGradient() }
    }
}

/// Global L2 norm of all gradients; if above `maxNorm`, scales every gradient down to it.
/// Returns the norm before clipping (worth plotting: spikes show instability).
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var sumOfSquares: Double = 0
    for p in parameters {
        let g = p.gradient
        var partial: Float = 0
        for i in 0..<p.count { partial += g[i] * g[i] }
        sumOfSquares += Double(partial)
    }
    let norm = Float(sumOfSquares.squareRoot())
    if norm > maxNorm && norm.isFinite {
        let scale = maxNorm / (norm + 1e-6)
        for p in parameters {
            let g = p.gradient
            for i in 0..<p.count { g[i] *= scale }
        }
    }
    return norm
}
