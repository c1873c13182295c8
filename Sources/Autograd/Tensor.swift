// Tensor: Float32 values over one contiguous buffer, with reverse-mode gradients.
// Leaves out: strides and views, broadcasting, dtypes other than Float32, GPU. Every op
// produces a fresh contiguous tensor; the graph follows micrograd (each result keeps its
// parents and a backward closure; `backward()` walks them in reverse topological order).

/// A row-major Float32 array with an optional gradient buffer of the same shape.
public final class Tensor {
    public let shape: [Int]
    public let count: Int
    /// The values, `count` floats, row-major.
    public let data: UnsafeMutablePointer<Float>
    /// Whether gradients flow into this tensor (parameters, and results computed from them).
    public let requiresGradient: Bool
    /// A label for checkpoints, error messages and debugging.
    public var name: String

    private var gradientStorage: UnsafeMutablePointer<Float>?
    private(set) var parents: [Tensor] = []
    private var backwardStep: (() -> Void)?

    /// A zero-filled tensor.
    public convenience init(zeros shape: [Int], requiresGradient: Bool = false, name: String = "") {
        self.init(shape: shape, requiresGradient: requiresGradient, name: name, zeroed: true)
    }

    /// Ops whose kernels overwrite every value skip the zero fill.
    init(shape: [Int], requiresGradient: Bool, name: String = "", zeroed: Bool) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.data = BufferPool.allocate(count)
        if zeroed { self.data.initialize(repeating: 0, count: Swift.max(count, 1)) }
        self.requiresGradient = requiresGradient
        self.name = name
    }

    /// A tensor holding `values` (row-major), which must fill `shape` exactly.
    public convenience init(
        _ values: [Float], shape: [Int], requiresGradient: Bool = false, name: String = ""
    ) {
        precondition(
            values.count == shape.reduce(1, *),
            "\(values.count) values do not fill shape \(shape)")
        self.init(zeros: shape, requiresGradient: requiresGradient, name: name)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit {
        BufferPool.release(data, count: count)
        if let gradientStorage { BufferPool.release(gradientStorage, count: count) }
    }

    /// The gradient of the last `backward()` with respect to this tensor; allocated (zeroed) on first use.
    public var gradient: UnsafeMutablePointer<Float> {
        if let storage = gradientStorage { return storage }
        let storage = BufferPool.allocate(count)
        storage.initialize(repeating: 0, count: Swift.max(count, 1))
        gradientStorage = storage
        return storage
    }

    /// Whether a gradient buffer exists (it does once `gradient` was touched).
    public var hasGradient: Bool { gradientStorage != nil }

    public func zeroGradient() {
        gradientStorage?.update(repeating: 0, count: count)
    }

    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }
    public var gradientValues: [Float] { Array(UnsafeBufferPointer(start: gradient, count: count)) }

    /// The single value of a one-element tensor (a loss).
    public var item: Float {
        precondition(count == 1, "item needs a one-element tensor, this one has shape \(shape)")
        return data[0]
    }

    /// Records how this tensor was computed, so `backward()` can reach its inputs.
    /// Called by ops only when some input requires a gradient.
    func recordOrigin(_ parents: [Tensor], backward: @escaping () -> Void) {
        self.parents = parents
        self.backwardStep = backward
    }

    /// Back-propagates from this scalar: d(self)/d(self) = 1, then every op's backward in
    /// reverse topological order, accumulating into each input's gradient.
    public func backward() {
        precondition(count == 1, "backward() starts from a scalar; this tensor has shape \(shape)")
        backward(upstream: [1])
    }

    /// Back-propagates an upstream gradient d(something)/d(self) of this tensor's shape.
    public func backward(upstream: [Float]) {
        precondition(
            upstream.count == count,
            "upstream gradient has \(upstream.count) values for shape \(shape)")
        for i in 0..<count { gradient[i] += upstream[i] }
        for node in topologicalOrder().reversed() {
            node.backwardStep?()
        }
    }

    /// Drops the graph below this tensor (its parents and closures) so intermediate buffers free.
    public func releaseGraph() {
        for node in topologicalOrder() {
            node.parents = []
            node.backwardStep = nil
        }
    }

    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        // Iterative depth-first search: deep graphs must not overflow the stack.
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (node, childrenDone) = stack.popLast() {
            if childrenDone { order.append(node); continue }
            if !visited.insert(ObjectIdentifier(node)).inserted { continue }
            stack.append((node, true))
            for parent in node.parents where !visited.contains(ObjectIdentifier(parent)) {
                stack.append((parent, false))
            }
        }
        return order
    }
}

extension Tensor {
    /// The result tensor of an op: it requires a gradient when any input does.
    /// Its values are uninitialised: the op's forward kernel must write every one.
    static func result(_ shape: [Int], from inputs: [Tensor]) -> Tensor {
        Tensor(
            shape: shape, requiresGradient: inputs.contains { $0.requiresGradient }, zeroed: false)
    }

    /// The same values under another shape with the same element count; gradients flow through.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        let out = Tensor.result(newShape, from: [self])
        out.data.update(from: data, count: count)
        if out.requiresGradient {
            out.recordOrigin([self]) { [unowned out] in
                let g = self.gradient
                for i in 0..<self.count { g[i] += out.gradient[i] }
            }
        }
        return out
    }
}
