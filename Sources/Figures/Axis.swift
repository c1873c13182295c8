// Axis ranges and ticks. Linear ticks at "nice" steps (1, 2 or 5 × 10ⁿ) so that about five
// to eight labels fit; log ticks at powers of ten (with 2 and 5 between them over short
// ranges). Labels drop trailing zeros and use k/M suffixes for large round numbers.

import Foundation

struct Axis {
    let scale: AxisScale
    let lower: Double
    let upper: Double

    /// An axis covering `values` with a little padding on linear scales.
    init(scale: AxisScale, values: [Double], padFraction: Double = 0.04, includeZero: Bool = false)
    {
        self.scale = scale
        var low = values.min() ?? 0, high = values.max() ?? 1
        if includeZero && scale == .linear { low = min(low, 0); high = max(high, 0) }
        if scale == .log {
            low = log10(low); high = log10(high)
            if high - low < 1e-9 { low -= 0.5; high += 0.5 }
            self.lower = low; self.upper = high
            return
        }
        if high - low < 1e-12 * max(1, abs(high)) {
            low -= 0.5 * max(1, abs(low)); high += 0.5 * max(1, abs(high))
        }
        let pad = (high - low) * padFraction
        self.lower = includeZero && low == 0 ? 0 : low - pad
        self.upper = high + pad
    }

    /// Position in [0, 1] along the axis.
    func fraction(_ value: Double) -> Double {
        let v = scale == .log ? log10(value) : value
        return (v - lower) / (upper - lower)
    }

    /// Tick values inside the range.
    func ticks(target: Int = 6) -> [Double] {
        if scale == .log {
            let first = Int(floor(lower)), last = Int(ceil(upper))
            var ticks: [Double] = []
            let dense = last - first <= 2
            for exponent in first...last {
                for mantissa in dense ? [1.0, 2, 5] : [1.0] {
                    let value = mantissa * pow(10, Double(exponent))
                    let position = log10(value)
                    if position >= lower - 1e-9 && position <= upper + 1e-9 { ticks.append(value) }
                }
            }
            return ticks
        }
        let step = Self.niceStep((upper - lower) / Double(target))
        var value = (lower / step).rounded(.up) * step
        var ticks: [Double] = []
        while value <= upper + step * 1e-9 {
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return ticks
    }

    /// The nice number (1, 2 or 5 × 10ⁿ) nearest above `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        let residual = raw / magnitude
        let nice: Double = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// A short label: 0.25, 3, 1.5k, 2M, 1e-05.
    static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e6 && magnitude < 1e12 && (value / 1e6).rounded() == value / 1e6 {
            return "\(Int(value / 1e6))M"
        }
        if magnitude >= 1e4 && magnitude < 1e6 && (value / 1e3 * 10).rounded() == value / 1e3 * 10 {
            return trimmed(value / 1e3) + "k"
        }
        if magnitude < 1e-3 || magnitude >= 1e12 {
            // 8e-04 → 8e-4
            return String(format: "%.0e", value).replacingOccurrences(of: "e-0", with: "e-")
                .replacingOccurrences(of: "e+0", with: "e")
        }
        return trimmed(value)
    }

    private static func trimmed(_ value: Double) -> String {
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
