// Generating one token at a time with a KV cache: each new token's keys and values are kept,
// so a step costs one position's work instead of the whole context. Every step returns the
// full next-token distribution and the attention of every layer and head (the stepper, the
// lessons and the figures all read this one `Step`). Rewinding drops the newest positions.
// When the context is full, the oldest tokens are dropped and the cache rebuilt (as nanoGPT
// crops its input), and the step says so.
// Shapes: C channels, NH heads, hs head size, V vocabulary, Tmax context length.

import Autograd

/// What the model computed after reading one more token.
public struct Step: Sendable {
    /// The token just read and its position in the (possibly cropped) context.
    public let token: Int32
    public let position: Int
    /// Logits for the next token (V).
    public let logits: [Float]
    /// attention[layer][head][j]: how much the newest position attends to context position j.
    public let attention: [[[Float]]]
    /// Tokens dropped from the front of the context so far because it was full.
    public let droppedTokens: Int

    /// softmax(logits): the model's next-token distribution.
    public var probabilities: [Float] { Sampling.softmax(logits) }
}

public final class InferenceSession {
    public let model: GPT
    /// The context the cache holds, oldest first.
    public private(set) var tokens: [Int32] = []
    /// Tokens dropped from the front because the context was full.
    public private(set) var droppedTokens = 0

    private let keys: [UnsafeMutablePointer<Float>]   // per layer (Tmax, C)
    private let values: [UnsafeMutablePointer<Float>]   // per layer (Tmax, C)
    private let scratch: Scratch

    public init(model: GPT) {
        self.model = model
        let C = model.config.embeddingWidth, Tmax = model.config.contextLength
        keys = (0..<model.config.layerCount).map { _ in .allocate(capacity: Tmax * C) }
        values = (0..<model.config.layerCount).map { _ in .allocate(capacity: Tmax * C) }
        scratch = Scratch(config: model.config)
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    /// Reads `tokens` in order and returns the step after the last one (nil when empty).
    @discardableResult
    public func feed(_ tokens: [Int32]) -> Step? {
        var last: Step?
        for token in tokens { last = feed(token) }
        return last
    }

    /// Reads one token and returns the next-token distribution and the attention.
    @discardableResult
    public func feed(_ token: Int32) -> Step {
        precondition(
            token >= 0 && Int(token) < model.config.vocabularySize,
            "token \(token) is outside the vocabulary 0..<\(model.config.vocabularySize)")
        if tokens.count == model.config.contextLength {
            // Full: keep the newest Tmax − 1 tokens, rebuild the cache, then read this one.
            let kept = Array(tokens.suffix(model.config.contextLength - 1))
            let dropped = droppedTokens + tokens.count - kept.count
            reset()
            for old in kept { _ = forward(old) }
            droppedTokens = dropped
        }
        return forward(token)
    }

    /// Reads `tokens` in one pass through the network (each weight one matrix product over all
    /// of them, as training does, instead of one per token) and returns the step after the last.
    /// The same logits as `feed(_:)` up to the matrix products' rounding; used to read a prompt
    /// (a 1,024-token context on a 512-wide model once took 33 s token by token). Tokens that do
    /// not fit after the cache are read one by one, as `feed(_:)` does.
    @discardableResult
    public func feedAll(_ new: [Int32]) -> Step? {
        let config = model.config
        let C = config.embeddingWidth, NH = config.headCount, hs = config.headSize,
            T = new.count, start = tokens.count
        guard T > 1, start + T <= config.contextLength else { return feed(new) }
        for token in new {
            precondition(
                token >= 0 && Int(token) < config.vocabularySize,
                "token \(token) is outside the vocabulary 0..<\(config.vocabularySize)")
        }
        // (T, C) activations for all new positions; (T, 3C) and (T, 4C) for the wide ones.
        let buffers = [C, C, 3 * C, C, C, 4 * C, 4 * C, 1, 1].map {
            UnsafeMutablePointer<Float>.allocate(capacity: T * $0)
        }
        defer { buffers.forEach { $0.deallocate() } }
        let (x, normalized, qkv, attended, projected, hidden, activated, mean, rstd) = (
            buffers[0], buffers[1], buffers[2], buffers[3], buffers[4], buffers[5], buffers[6],
            buffers[7], buffers[8]
        )
        for (t, token) in new.enumerated() {
            let wte = model.tokenEmbedding.data + Int(token) * C,
                wpe = model.positionEmbedding.data + (start + t) * C
            for c in 0..<C { x[t * C + c] = wte[c] + wpe[c] }
        }
        func layerNorm(_ norm: LayerNormParameters) {
            LayerNormKernel.forward(
                out: normalized, mean: mean, rstd: rstd, inp: x, weight: norm.weight.data,
                bias: norm.bias.data, N: T, C: C)
        }
        var attention: [[[Float]]] = []
        let scale = 1 / Float(hs).squareRoot()
        for (layer, block) in model.blocks.enumerated() {
            layerNorm(block.attentionNorm)
            LinearKernel.forward(
                out: qkv, inp: normalized, weight: block.attention.queryKeyValue.weight.data,
                bias: block.attention.queryKeyValue.bias.data, N: T, C: C, OC: 3 * C)
            for t in 0..<T {
                (keys[layer] + (start + t) * C).update(from: qkv + t * 3 * C + C, count: C)
                (values[layer] + (start + t) * C).update(from: qkv + t * 3 * C + 2 * C, count: C)
            }
            // Causal attention, position by position, exactly as `forward` computes one.
            var heads: [[Float]] = []
            for t in 0..<T {
                let position = start + t
                for h in 0..<NH {
                    let q = qkv + t * 3 * C + h * hs
                    var weights = [Float](repeating: 0, count: position + 1)
                    for j in 0...position {
                        weights[j] = Reduce.dot(q, keys[layer] + j * C + h * hs, hs) * scale
                    }
                    weights = Sampling.softmax(weights)
                    Reduce.scaledRowSum(
                        weights, rows: values[layer] + h * hs, stride: C, count: position + 1,
                        width: hs, into: attended + t * C + h * hs)
                    if t == T - 1 { heads.append(weights) }
                }
            }
            attention.append(heads)
            LinearKernel.forward(
                out: projected, inp: attended, weight: block.attention.projection.weight.data,
                bias: block.attention.projection.bias.data, N: T, C: C, OC: C)
            for i in 0..<(T * C) { x[i] += projected[i] }
            layerNorm(block.mlpNorm)
            LinearKernel.forward(
                out: hidden, inp: normalized, weight: block.mlp.expand.weight.data,
                bias: block.mlp.expand.bias.data, N: T, C: C, OC: 4 * C)
            GELUKernel.forward(out: activated, inp: hidden, N: T * 4 * C)
            LinearKernel.forward(
                out: projected, inp: activated, weight: block.mlp.projection.weight.data,
                bias: block.mlp.projection.bias.data, N: T, C: 4 * C, OC: C)
            for i in 0..<(T * C) { x[i] += projected[i] }
        }
        // Logits for the last position only: the step after the last token.
        normalize(x + (T - 1) * C, with: model.finalNorm, into: scratch.normalized)
        var logits = [Float](repeating: 0, count: config.vocabularySize)
        logits.withUnsafeMutableBufferPointer {
            LinearKernel.forward(
                out: $0.baseAddress!, inp: scratch.normalized, weight: model.tokenEmbedding.data,
                bias: nil, N: 1, C: C, OC: config.vocabularySize)
        }
        tokens += new
        return Step(
            token: new[T - 1], position: start + T - 1, logits: logits, attention: attention,
            droppedTokens: droppedTokens)
    }

    /// Forgets the newest `count` tokens: the next step continues from the shorter context,
    /// exactly as if they had never been read.
    public func rewind(_ count: Int) {
        precondition(
            count >= 0 && count <= tokens.count, "cannot rewind \(count) of \(tokens.count) tokens")
        tokens.removeLast(count)
    }

    public func reset() {
        tokens.removeAll()
        droppedTokens = 0
    }

    /// One position through the network, reading and extending the cache.
    private func forward(_ token: Int32) -> Step {
        let config = model.config
        let C = config.embeddingWidth, NH = config.headCount, hs = config.headSize,
            V = config.vocabularySize
        let position = tokens.count
        let s = scratch
        let x = s.residual
        // x = wte[token] + wpe[position]
        let wte = model.tokenEmbedding.data + Int(token) * C,
            wpe = model.positionEmbedding.data + position * C
        for c in 0..<C { x[c] = wte[c] + wpe[c] }

        var attention: [[[Float]]] = []
        attention.reserveCapacity(config.layerCount)
        for (layer, block) in model.blocks.enumerated() {
            // Attention sub-block: ln1 → qkv → attend over the cache → projection → residual.
            normalize(x, with: block.attentionNorm, into: s.normalized)
            LinearKernel.forward(
                out: s.qkv, inp: s.normalized, weight: block.attention.queryKeyValue.weight.data,
                bias: block.attention.queryKeyValue.bias.data, N: 1, C: C, OC: 3 * C)
            (keys[layer] + position * C).update(from: s.qkv + C, count: C)
            (values[layer] + position * C).update(from: s.qkv + 2 * C, count: C)
            var heads: [[Float]] = []
            heads.reserveCapacity(NH)
            let scale = 1 / Float(hs).squareRoot()
            for h in 0..<NH {
                let q = s.qkv + h * hs
                var weights = [Float](repeating: 0, count: position + 1)
                for j in 0...position {
                    let k = keys[layer] + j * C + h * hs
                    weights[j] = Reduce.dot(q, k, hs) * scale
                }
                weights = Sampling.softmax(weights)
                Reduce.scaledRowSum(
                    weights, rows: values[layer] + h * hs, stride: C, count: position + 1,
                    width: hs, into: s.attended + h * hs)
                heads.append(weights)
            }
            attention.append(heads)
            LinearKernel.forward(
                out: s.projected, inp: s.attended, weight: block.attention.projection.weight.data,
                bias: block.attention.projection.bias.data, N: 1, C: C, OC: C)
            for c in 0..<C { x[c] += s.projected[c] }
            // MLP sub-block: ln2 → fc → GELU → projection → residual.
            normalize(x, with: block.mlpNorm, into: s.normalized)
            LinearKernel.forward(
                out: s.hidden, inp: s.normalized, weight: block.mlp.expand.weight.data,
                bias: block.mlp.expand.bias.data, N: 1, C: C, OC: 4 * C)
            GELUKernel.forward(out: s.activated, inp: s.hidden, N: 4 * C)
            LinearKernel.forward(
                out: s.projected, inp: s.activated, weight: block.mlp.projection.weight.data,
                bias: block.mlp.projection.bias.data, N: 1, C: 4 * C, OC: C)
            for c in 0..<C { x[c] += s.projected[c] }
        }
        normalize(x, with: model.finalNorm, into: s.normalized)
        var logits = [Float](repeating: 0, count: V)
        logits.withUnsafeMutableBufferPointer {
            LinearKernel.forward(
                out: $0.baseAddress!, inp: s.normalized, weight: model.tokenEmbedding.data,
                bias: nil, N: 1, C: C, OC: V)
        }
        tokens.append(token)
        return Step(
            token: token, position: position, logits: logits, attention: attention,
            droppedTokens: droppedTokens)
    }

    private func normalize(
        _ x: UnsafePointer<Float>, with norm: LayerNormParameters,
        into out: UnsafeMutablePointer<Float>
    ) {
        LayerNormKernel.forward(
            out: out, mean: scratch.mean, rstd: scratch.rstd, inp: x, weight: norm.weight.data,
            bias: norm.bias.data, N: 1, C: model.config.embeddingWidth)
    }

    /// Buffers for one position's activations, reused across steps.
    private final class Scratch {
        let residual, normalized, qkv, attended, projected, hidden, activated, mean,
            rstd: UnsafeMutablePointer<Float>
        init(config: GPTConfig) {
            let C = config.embeddingWidth
            residual = .allocate(capacity: C); normalized = .allocate(capacity: C)
            qkv = .allocate(capacity: 3 * C); attended = .allocate(capacity: C)
            projected = .allocate(capacity: C)
            hidden = .allocate(capacity: 4 * C); activated = .allocate(capacity: 4 * C)
            mean = .allocate(capacity: 1); rstd = .allocate(capacity: 1)
        }
        deinit {
            [residual, normalized, qkv, attended, projected, hidden, activated, mean, rstd].forEach
            { $0.deallocate() }
        }
    }
}
