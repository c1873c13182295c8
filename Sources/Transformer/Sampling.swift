// Turning logits into a choice: temperature, top-k, top-p (nucleus, Holtzman et al. 2019),
// greedy. `distribution` returns the probabilities actually sampled from, so a stepper can
// show exactly what each setting does. Ties are broken by the lower token id, so every
// setting is deterministic.

import Autograd
import Foundation

public struct SamplingSettings: Codable, Equatable, Sendable {
    /// 0 means greedy (always the most likely token); below 1 sharpens, above 1 flattens.
    public var temperature: Float
    /// Keep only the k most likely tokens (nil: all).
    public var topK: Int?
    /// Keep the smallest set of most likely tokens whose probability reaches p (nil: all).
    public var topP: Float?

    public init(temperature: Float = 1, topK: Int? = nil, topP: Float? = nil) {
        self.temperature = temperature; self.topK = topK; self.topP = topP
    }

    public static let greedy = SamplingSettings(temperature: 0)
}

public enum Sampling {
    /// Numerically stable softmax.
    public static func softmax(_ logits: [Float], temperature: Float = 1) -> [Float] {
        guard !logits.isEmpty else { return [] }
        var out = logits
        out.withUnsafeMutableBufferPointer { p in
            let n = p.count, base = p.baseAddress!
            if temperature != 1 { for i in 0..<n { base[i] /= temperature } }
            Reduce.softmaxInPlace(base, n)   // one pass each: max, exp, sum, scale
        }
        return out
    }

    /// Token ids sorted by logit, highest first (lower id first among equals).
    public static func ranking(_ logits: [Float]) -> [Int] {
        logits.indices.sorted { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
    }

    /// The distribution sampled from under `settings`: zero outside the kept tokens, summing to 1.
    public static func distribution(logits: [Float], settings: SamplingSettings) -> [Float] {
        distribution(logits: logits, settings: settings, ranking: ranking(logits))
    }

    /// The same, given `ranking(logits)` already computed (sorting a large vocabulary costs
    /// more than the rest).
    public static func distribution(
        logits: [Float], settings: SamplingSettings, ranking order: [Int]
    ) -> [Float] {
        precondition(!logits.isEmpty, "no logits to sample from")
        if settings.temperature <= 0 {
            var oneHot = [Float](repeating: 0, count: logits.count)
            oneHot[order[0]] = 1
            return oneHot
        }
        var probabilities = softmax(logits, temperature: settings.temperature)
        // Nothing cut (no ranking given): the softmax is the distribution.
        if order.isEmpty { return probabilities }
        var kept = order.count
        if let k = settings.topK, k > 0 { kept = min(kept, k) }
        if let p = settings.topP, p < 1 {
            // The smallest prefix of the ranking whose mass reaches p (always at least one token).
            var mass: Float = 0
            for (rank, token) in order.prefix(kept).enumerated() {
                mass += probabilities[token]
                if mass >= p { kept = rank + 1; break }
            }
        }
        for token in order.dropFirst(kept) { probabilities[token] = 0 }
        let total = probabilities.reduce(0, +)
        return probabilities.map { $0 / total }
    }

    /// A token drawn from `probabilities` (which must sum to about 1).
    public static func draw(
        from probabilities: [Float], using generator: inout SeededGenerator
    ) -> Int {
        let u = Float(generator.nextUnitDouble())
        var cumulative: Float = 0
        var last = 0
        return probabilities.withUnsafeBufferPointer { p in
            for token in 0..<p.count where p[token] > 0 {
                cumulative += p[token]
                last = token
                if u < cumulative { return token }
            }
            return last
        }   // rounding left u just above the total: take the last possible token
    }

    /// Samples the next token from a step's logits.
    public static func sample(
        logits: [Float], settings: SamplingSettings, using generator: inout SeededGenerator
    ) -> Int {
        if settings.temperature <= 0 { return likeliest(logits) }
        // Without top-k or top-p nothing is cut, so the ranking (a sort of the vocabulary, the
        // dearest part of a sample) is not needed.
        let cuts = (settings.topK ?? 0) > 0 || (settings.topP ?? 1) < 1
        return draw(
            from: distribution(
                logits: logits, settings: settings, ranking: cuts ? ranking(logits) : []),
            using: &generator)
    }

    /// The greedy choice: `ranking(logits)[0]` (the lowest id among equals) without the sort.
    public static func likeliest(_ logits: [Float]) -> Int {
        precondition(!logits.isEmpty, "no logits to choose from")
        var best = 0
        for index in logits.indices where logits[index] > logits[best] { best = index }
        return best
    }
}

extension InferenceSession {
    /// Reads `prompt`, then samples `count` tokens, each fed back in. Returns the new tokens.
    public func generate(
        prompt: [Int32], count: Int, settings: SamplingSettings,
        using generator: inout SeededGenerator
    ) -> [Int32] {
        guard var step = feed(prompt) else { return [] }
        var generated: [Int32] = []
        for index in 0..<count {
            let next = Int32(
                Sampling.sample(logits: step.logits, settings: settings, using: &generator))
            generated.append(next)
            if index + 1 < count { step = feed(next) }
        }
        return generated
    }
}
