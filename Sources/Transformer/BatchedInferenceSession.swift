// Many sequences generated at once, each with its own KV cache (a row). One `feed` reads one
// token into each of several rows: the matrix products take all of them together (N rows
// instead of one, so sgemm runs wide), attention reads each row's own cache. Rows that share
// a prompt share its work: read the prompt into one row, then `copy` its cache to the others
// (prefix reuse), as RL rollouts do for k samples of one problem. Unlike `InferenceSession`
// there is no attention report and no sliding window: a row that is full must stop.
// Shapes: R rows, N rows fed in one call, C channels, NH heads, hs head size, V vocabulary.

import Autograd

public final class BatchedInferenceSession {
    public let model: GPT
    public let rowCount: Int
    /// How many tokens each row's cache holds.
    public private(set) var lengths: [Int]

    private let keys: [UnsafeMutablePointer<Float>]   // per layer (R, Tmax, C)
    private let values: [UnsafeMutablePointer<Float>]   // per layer (R, Tmax, C)
    private let scratch: Scratch

    public init(model: GPT, rows: Int) {
        precondition(rows >= 1, "a batched session needs at least one row")
        self.model = model
        rowCount = rows
        lengths = Array(repeating: 0, count: rows)
        let size = rows * model.config.contextLength * model.config.embeddingWidth
        keys = (0..<model.config.layerCount).map { _ in .allocate(capacity: size) }
        values = (0..<model.config.layerCount).map { _ in .allocate(capacity: size) }
        scratch = Scratch(rows: rows, width: model.config.embeddingWidth)
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    /// Empties every row.
    public func reset() { lengths = Array(repeating: 0, count: rowCount) }

    /// Makes each of `targets` hold what `source` holds (its tokens' keys and values).
    public func copy(row source: Int, to targets: [Int]) {
        let C = model.config.embeddingWidth, Tmax = model.config.contextLength
        let count = lengths[source] * C
        for target in targets where target != source {
            for layer in 0..<model.config.layerCount {
                (keys[layer] + target * Tmax * C).update(
                    from: keys[layer] + source * Tmax * C, count: count)
                (values[layer] + target * Tmax * C).update(
                    from: values[layer] + source * Tmax * C, count: count)
            }
            lengths[target] = lengths[source]
        }
    }

    /// Reads tokens[i] into row rows[i] (distinct rows, none full) and returns the next-token
    /// logits of each, (N, V) row-major; `logits: false` skips the V-wide head (prompt tokens
    /// whose predictions nobody reads) and returns [].
    @discardableResult
    public func feed(_ tokens: [Int32], rows: [Int], logits: Bool = true) -> [Float] {
        let config = model.config
        let N = tokens.count, C = config.embeddingWidth, NH = config.headCount, hs = config.headSize
        let V = config.vocabularySize, Tmax = config.contextLength
        precondition(rows.count == N && Set(rows).count == N, "one token per distinct row")
        guard N > 0 else { return [] }
        for (token, row) in zip(tokens, rows) {
            precondition(
                token >= 0 && Int(token) < V, "token \(token) is outside the vocabulary 0..<\(V)")
            precondition(lengths[row] < Tmax, "row \(row) is full (\(Tmax) tokens)")
        }
        let (x, normalized, qkv, attended) = (
            scratch.x, scratch.normalized, scratch.qkv, scratch.attended
        )
        let (projected, hidden, activated, mean, rstd) = (
            scratch.projected, scratch.hidden, scratch.activated, scratch.mean, scratch.rstd
        )
        // x = wte[token] + wpe[position]
        for n in 0..<N {
            let wte = model.tokenEmbedding.data + Int(tokens[n]) * C,
                wpe = model.positionEmbedding.data + lengths[rows[n]] * C
            for c in 0..<C { x.pointer[n * C + c] = wte[c] + wpe[c] }
        }
        func normalize(_ norm: LayerNormParameters) {
            LayerNormKernel.forward(
                out: normalized.pointer, mean: mean.pointer, rstd: rstd.pointer, inp: x.pointer,
                weight: norm.weight.data, bias: norm.bias.data, N: N, C: C)
        }
        let scale = 1 / Float(hs).squareRoot()
        for (layer, block) in model.blocks.enumerated() {
            // Attention sub-block: ln1 → qkv for all N → each row attends over its own cache
            // (rows split between the cores).
            normalize(block.attentionNorm)
            LinearKernel.forward(
                out: qkv.pointer, inp: normalized.pointer,
                weight: block.attention.queryKeyValue.weight.data,
                bias: block.attention.queryKeyValue.bias.data, N: N, C: C, OC: 3 * C)
            let lengths = self.lengths, layerKeys = keys[layer], layerValues = values[layer]
            Parallel.forEachChunk(N, minimumChunk: 8) { chunk in
                let weights = UnsafeMutablePointer<Float>.allocate(capacity: Tmax)
                defer { weights.deallocate() }
                for n in chunk {
                    let row = rows[n], position = lengths[row]
                    let cacheK = layerKeys + row * Tmax * C, cacheV = layerValues + row * Tmax * C
                    (cacheK + position * C).update(from: qkv.pointer + n * 3 * C + C, count: C)
                    (cacheV + position * C).update(from: qkv.pointer + n * 3 * C + 2 * C, count: C)
                    for h in 0..<NH {
                        Self.attend(
                            query: qkv.pointer + n * 3 * C + h * hs, keys: cacheK + h * hs,
                            values: cacheV + h * hs, stride: C, count: position + 1, width: hs,
                            scale: scale, weights: weights, into: attended.pointer + n * C + h * hs)
                    }
                }
            }
            LinearKernel.forward(
                out: projected.pointer, inp: attended.pointer,
                weight: block.attention.projection.weight.data,
                bias: block.attention.projection.bias.data, N: N, C: C, OC: C)
            for i in 0..<(N * C) { x.pointer[i] += projected.pointer[i] }
            // MLP sub-block: ln2 → fc → GELU → projection → residual.
            normalize(block.mlpNorm)
            LinearKernel.forward(
                out: hidden.pointer, inp: normalized.pointer, weight: block.mlp.expand.weight.data,
                bias: block.mlp.expand.bias.data, N: N, C: C, OC: 4 * C)
            GELUKernel.forward(out: activated.pointer, inp: hidden.pointer, N: N * 4 * C)
            LinearKernel.forward(
                out: projected.pointer, inp: activated.pointer,
                weight: block.mlp.projection.weight.data,
                bias: block.mlp.projection.bias.data, N: N, C: 4 * C, OC: C)
            for i in 0..<(N * C) { x.pointer[i] += projected.pointer[i] }
        }
        for row in rows { lengths[row] += 1 }
        guard logits else { return [] }
        normalize(model.finalNorm)
        // The head writes every logit: no zero fill first.
        return [Float](unsafeUninitializedCapacity: N * V) { buffer, initialized in
            LinearKernel.forward(
                out: buffer.baseAddress!, inp: normalized.pointer, weight: model.tokenEmbedding.data,
                bias: nil, N: N, C: C, OC: V)
            initialized = N * V
        }
    }

    /// One head of one row: into = Σ_j softmax(scale · q·k_j)_j · v_j over the `count` cached
    /// positions (k_j at keys + j·stride, v_j likewise). The floats are fixed: each score is
    /// `Reduce.dot`'s, the exponentials are summed in order, w_j = e_j / sum, and the outputs
    /// are `Reduce.scaledRowSum`'s. It runs for every row, head and layer of every token a
    /// rollout writes, so the exponentials run eight at a time, apart from their sum (which
    /// keeps its order).
    @inline(__always)
    static func attend(
        query q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        stride: Int, count: Int, width hs: Int, scale: Float,
        weights: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>
    ) {
        var maximum = -Float.infinity
        for j in 0..<count {
            weights[j] = Reduce.dot(q, keys + j * stride, hs) * scale
            maximum = max(maximum, weights[j])
        }
        for j in 0..<count { weights[j] = fastExp(weights[j] - maximum) }
        var sum: Float = 0
        for j in 0..<count { sum += weights[j] }
        for j in 0..<count { weights[j] /= sum }
        Reduce.scaledRowSum(weights, rows: values, stride: stride, count: count, width: hs, into: out)
    }

    /// Activations of up to `rows` positions, allocated once and reused by every `feed`.
    private final class Scratch {
        let x, normalized, qkv, attended, projected, hidden, activated, mean, rstd: Buffer
        init(rows N: Int, width C: Int) {
            x = Buffer(N * C); normalized = Buffer(N * C); qkv = Buffer(N * 3 * C)
            attended = Buffer(N * C)
            projected = Buffer(N * C); hidden = Buffer(N * 4 * C); activated = Buffer(N * 4 * C)
            mean = Buffer(N); rstd = Buffer(N)
        }
    }

    private final class Buffer {
        let pointer: UnsafeMutablePointer<Float>
        init(_ count: Int) { pointer = .allocate(capacity: count) }
        deinit { pointer.deallocate() }
    }
}
