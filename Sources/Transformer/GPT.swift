// The GPT-2 architecture (Radford et al. 2019), read like its diagram: token + position
// embeddings → blocks of [LayerNorm → causal self-attention → residual, LayerNorm → MLP →
// residual] → final LayerNorm → logits through the tied token embedding. Training runs on
// (B, T) batches through the autograd ops; inference with a KV cache lives in InferenceSession.
// Leaves out: dropout (the course models are small and trained briefly), mixed precision.

import Autograd

/// LayerNorm's learned gain and bias.
public struct LayerNormParameters {
    public let weight: Tensor   // (C)
    public let bias: Tensor   // (C)

    init(width C: Int, name: String) {
        weight = Tensor(
            [Float](repeating: 1, count: C), shape: [C], requiresGradient: true,
            name: "\(name).weight")
        bias = Tensor(zeros: [C], requiresGradient: true, name: "\(name).bias")
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { layerNorm(x, weight: weight, bias: bias) }
    var parameters: [Tensor] { [weight, bias] }
}

/// A linear map with bias; weight (OC, C).
public struct LinearParameters {
    public let weight: Tensor
    public let bias: Tensor

    init(
        inputs C: Int, outputs OC: Int, name: String, standardDeviation: Float,
        generator: inout SeededGenerator
    ) {
        let values = (0..<(OC * C)).map { _ in generator.nextNormal() * standardDeviation }
        weight = Tensor(values, shape: [OC, C], requiresGradient: true, name: "\(name).weight")
        bias = Tensor(zeros: [OC], requiresGradient: true, name: "\(name).bias")
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { linear(x, weight: weight, bias: bias) }
    var parameters: [Tensor] { [weight, bias] }
}

/// Causal multi-head self-attention: one projection to packed q, k, v; attention; output projection.
public struct SelfAttention {
    public let queryKeyValue: LinearParameters   // (3C, C)
    public let projection: LinearParameters   // (C, C)
    public let headCount: Int

    public func callAsFunction(_ x: Tensor, attention: ((Tensor) -> Void)? = nil) -> Tensor {
        projection(
            causalSelfAttention(queryKeyValue(x), headCount: headCount, attention: attention))
    }
    var parameters: [Tensor] { queryKeyValue.parameters + projection.parameters }
}

/// The position-wise feed-forward network: C → 4C → GELU → C.
public struct MLP {
    public let expand: LinearParameters   // (4C, C)
    public let projection: LinearParameters   // (C, 4C)

    /// projection(gelu(expand(x))), fused (see FeedForward.swift).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        feedForward(
            x, expandWeight: expand.weight, expandBias: expand.bias,
            projectionWeight: projection.weight, projectionBias: projection.bias)
    }
    var parameters: [Tensor] { expand.parameters + projection.parameters }
}

/// One transformer block, pre-LayerNorm: x + attn(ln1(x)), then x + mlp(ln2(x)).
public struct Block {
    public let attentionNorm: LayerNormParameters
    public let attention: SelfAttention
    public let mlpNorm: LayerNormParameters
    public let mlp: MLP

    public func callAsFunction(
        _ x: Tensor, attentionProbabilities: ((Tensor) -> Void)? = nil
    ) -> Tensor {
        let afterAttention = add(x, attention(attentionNorm(x), attention: attentionProbabilities))
        return add(afterAttention, mlp(mlpNorm(afterAttention)))
    }
    var parameters: [Tensor] {
        attentionNorm.parameters + attention.parameters + mlpNorm.parameters + mlp.parameters
    }
}

public final class GPT {
    public let config: GPTConfig
    public let tokenEmbedding: Tensor   // wte (V, C), also the output head (tied)
    public let positionEmbedding: Tensor   // wpe (T, C)
    public let blocks: [Block]
    public let finalNorm: LayerNormParameters
    /// Every parameter, named as in Hugging Face's GPT-2, in a fixed order.
    public let parameters: [Tensor]

    /// A freshly initialised model, GPT-2 style: weights N(0, 0.02), residual projections
    /// N(0, 0.02/√(2·layers)) so the residual stream's variance does not grow with depth,
    /// biases 0, LayerNorm gains 1. The same seed gives the same weights.
    public init(config: GPTConfig, seed: UInt64) {
        precondition(config.validationError() == nil, config.validationError() ?? "")
        self.config = config
        var generator = SeededGenerator(seed: seed)
        let V = config.vocabularySize, T = config.contextLength, C = config.embeddingWidth
        let std: Float = 0.02
        let residualStd = std / Float(2 * config.layerCount).squareRoot()
        tokenEmbedding = Tensor(
            (0..<(V * C)).map { _ in generator.nextNormal() * std }, shape: [V, C],
            requiresGradient: true, name: "wte.weight")
        positionEmbedding = Tensor(
            (0..<(T * C)).map { _ in generator.nextNormal() * std }, shape: [T, C],
            requiresGradient: true, name: "wpe.weight")
        blocks = (0..<config.layerCount).map { layer in
            let prefix = "h.\(layer)"
            return Block(
                attentionNorm: LayerNormParameters(width: C, name: "\(prefix).ln_1"),
                attention: SelfAttention(
                    queryKeyValue: LinearParameters(
                        inputs: C, outputs: 3 * C, name: "\(prefix).attn.c_attn",
                        standardDeviation: std, generator: &generator),
                    projection: LinearParameters(
                        inputs: C, outputs: C, name: "\(prefix).attn.c_proj",
                        standardDeviation: residualStd, generator: &generator),
                    headCount: config.headCount),
                mlpNorm: LayerNormParameters(width: C, name: "\(prefix).ln_2"),
                mlp: MLP(
                    expand: LinearParameters(
                        inputs: C, outputs: 4 * C, name: "\(prefix).mlp.c_fc",
                        standardDeviation: std, generator: &generator),
                    projection: LinearParameters(
                        inputs: 4 * C, outputs: C, name: "\(prefix).mlp.c_proj",
                        standardDeviation: residualStd, generator: &generator)))
        }
        finalNorm = LayerNormParameters(width: C, name: "ln_f")
        parameters =
            [tokenEmbedding, positionEmbedding] + blocks.flatMap(\.parameters)
            + finalNorm.parameters
    }

    /// Logits (B, T, V) for a batch of token sequences, `tokens` holding B·T ids row by row.
    /// `attention(layer, probabilities)` receives each layer's (B, NH, T, T) attention if given.
    public func logits(
        tokens: [Int32], batchSize B: Int, length T: Int,
        attention: ((Int, Tensor) -> Void)? = nil
    ) -> Tensor {
        outputHead(residualStream(tokens: tokens, batchSize: B, length: T, attention: attention))
    }

    /// Logits (rows.count, V) at the chosen positions only (`rows` index the B·T positions):
    /// batched sampling needs each sequence's last position, and the V-wide head is then paid
    /// once per sequence instead of once per position.
    public func logits(tokens: [Int32], batchSize B: Int, length T: Int, at rows: [Int]) -> Tensor {
        let x = residualStream(tokens: tokens, batchSize: B, length: T, attention: nil)
        return outputHead(
            embedding(x.reshaped([B * T, config.embeddingWidth]), ids: rows.map(Int32.init)))
    }

    /// Logits from the last block's output: the final LayerNorm, then the tied head.
    func outputHead(_ x: Tensor) -> Tensor { linear(finalNorm(x), weight: tokenEmbedding) }

    /// The residual stream after the last block, (B, T, C).
    func residualStream(
        tokens: [Int32], batchSize B: Int, length T: Int,
        attention: ((Int, Tensor) -> Void)?
    ) -> Tensor {
        precondition(
            tokens.count == B * T, "\(tokens.count) tokens do not fill a (\(B), \(T)) batch")
        precondition(
            T <= config.contextLength,
            "sequence length \(T) exceeds the context length \(config.contextLength)")
        let positions = (0..<(B * T)).map { Int32($0 % T) }
        var x = add(
            embedding(tokenEmbedding, ids: tokens, idsShape: [B, T]),
            embedding(positionEmbedding, ids: positions, idsShape: [B, T]))   // (B, T, C)
        for (layer, block) in blocks.enumerated() {
            x = block(x, attentionProbabilities: attention.map { report in { report(layer, $0) } })
        }
        return x
    }

    /// The weighted next-token loss of a batch (see `crossEntropy`) and each token's loss, through
    /// the fused head and loss (`headCrossEntropy`: the logits are never kept).
    /// Where many weights are 0 (finetuning trains on the assistant's tokens only), only the
    /// weighted positions go through the output head: the others add nothing to the loss or its
    /// gradient, and their V-wide logits and softmax cost a seventh of a course finetuning step. Token
    /// losses are then 0 at positions of weight 0.
    public func loss(
        inputs: [Int32], targets: [Int32], weights: [Float]? = nil,
        batchSize B: Int, length T: Int
    ) -> (loss: Tensor, tokenLosses: [Float]) {
        let weighted = weights.map { w in w.indices.filter { w[$0] != 0 } } ?? []
        let x = residualStream(tokens: inputs, batchSize: B, length: T, attention: nil)
        guard let weights, !weighted.isEmpty, weighted.count * 4 <= weights.count * 3 else {
            return headCrossEntropy(
                finalNorm(x), weight: tokenEmbedding, targets: targets, weights: weights)
        }
        let rows = embedding(
            x.reshaped([B * T, config.embeddingWidth]), ids: weighted.map(Int32.init))
        let (loss, rowLosses) = headCrossEntropy(
            finalNorm(rows), weight: tokenEmbedding, targets: weighted.map { targets[$0] },
            weights: weighted.map { weights[$0] })
        var tokenLosses = [Float](repeating: 0, count: B * T)
        for (row, position) in weighted.enumerated() { tokenLosses[position] = rowLosses[row] }
        return (loss, tokenLosses)
    }

    /// Parameters that get weight decay: matrices (embeddings included), not biases or gains.
    public var decayMask: [Bool] { parameters.map { $0.shape.count >= 2 } }

    /// FNV-1a of every weight's bytes, parameter after parameter: a model's fingerprint (cache
    /// keys of the stages that start from it, the benchmark's check that two builds agree).
    public var weightsHash: String {
        var hasher = FNV1a()
        for parameter in parameters {
            hasher.add(UnsafeRawBufferPointer(start: parameter.data, count: parameter.count * MemoryLayout<Float>.stride))
        }
        return hasher.hex
    }
}
