// A measured share with its sample size and a 95% Wilson score interval, the way every rate
// on a lesson page is shown ("62% of 150, 95% CI 54–69%"). Wilson's interval stays inside
// [0, 1] and behaves at 0 and n (where the textbook ± 1.96·√(p(1−p)/n) collapses).
// Reference: Wilson (1927); Agresti & Coull (1998) compare the two.

import Foundation

public struct Rate: Codable, Equatable, Sendable {
    public let hits: Int
    public let count: Int

    public init(hits: Int, of count: Int) {
        precondition(
            count >= 0 && hits >= 0 && hits <= count,
            "a rate needs 0 ≤ hits ≤ count, got \(hits) of \(count)")
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
        return
            "\(percent(value)) (\(hits) of \(count); 95% CI \(percent(low, sign: false))–\(percent(high)))"
    }

    private func percent(_ x: Double, sign: Bool = true) -> String {
        String(format: "%.0f", x * 100) + (sign ? "%" : "")
    }
}

/// Records a rate for the report card: its value in percent, with n and the interval in the name.
public func metric(_ name: String, _ rate: Rate) {
    metric("\(name) — \(rate.description)", rate.value * 100, unit: "%")
}

/// A mean of per-item measurements with its n and a 95% interval (normal approximation,
/// mean ± 1.96·s/√n): "38% (mean of 12; 95% CI 31–45%)".
public struct Mean: Codable, Equatable, Sendable {
    public let values: [Double]

    public init(_ values: [Double]) { self.values = values }

    public var value: Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    public var interval: (low: Double, high: Double) {
        guard values.count > 1 else { return (-.infinity, .infinity) }
        let m = value, n = Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)
        let half = 1.959964 * (variance / n).squareRoot()
        return (m - half, m + half)
    }

    /// The mean and interval as percentages, for means of shares.
    public var percentDescription: String {
        let (low, high) = interval
        func percent(_ x: Double) -> String { String(format: "%.0f", x * 100) }
        let range =
            values.count > 1 ? "; 95% CI \(percent(max(0, low)))–\(percent(min(1, high)))%" : ""
        return "\(percent(value))% (mean of \(values.count)\(range))"
    }
}

/// Records a mean of shares for the report card, in percent, with n and the interval in the name.
public func metric(_ name: String, meanShare: Mean) {
    metric("\(name) — \(meanShare.percentDescription)", meanShare.value * 100, unit: "%")
}

/// The difference of two rates, a − b, with Newcombe's 95% interval, built from the two Wilson
/// intervals (Newcombe 1998, method 10): it stays sensible at 0 and n, as Wilson's does.
public struct RateDifference: Sendable {
    public let a: Rate, b: Rate

    public init(a: Rate, b: Rate) { self.a = a; self.b = b }

    public var value: Double { a.value - b.value }

    public var interval: (low: Double, high: Double) {
        let (l1, u1) = a.interval, (l2, u2) = b.interval
        let p1 = a.value, p2 = b.value
        let below = ((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2)).squareRoot()
        let above = ((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2)).squareRoot()
        return (value - below, value + above)
    }

    /// "+31 points (95% CI +12 to +48)".
    public var description: String {
        func points(_ x: Double) -> String { String(format: "%+.0f", x * 100) }
        let (low, high) = interval
        return "\(points(value)) points (95% CI \(points(low)) to \(points(high)))"
    }
}

/// Claims that rate `a` beats rate `b` by more than `margin` (a share: 0.2 is 20 points), and
/// holds only when the whole 95% interval of the difference does: a gap the sample sizes can
/// show, not one that chance could make. With `atLeast`, the difference itself must also reach
/// it (a gap that is both real and big: "lower end above 0, at least +20 points"). Quick mode
/// shows it unchecked, as `claim` does.
@discardableResult
public func claim(
    _ text: String, _ a: Rate, beats b: Rate, by margin: Double = 0, atLeast: Double? = nil,
    ifFails story: String? = nil
) -> Verdict {
    let difference = RateDifference(a: a, b: b)
    func points(_ x: Double) -> String { String(format: "%+.0f", x * 100) }
    let needs =
        "needs lower end > \(points(margin))"
        + (atLeast.map { " and ≥ \(points($0)) points" } ?? " points")
    let measured = "\(difference.description); \(needs)"
    let held = difference.interval.low > margin && difference.value >= (atLeast ?? -.infinity)
    let verdict = Verdict(held: held, checked: !isQuick)
    LessonContext.emit(
        .expectation(
            ExpectationResult(
                claim: text, measured: measured,
                passed: verdict.held, checked: verdict.checked, value: difference.interval.low,
                threshold: margin)))
    if verdict.failed, let story { show(story) }
    return verdict
}
