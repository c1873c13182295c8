// Helpers for the kernel tests: random inputs and a central finite-difference gradient in Float64.

@testable import Autograd

func randomDoubles(_ count: Int, _ generator: inout SeededGenerator, scale: Double = 1) -> [Double] {
    (0..<count).map { _ in Double(generator.nextNormal()) * scale }
}

/// ∂/∂x of Σᵢ f(x)ᵢ·weights[i] by central differences (h = 1e-6), for every element of x.
func finiteDifferenceGradient(of f: ([Double]) -> [Double], at x: [Double], upstream: [Double], step h: Double = 1e-6) -> [Double] {
    func objective(_ point: [Double]) -> Double { zip(f(point), upstream).reduce(0) { $0 + $1.0 * $1.1 } }
    return x.indices.map { i in
        var plus = x, minus = x
        plus[i] += h
        minus[i] -= h
        return (objective(plus) - objective(minus)) / (2 * h)
    }
}

/// Largest |a − b| / (1 + |b|) over two arrays of the same length.
func maxRelativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "compared arrays differ in length: \(a.count) vs \(b.count)")
    return zip(a, b).map { abs($0 - $1) / (1 + abs($1)) }.max() ?? 0
}

func maxRelativeError(_ a: [Float], _ b: [Double]) -> Double { maxRelativeError(a.map(Double.init), b) }

func tensor(_ values: [Double], _ shape: [Int], grad: Bool = true) -> Tensor {
    Tensor(values.map(Float.init), shape: shape, requiresGradient: grad)
}

extension Tensor {
    var doubleGradient: [Double] { gradientValues.map(Double.init) }
}
