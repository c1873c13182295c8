// Many sequences generated at once, each with its own KV cache (a row). One `feed` reads one
// token into each of several rows: the matrix products take all of them together (N rows
// instead of one, so sgemm runs wide), attention reads each row's own cache. Rows that share
// a prompt share its work: read the prompt into one row, then `copy` it to the others (prefix
// reuse), as RL rollouts do for k samples of one problem. A copy is not copied: the targets read
// the source's cache for those positions and write their own after them. Attention over a
// long cache waits on memory (a third of lesson 12's time), and k rows reading one prompt's keys
// one after another find them in the core's cache instead of reading k copies. The floats are
// the same as with copies. Unlike `InferenceSession` there is no attention report and no
// sliding window: a row that is full must stop.
// The caches are head-major, (R, NH, Tmax, hs), so one head of a row streams end to end.
// Shapes: R rows, N rows fed in one call, C channels, NH heads, hs head size, V vocabulary.

import Autograd

public final class BatchedInferenceSession {
    public let model: GPT
    public let rowCount: Int
    /// How many tokens each row's cache holds.
    public private(set) var lengths: [Int]

    private let keys: [UnsafeMutablePointer<Float>]   // per layer (R, NH, Tmax, hs)
    private let values: [UnsafeMutablePointer<Float>]   // per layer (R, NH, Tmax, hs)
    /// Positions 0..<sharedLength[r] of row r are read from row sharedRow[r]'s cache (a row
    /// whose own sharedLength is 0); row r's own cache holds the positions after them.
    private var sharedRow: [Int], sharedLength: [Int]
    private let scratch: Scratch

    public init(model: GPT, rows: Int) {
        precondition(rows >= 1, "a batched session needs at least one row")
        self.model = model
        rowCount = rows
        lengths = Array(repeating: 0, count: rows)
        sharedRow = Array(0..<rows)
        sharedLength = Array(repeating: 0, count: rows)
        let size = rows * model.config.contextLength * model.config.embeddingWidth
        keys = (0..<model.config.layerCount).map { _ in BufferPool.allocate(size) }
        values = (0..<model.config.layerCount).map { _ in BufferPool.allocate(size) }
        scratch = Scratch(rows: rows, width: model.config.embeddingWidth)
    }

    deinit {
        keys.forEach { BufferPool.release($0, count: cacheSize) }
        values.forEach { BufferPool.release($0, count: cacheSize) }
    }

    /// Floats in one layer's keys (or values): every row's whole context.
    private var cacheSize: Int { rowCount * model.config.contextLength * model.config.embeddingWidth }

    /// Empties every row.
    public func reset() {
        lengths = Array(repeating: 0, count: rowCount)
        sharedLength = Array(repeating: 0, count: rowCount)
    }

    /// Makes each of `targets` hold what `source` holds (its tokens' keys and values).
    public func copy(row source: Int, to targets: [Int]) {
        for target in targets where target != source {
            // Rows that read the target's positions take their own copy before it changes.
            for row in 0..<rowCount where row != target && sharedLength[row] > 0 && sharedRow[row] == target {
                copyPositions(0..<sharedLength[row], from: target, to: row)
                sharedLength[row] = 0
            }
            if sharedLength[source] > 0 {
                (sharedRow[target], sharedLength[target]) = (sharedRow[source], sharedLength[source])
                copyPositions(sharedLength[source]..<lengths[source], from: source, to: target)
            } else {
                (sharedRow[target], sharedLength[target]) = (source, lengths[source])
            }
            lengths[target] = lengths[source]
        }
    }

    private func copyPositions(_ positions: Range<Int>, from source: Int, to target: Int) {
        let config = model.config, hs = config.headSize
        let rowSize = config.contextLength * config.embeddingWidth, headSize = config.contextLength * hs
        for layer in 0..<config.layerCount {
            for h in 0..<config.headCount {
                let from = source * rowSize + h * headSize + positions.lowerBound * hs
                let to = target * rowSize + h * headSize + positions.lowerBound * hs
                (keys[layer] + to).update(from: keys[layer] + from, count: positions.count * hs)
                (values[layer] + to).update(from: values[layer] + from, count: positions.count * hs)
            }
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
            let lengths = self.lengths, sharedRow = self.sharedRow, sharedLength = self.sharedLength
            let layerKeys = keys[layer], layerValues = values[layer]
            Parallel.forEachChunk(N, minimumChunk: 8) { chunk in
                let weights = UnsafeMutablePointer<Float>.allocate(capacity: Tmax)
                defer { weights.deallocate() }
                for n in chunk {
                    let row = rows[n], position = lengths[row], shared = sharedLength[row]
                    for h in 0..<NH {
                        let head = h * Tmax * hs, own = row * Tmax * C + head
                        let prefix = sharedRow[row] * Tmax * C + head
                        let q = qkv.pointer + n * 3 * C + h * hs
                        (layerKeys + own + position * hs).update(from: q + C, count: hs)
                        (layerValues + own + position * hs).update(from: q + 2 * C, count: hs)
                        Self.attend(
                            query: q, keys: layerKeys + prefix, values: layerValues + prefix,
                            count: shared, thenKeys: layerKeys + own + shared * hs,
                            values: layerValues + own + shared * hs, count: position + 1 - shared,
                            stride: hs, width: hs, scale: scale, weights: weights,
                            into: attended.pointer + n * C + h * hs)
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
    static func attend(
        query q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        stride: Int, count: Int, width hs: Int, scale: Float,
        weights: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>
    ) {
        attend(
            query: q, keys: keys, values: values, count: count, thenKeys: keys, values: values,
            count: 0, stride: stride, width: hs, scale: scale, weights: weights, into: out)
    }

    /// The same over positions held in two places: `count` of them at keys/values, then
    /// `ownCount` more at ownKeys/ownValues (a shared prompt, then the row's own tokens). The
    /// floats are those of one place holding all of them in that order.
    @inline(__always)
    static func attend(
        query q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        count: Int, thenKeys ownKeys: UnsafePointer<Float>, values ownValues: UnsafePointer<Float>,
        count ownCount: Int, stride: Int, width hs: Int, scale: Float,
        weights: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>
    ) {
        var maximum = -Float.infinity
        for j in 0..<count {
            weights[j] = Reduce.dot(q, keys + j * stride, hs) * scale
            maximum = max(maximum, weights[j])
        }
        for j in 0..<ownCount {
            weights[count + j] = Reduce.dot(q, ownKeys + j * stride, hs) * scale
            maximum = max(maximum, weights[count + j])
        }
        let total = count + ownCount
        for j in 0..<total { weights[j] = fastExp(weights[j] - maximum) }
        var sum: Float = 0
        for j in 0..<total { sum += weights[j] }
        for j in 0..<total { weights[j] /= sum }
        Reduce.scaledRowSum(weights, rows: values, stride: stride, count: count, width: hs, into: out)
        Reduce.scaledRowSum(
            weights + count, rows: ownValues, stride: stride, count: ownCount, width: hs, into: out,
            adding: count > 0)
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
