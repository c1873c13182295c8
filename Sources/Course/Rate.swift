// A measured share with its sample size and a 95% Wilson score interval, the way every rate
// on a lesson page is shown ("62% of 150, 95% CI 54–69%"). Wilson's interval stays inside
// [0, 1] and behaves at 0 and n (where the textbook ± 1.96·√(p(1−p)/n) collapses).
// Reference: Wilson (1927); Agresti & Coull (1998) compare the two.

import Foundation

public struct Rate: Codable, Equatable, Sendable {
    public let hits: Int
    public let count: Int

    public init(hits: Int, of count: Int) {
        precondition(count >= 0 && hits >= 0 && hits <= count, "a rate needs 0 ≤ hits ≤ count, got \(hits) of \(count)")
        self.hits = hits; self.count = count
    }

    /// The share of `items` for which `test` holds.
    public init<S: Sequence>(_ items: S, where test: (S.Element) throws -> Bool) rethrows {
        var hits = 0, count = 0
        for item in items { count += 1; if try test(item) { hits += 1 } }
        self.init(hits: hits, of: count)
    }

    public var value: Double { count == 0 ? 0 : Double(hits) / Double(count) }

    /// The 95% Wilson score interval.
    public var interval: (low: Double, high: Double) {
        guard count > 0 else { return (0, 1) }
        let z = 1.959964, n = Double(count), p = value
        let centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        let half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()
        return (max(0, centre - half), min(1, centre + half))
    }

    /// "62% (93 of 150; 95% CI 54–69%)".
    public var description: String {
        let (low, high) = interval
        return "\(percent(value)) (\(hits) of \(count); 95% CI \(percent(low, sign: false))–\(percent(high)))"
    }

    private func percent(_ x: Double, sign: Bool = true) -> String { String(format: "%.0f", x * 100) + (sign ? "%" : "") }
}

/// Records a rate for the report card: its value in percent, with n and the interval in the name.
public func metric(_ name: String, _ rate: Rate) {
    metric("\(name) — \(rate.description)", rate.value * 100, unit: "%")
}
