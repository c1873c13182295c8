// The statistics lessons compute over per-person measurements: a median, the AUC of two groups
// of scores, and a linear probe fit by ridge regression (lesson 9 measures with them whether a
// model carries a signal of what it knows). Plain loops in a fixed order, so a lesson's numbers
// do not move when it calls these instead of writing them out.

import Autograd
import Foundation

public enum Statistics {
    /// The middle of `values` once sorted; of an even count, the upper of the two middle values
    /// (no mean of the pair). `median([3, 1, 2]) == 2`, `median([4, 1, 3, 2]) == 3`.
    public static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "the median of no values is undefined")
        return values.sorted()[values.count / 2]
    }

    /// The area under the ROC curve: the chance that a score of `high` beats one of `low`, ties
    /// counting half (0.5: no signal; 1: every `high` above every `low`; 0: the reverse).
    /// `auc([3, 4], [1, 2]) == 1`, `auc([1], [1]) == 0.5`. NaN when a group is empty.
    public static func auc(_ high: [Double], _ low: [Double]) -> Double {
        high.reduce(0.0) { sum, h in sum + low.reduce(0.0) { $0 + (h > $1 ? 1 : h == $1 ? 0.5 : 0) }
        }
            / Double(high.count * low.count)
    }
}

/// A linear probe fit by ridge regression: features standardised (mean 0, standard deviation 1
/// per feature, fit on the training rows), labels +1 (true) and −1 (false), penalty λ = the
/// number of rows. Solved in its dual form, (X Xᵀ + λI) α = y and w = Xᵀ α, which needs an
/// n × n system for n rows: cheap when there are fewer rows than features (people against a
/// vocabulary's logits).
///
///     let probe = RidgeProbe(features: [[0, 1], [1, 0], [0, 2], [2, 0]],
///                            labels: [true, false, true, false])
///     probe.score([0, 3]) > 0   // true: on the side of the true rows
public struct RidgeProbe: Sendable {
    /// Per feature, the training rows' mean and standard deviation (+10⁻⁶).
    public let mean: [Double], scale: [Double]
    /// The weights on the standardised features.
    public let weights: [Double]

    public init(features: [[Double]], labels: [Bool]) {
        precondition(
            !features.isEmpty && features.count == labels.count,
            "a probe needs one label per row, and at least one row")
        let n = features.count, width = features[0].count
        var mean = [Double](repeating: 0, count: width), scale = mean
        for x in features { for j in 0..<width { mean[j] += x[j] / Double(n) } }
        for x in features { for j in 0..<width { scale[j] += pow(x[j] - mean[j], 2) / Double(n) } }
        scale = scale.map { $0.squareRoot() + 1e-6 }
        self.mean = mean
        self.scale = scale
        let xs = features.map { x in (0..<width).map { (x[$0] - mean[$0]) / scale[$0] } }
        // The n × n products X Xᵀ, by the library's matrix kernel.
        let X = Tensor(xs.flatMap { $0.map(Float.init) }, shape: [n, width])
        let gram = linear(X, weight: X).values
        // Solve (X Xᵀ + λI) α = y by Gaussian elimination; the probe is then w = Xᵀ α.
        var system = [Double](repeating: 0, count: n * (n + 1))   // row-major, y in the last column
        for i in 0..<n {
            for j in 0..<n { system[i * (n + 1) + j] = Double(gram[i * n + j]) }
            system[i * (n + 1) + i] += Double(n)
            system[i * (n + 1) + n] = labels[i] ? 1 : -1
        }
        for column in 0..<n {
            for row in (column + 1)..<n {
                let factor = system[row * (n + 1) + column] / system[column * (n + 1) + column]
                for k in column...n {
                    system[row * (n + 1) + k] -= factor * system[column * (n + 1) + k]
                }
            }
        }
        var alpha = [Double](repeating: 0, count: n)
        for row in (0..<n).reversed() {
            var rest = system[row * (n + 1) + n]
            for j in (row + 1)..<n { rest -= system[row * (n + 1) + j] * alpha[j] }
            alpha[row] = rest / system[row * (n + 1) + row]
        }
        var w = [Double](repeating: 0, count: width)
        for (a, x) in zip(alpha, xs) { for j in 0..<width { w[j] += a * x[j] } }
        weights = w
    }

    /// `x` standardised as the training rows were.
    public func standardised(_ x: [Double]) -> [Double] {
        (0..<mean.count).map { (x[$0] - mean[$0]) / scale[$0] }
    }

    /// The probe's score for a row of features: above 0 leans true, below 0 false.
    public func score(_ x: [Double]) -> Double {
        zip(weights, standardised(x)).reduce(0) { $0 + $1.0 * $1.1 }
    }
}
