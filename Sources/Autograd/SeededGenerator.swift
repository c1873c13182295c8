// A seeded random number generator: the same seed gives the same numbers on every run and
// machine. xoshiro256** (Blackman & Vigna, https://prng.di.unimi.it/) seeded through SplitMix64.
// Leaves out: cryptographic quality (not needed), jump-ahead.

import Foundation

/// Deterministic pseudo-random numbers. Its `state` can be saved and restored (checkpoints).
public struct SeededGenerator: RandomNumberGenerator, Codable, Equatable, Sendable {
    public var state: [UInt64]

    public init(seed: UInt64) {
        var mixer = seed
        state = (0..<4).map { _ in Self.splitMix64(&mixer) }
    }

    public init(state: [UInt64]) {
        precondition(
            state.count == 4 && state.contains { $0 != 0 },
            "xoshiro256** needs 4 words, not all zero")
        self.state = state
    }

    /// Decoding checks what `init(state:)` requires: a saved state cut short or all zero (the
    /// generator would then give zeros forever) is an error, not a crash or an endless loop.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let state = try container.decode([UInt64].self, forKey: .state)
        guard state.count == 4, state.contains(where: { $0 != 0 }) else {
            throw DecodingError.dataCorruptedError(
                forKey: .state, in: container,
                debugDescription:
                    "a generator state is 4 numbers, not all zero; found \(state.count) \(state.allSatisfy { $0 == 0 } ? "zeros" : "numbers")"
            )
        }
        self.state = state
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(state[1] &* 5, 7) &* 9
        let shifted = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= shifted
        state[3] = rotateLeft(state[3], 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A standard normal sample (Box–Muller; one of the pair is discarded to keep no hidden state).
    public mutating func nextNormal() -> Float {
        let u1 = 1.0 - nextUnitDouble()   // (0, 1]: log stays finite
        let u2 = nextUnitDouble()
        return Float((-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2))
    }

    /// An integer uniform in 0..<bound (Lemire's unbiased method via the standard library).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return Int(next(upperBound: UInt64(bound)))
    }

    private static func splitMix64(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
