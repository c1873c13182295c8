// Learning rate by step: linear warmup, then cosine decay to a floor (nanoGPT's get_lr).

import Foundation

public struct LearningRateSchedule: Codable, Equatable, Sendable {
    public var peak: Float
    public var minimum: Float
    public var warmupSteps: Int
    /// The step at which the cosine reaches `minimum`; it stays there afterwards.
    public var decaySteps: Int

    public init(peak: Float, minimum: Float, warmupSteps: Int, decaySteps: Int) {
        self.peak = peak; self.minimum = minimum; self.warmupSteps = warmupSteps
        self.decaySteps = decaySteps
    }

    /// A constant rate, reached by a linear warmup over `warmupSteps` (none by default).
    public static func constant(_ rate: Float, warmupSteps: Int = 0) -> LearningRateSchedule {
        LearningRateSchedule(
            peak: rate, minimum: rate, warmupSteps: warmupSteps, decaySteps: warmupSteps)
    }

    /// The rate for 0-based `step`.
    /// Example: peak 1e-3, minimum 1e-4, warmup 100, decay 2000 → step 0: 1e-5, step 99: 1e-3,
    /// step 1050: 5.5e-4, step 2000: 1e-4.
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        if step >= decaySteps { return minimum }
        let progress = Double(step - warmupSteps) / Double(Swift.max(1, decaySteps - warmupSteps))
        let cosine = 0.5 * (1 + cos(Double.pi * progress))
        return minimum + Float(cosine) * (peak - minimum)
    }
}
