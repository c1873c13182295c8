import Foundation
import Testing
@testable import Course

@Suite struct StatisticsTests {
    @Test func theMedianOfAnOddCountIsTheMiddleValue() {
        #expect(Statistics.median([3, 1, 2]) == 2)
        #expect(Statistics.median([5]) == 5)
        #expect(Statistics.median([9, -1, 4, 4, 0]) == 4)
    }

    @Test func theMedianOfAnEvenCountIsTheUpperOfTheTwoMiddleValues() {
        #expect(Statistics.median([4, 1, 3, 2]) == 3)
        #expect(Statistics.median([10, 0]) == 10)
    }

    @Test func theAUCOfSeparatedGroupsIsOneAndOfReversedOnesZero() {
        #expect(Statistics.auc([3, 4, 5], [1, 2]) == 1)
        #expect(Statistics.auc([1, 2], [3, 4, 5]) == 0)
    }

    @Test func theAUCOfIdenticalGroupsIsOneHalf() {
        #expect(Statistics.auc([1], [1]) == 0.5)
        #expect(Statistics.auc([1, 2, 3], [1, 2, 3]) == 0.5)
    }

    @Test func theAUCCountsEachPairAndTiesAsHalf() {
        // Pairs (2,2): ½, (2,1): 1 → 1.5 of 2.
        #expect(Statistics.auc([2], [2, 1]) == 0.75)
        // (1,2): 0, (3,2): 1 → 1 of 2.
        #expect(Statistics.auc([1, 3], [2]) == 0.5)
        #expect(Statistics.auc([], [1]).isNaN)
    }

    @Test func theProbeStandardisesWithTheTrainingRows() {
        let probe = RidgeProbe(features: [[1, 10], [3, 10], [5, 10]], labels: [true, false, true])
        #expect(abs(probe.mean[0] - 3) < 1e-12 && abs(probe.mean[1] - 10) < 1e-12)
        #expect(abs(probe.scale[0] - ((8.0 / 3).squareRoot() + 1e-6)) < 1e-12)
        #expect(abs(probe.scale[1] - 1e-6) < 1e-12)  // a constant feature: only the guard
        let z = probe.standardised([5, 10])
        #expect(abs(z[0] - 2 / probe.scale[0]) < 1e-9 && abs(z[1]) < 1e-6)
    }

    @Test func theDocumentedExampleHolds() {
        let probe = RidgeProbe(features: [[0, 1], [1, 0], [0, 2], [2, 0]], labels: [true, false, true, false])
        #expect(probe.score([0, 3]) > 0)
        #expect(probe.score([3, 0]) < 0)
    }

    /// The dual solution Xᵀ(X Xᵀ + λI)⁻¹ y equals the primal ridge solution (XᵀX + λI)⁻¹ Xᵀ y.
    @Test func theProbeIsTheRidgeRegressionSolution() {
        let features: [[Double]] = [[0.5, 2], [1.5, -1], [-2, 0.25], [3, 1], [-1, -3]]
        let labels = [true, false, false, true, true]
        let probe = RidgeProbe(features: features, labels: labels)
        let xs = features.map(probe.standardised)
        let y = labels.map { $0 ? 1.0 : -1.0 }, lambda = Double(features.count)
        // The 2 × 2 system (XᵀX + λI) w = Xᵀ y, solved by hand.
        var a = [[lambda, 0], [0, lambda]], b = [0.0, 0]
        for (x, label) in zip(xs, y) {
            for i in 0..<2 {
                b[i] += x[i] * label
                for j in 0..<2 { a[i][j] += x[i] * x[j] }
            }
        }
        let det = a[0][0] * a[1][1] - a[0][1] * a[1][0]
        let w = [(a[1][1] * b[0] - a[0][1] * b[1]) / det, (a[0][0] * b[1] - a[1][0] * b[0]) / det]
        for j in 0..<2 { #expect(abs(probe.weights[j] - w[j]) < 1e-5, "weight \(j): \(probe.weights[j]) vs \(w[j])") }
        #expect(abs(probe.score(features[0]) - zip(w, xs[0]).reduce(0) { $0 + $1.0 * $1.1 }) < 1e-5)
    }

    /// More features than rows, as in the lesson (a vocabulary's logits, fewer people): every
    /// feature leans a little with the label, under noise twice as large. The probe sums the
    /// leans and separates its own rows and new ones.
    @Test func theProbeRecoversALinearSeparation() {
        var random = SeededGenerator(seed: 3)
        func row(_ label: Bool) -> [Double] {
            (0..<50).map { _ in (label ? 0.5 : -0.5) + Double.random(in: -1...1, using: &random) }
        }
        let labels = (0..<20).map { $0 % 2 == 0 }, features = labels.map(row)
        let probe = RidgeProbe(features: features, labels: labels)
        #expect(probe.weights.filter { $0 > 0 }.count >= 40)
        #expect(zip(features.map(probe.score), labels).allSatisfy { ($0.0 > 0) == $0.1 })
        let newLabels = (0..<40).map { $0 % 3 == 0 }
        let scores = newLabels.map { probe.score(row($0)) }
        let auc = Statistics.auc(zip(scores, newLabels).filter(\.1).map(\.0),
                                 zip(scores, newLabels).filter { !$0.1 }.map(\.0))
        #expect(auc == 1)
        #expect(zip(scores, newLabels).allSatisfy { ($0.0 > 0) == $0.1 })
    }
}
