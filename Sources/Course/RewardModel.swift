// A reward model (lesson 13): the assistant's transformer with its output head replaced by one
// number, a linear read of the final LayerNorm at a conversation's last token. It starts as a
// copy of the assistant (which already reads conversations) with a zero head, and learns from
// orderings with the pairwise (Bradley–Terry) loss that lesson 13 writes out; this type only
// runs the network and keeps the weights.

import Foundation
import LessonRuntime

public final class RewardModel {
    public let trunk: GPT
    /// The scalar head: (1, C) weights and a bias.
    public let head: Tensor, bias: Tensor

    public init(from assistant: GPT) {
        trunk = Finetuning.copy(assistant)
        head = Tensor(
            zeros: [1, assistant.config.embeddingWidth], requiresGradient: true,
            name: "score.weight")
        bias = Tensor(zeros: [1], requiresGradient: true, name: "score.bias")
    }

    public var parameters: [Tensor] { trunk.parameters + [head, bias] }
    /// Weight decay on matrices only, as in pretraining.
    public var decayMask: [Bool] { trunk.decayMask + [true, false] }

    /// The scores of whole conversations (prompt and reply tokens) as an (N, 1) tensor that
    /// remembers how it was computed, for `backward(upstream:)`. Sequences longer than the
    /// context keep their last tokens; shorter ones are padded after their end, which a causal
    /// model never reads back.
    public func scoreTensor(_ sequences: [[Int]]) -> Tensor {
        let window = trunk.config.contextLength
        let rows = sequences.map { Array($0.suffix(window)) }
        let T = max(1, rows.map(\.count).max() ?? 1)
        var tokens = [Int32](repeating: 0, count: rows.count * T)
        var last: [Int] = []
        for (i, row) in rows.enumerated() {
            for (t, token) in row.enumerated() { tokens[i * T + t] = Int32(token) }
            last.append(i * T + max(0, row.count - 1))
        }
        return linear(
            features(tokens: tokens, batchSize: rows.count, length: T, at: last), weight: head,
            bias: bias)
    }

    /// The trunk's final LayerNorm output at the chosen positions, (rows.count, C): what its
    /// output head would read. The same steps as `GPT.logits`, short of the head.
    func features(tokens: [Int32], batchSize B: Int, length T: Int, at rows: [Int]) -> Tensor {
        let positions = (0..<(B * T)).map { Int32($0 % T) }
        var x = add(
            embedding(trunk.tokenEmbedding, ids: tokens, idsShape: [B, T]),
            embedding(trunk.positionEmbedding, ids: positions, idsShape: [B, T]))
        for block in trunk.blocks { x = block(x) }
        return trunk.finalNorm(
            embedding(x.reshaped([B * T, trunk.config.embeddingWidth]), ids: rows.map(Int32.init)))
    }

    /// Scores without a graph, `batchSize` conversations at a time.
    public func scores(_ sequences: [[Int]], batchSize: Int = 64) -> [Float] {
        stride(from: 0, to: sequences.count, by: batchSize).flatMap { start -> [Float] in
            let scores = scoreTensor(
                Array(sequences[start..<min(start + batchSize, sequences.count)]))
            defer { scores.releaseGraph() }
            return scores.values
        }
    }

    // MARK: storing

    static let headFile = "score-head.json"

    /// The trunk as a checkpoint, the head beside it.
    public func save(to directory: URL) throws {
        try Checkpoint.save(trunk, to: directory)
        try AtomicFile.write(
            try JSONEncoder().encode(head.values + bias.values),
            to: directory.appendingPathComponent(Self.headFile))
    }

    public static func load(from directory: URL) throws -> RewardModel {
        let trunk = try Checkpoint.load(from: directory)
        let values = try JSONDecoder().decode(
            [Float].self, from: Data(contentsOf: directory.appendingPathComponent(headFile)))
        let C = trunk.config.embeddingWidth
        guard values.count == C + 1, values.allSatisfy(\.isFinite) else {
            throw CourseError(
                "\(directory.appendingPathComponent(headFile).path): expected \(C + 1) finite numbers, found \(values.count)"
            )
        }
        let model = RewardModel(from: trunk)
        model.head.data.update(from: values, count: C)
        model.bias.data[0] = values[C]
        return model
    }
}
