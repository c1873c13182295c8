// Supervised finetuning: the pretrained model, trained further on conversations, with the loss
// on the assistant's tokens only (per-token weights from the chat format). The same trainer as
// pretraining; only the batches differ: whole conversations packed into rows instead of random
// windows of a document stream. A cached stage keyed by the settings, the conversations and the
// starting model's weights, so a retrained base model retrains everything downstream.
// Lesson 7 writes the mask, the packing and the training step itself and checks them against
// these; later lessons (knowledge of self, refusals, search, tokens to think) finetune through
// here. Rows packed by the caller train through the same loop (lesson 7 mixes web text in).

import Foundation
import LessonRuntime

public struct FinetuningSettings: Codable, Equatable, Sendable {
    public var steps: Int
    public var batchSize: Int
    public var learningRate: Double
    public var seed: UInt64
    /// Loss on the assistant's tokens only (true) or on every token of the conversation.
    public var masked: Bool

    public init(
        steps: Int, batchSize: Int, learningRate: Double, seed: UInt64 = 1, masked: Bool = true
    ) {
        self.steps = steps; self.batchSize = batchSize; self.learningRate = learningRate
        self.seed = seed; self.masked = masked
    }

    /// The course's settings: about a minute on two cores (quick: seconds). 400 steps is where
    /// the held-out answer loss bottomed out in lesson 7's stored step sweep; at 200 the
    /// assistant had not learned its rarer turns (refusals) and answered them with its name.
    public static func standard(quick: Bool = isQuick) -> FinetuningSettings {
        quick
            ? FinetuningSettings(steps: 60, batchSize: 8, learningRate: 3e-4)
            : FinetuningSettings(steps: 400, batchSize: 12, learningRate: 3e-4)
    }

    /// Warmup over the first 10% of steps, cosine decay to a tenth, AdamW, clipping at 1.
    public var training: TrainingSettings {
        let peak = Float(learningRate)
        return TrainingSettings(
            steps: steps,
            schedule: LearningRateSchedule(
                peak: peak, minimum: peak / 10, warmupSteps: max(1, steps / 10), decaySteps: steps),
            optimizer: AdamWSettings(weightDecay: 0.1), evaluationInterval: max(1, steps / 10))
    }
}

public struct FinetuningHistory: Codable, Sendable {
    public var losses: [Double] = []
    public var evaluations: [EvaluationPoint] = []
    public var seconds: Double = 0
    public var tokensPerSecond: Double = 0
    /// Rows of the packed training set and the conversations in them.
    public var rows = 0
    public var conversations = 0

    public struct EvaluationPoint: Codable, Sendable {
        public let step: Int; public let heldOut: Double
    }
}

public struct Finetuned {
    public let languageModel: LanguageModel
    public let history: FinetuningHistory
}

/// Rows of whole conversations, drawn at random B at a time (the rows are packed once).
public struct ConversationBatches: BatchSource {
    public let rows: [RenderedChat]
    public let batchSize: Int
    public var generator: SeededGenerator

    public init(rows: [RenderedChat], batchSize: Int, seed: UInt64) {
        precondition(!rows.isEmpty, "no conversation rows to draw batches from")
        self.rows = rows; self.batchSize = batchSize
        generator = SeededGenerator(seed: seed)
    }

    public mutating func nextBatch() -> TrainingBatch {
        Finetuning.batch((0..<batchSize).map { _ in rows[generator.nextInt(below: rows.count)] })
    }
}

public enum Finetuning {
    /// Conversations packed in order into rows of exactly `length` tokens: a conversation that
    /// does not fit in what is left of a row starts the next one; the rest of a row is the
    /// start token with weight 0. A conversation longer than a row is left out.
    public static func packRows(
        _ chats: [RenderedChat], length: Int, padding: Int
    ) -> [RenderedChat] {
        var rows: [RenderedChat] = []
        var row = RenderedChat(tokens: [], weights: [])
        func close() {
            guard !row.tokens.isEmpty else { return }
            let missing = length - row.tokens.count
            row.tokens += Array(repeating: padding, count: missing)
            row.weights += Array(repeating: 0, count: missing)
            rows.append(row)
            row = RenderedChat(tokens: [], weights: [])
        }
        for chat in chats where chat.tokens.count <= length {
            if row.tokens.count + chat.tokens.count > length { close() }
            row.tokens += chat.tokens
            row.weights += chat.weights
        }
        close()
        return rows
    }

    /// Rows of T + 1 tokens as a batch: inputs are tokens 0..<T, targets 1...T, and each
    /// target keeps its own weight.
    public static func batch(_ rows: [RenderedChat]) -> TrainingBatch {
        let T = rows[0].tokens.count - 1
        var inputs: [Int32] = [], targets: [Int32] = [], weights: [Float] = []
        for row in rows {
            inputs += row.tokens.dropLast().map(Int32.init)
            targets += row.tokens.dropFirst().map(Int32.init)
            weights += row.weights.dropFirst()
        }
        return TrainingBatch(
            inputs: inputs, targets: targets, weights: weights, batchSize: rows.count, length: T)
    }

    /// The packed rows of `conversations` for `model`; unmasked, every real token has weight 1.
    public static func rows(
        _ conversations: [[Message]], chat: ChatTokens, length: Int, masked: Bool = true
    ) -> [RenderedChat] {
        let rendered = conversations.map { conversation -> RenderedChat in
            var chat = chat.render(conversation)
            if !masked { chat.weights = chat.weights.map { _ in 1 } }
            return chat
        }
        return packRows(rendered, length: length, padding: chat.start)
    }

    /// A new model with the same weights (training one leaves the other as it was).
    public static func copy(_ model: GPT) -> GPT {
        let copy = GPT(config: model.config, seed: 0)
        for (target, source) in zip(copy.parameters, model.parameters) {
            target.data.update(from: source.data, count: source.count)
        }
        return copy
    }

    /// A hash of a model's weights, for cache keys of the stages that start from it.
    public static func fingerprint(_ model: GPT) -> String {
        model.weightsHash
    }

    /// Finetunes `base` on `conversations` (or loads the stored result) and names it `name`.
    /// `heldOut` conversations give the evaluation loss on their assistant tokens.
    public static func run(
        _ settings: FinetuningSettings, from base: LanguageModel, conversations: [[Message]],
        heldOut: [[Message]], name: String, format: ChatFormat = .course
    ) throws -> Finetuned {
        let conversationText = try keyText(
            conversations + [[Message(.system, "held out")]] + heldOut)
        let inputs = [
            "settings": try keyText(settings),
            "conversations": ArtifactStore.hash(conversationText),
            "base": fingerprint(base.model), "format": try keyText(format),
            "name": name,   // the stored model's folder is named after it
        ]
        let code = [
            "Autograd", "Transformer", "BytePairEncoding", "Chat", "Course/Finetuning.swift",
        ]
        let (model, history) = try modelStage(
            "finetune", inputs: inputs, code: code, modelName: name
        ) {
            let finetuned = try train(
                settings, from: base, conversations: conversations, heldOut: heldOut, name: name,
                format: format)
            return (finetuned.languageModel, finetuned.history)
        }
        return Finetuned(languageModel: model, history: history)
    }

    /// Finetunes `base` on rows the caller packed itself (lesson 7 mixes web text into the
    /// conversations' rows) and names it `name`; the stage is keyed by the rows' tokens and
    /// weights. Every row must be the context length + 1 tokens long; `conversations` (how many
    /// the rows hold) is only recorded.
    public static func run(
        _ settings: FinetuningSettings, from base: LanguageModel, rows: [RenderedChat],
        conversations: Int, heldOut: [[Message]], name: String, format: ChatFormat = .course
    ) throws -> Finetuned {
        let length = base.model.config.contextLength + 1
        guard !rows.isEmpty else { throw CourseError("finetuning \(name): no rows to train on") }
        guard rows.allSatisfy({ $0.tokens.count == length && $0.weights.count == length }) else {
            throw CourseError("finetuning \(name): every row must hold \(length) tokens and weights")
        }
        let rowText = rows.map { row in
            row.tokens.map(String.init).joined(separator: " ") + "|"
                + row.weights.map { String($0) }.joined(separator: " ")
        }.joined(separator: "\n")
        let inputs = [
            "settings": try keyText(settings), "rows": ArtifactStore.hash(rowText),
            "held out": ArtifactStore.hash(try keyText(heldOut)),
            "base": fingerprint(base.model), "format": try keyText(format), "name": name,
        ]
        let code = [
            "Autograd", "Transformer", "BytePairEncoding", "Chat", "Course/Finetuning.swift",
        ]
        let (model, history) = try modelStage(
            "finetune-rows", inputs: inputs, code: code, modelName: name
        ) {
            let chat = try ChatTokens(format: format, tokenizer: base.tokenizer)
            let finetuned = try train(
                settings, from: base, rows: rows, conversations: conversations,
                heldOutRows: Self.rows(heldOut, chat: chat, length: length), name: name,
                format: format)
            return (finetuned.languageModel, finetuned.history)
        }
        return Finetuned(languageModel: model, history: history)
    }

    static func train(
        _ settings: FinetuningSettings, from base: LanguageModel, conversations: [[Message]],
        heldOut: [[Message]], name: String, format: ChatFormat
    ) throws -> Finetuned {
        let chat = try ChatTokens(format: format, tokenizer: base.tokenizer)
        let length = base.model.config.contextLength + 1
        let rows = Self.rows(conversations, chat: chat, length: length, masked: settings.masked)
        guard !rows.isEmpty else {
            throw CourseError(
                "finetuning \(name): no conversation fits the context of \(length - 1) tokens")
        }
        return try train(
            settings, from: base, rows: rows, conversations: conversations.count,
            heldOutRows: Self.rows(heldOut, chat: chat, length: length),   // always scored on the assistant's tokens
            name: name, format: format)
    }

    /// The training loop shared by both entries: `conversations` is only recorded.
    static func train(
        _ settings: FinetuningSettings, from base: LanguageModel, rows: [RenderedChat],
        conversations: Int, heldOutRows: [RenderedChat], name: String, format: ChatFormat
    ) throws -> Finetuned {
        let evaluation = stride(from: 0, to: heldOutRows.count, by: settings.batchSize).map {
            batch(Array(heldOutRows[$0..<min($0 + settings.batchSize, heldOutRows.count)]))
        }
        let model = copy(base.model)
        let trainer = Trainer(
            model: model, settings: settings.training,
            batches: ConversationBatches(
                rows: rows, batchSize: settings.batchSize, seed: settings.seed),
            evaluationSets: evaluation.isEmpty ? [:] : ["held-out": evaluation])   // none fits: no curve
        var history = FinetuningHistory()
        history.rows = rows.count
        history.conversations = conversations
        let start = Date()
        try trainer.run { event in
            switch event {
            case .step(let p):
                history.losses.append(Double(p.loss))
                history.tokensPerSecond = p.tokensPerSecond
                if p.step % 10 == 0 || p.step == p.totalSteps {
                    progress(
                        "finetuning \(name)", step: p.step, of: p.totalSteps, loss: Double(p.loss),
                        tokensPerSecond: p.tokensPerSecond, remainingSeconds: p.remainingSeconds)
                }
            case .evaluation(let e):
                if let loss = e.losses["held-out"] {
                    history.evaluations.append(.init(step: e.step, heldOut: Double(loss)))
                }
            }
        }
        history.seconds = Date().timeIntervalSince(start)
        return Finetuned(
            languageModel: try LanguageModel(
                name: name, model: model, tokenizer: base.tokenizer, chatFormat: format),
            history: history)
    }
}

/// Lesson 7's assistant: how many conversations it is finetuned on, how many held-out ones
/// score it, and the finetuning settings. Lesson 7's parameter defaults are these values (a
/// test holds them equal), so a lesson that needs `sft` before lesson 7 has run trains the same.
public struct AssistantRecipe: Codable, Equatable, Sendable {
    public var conversations: Int
    public var heldOutConversations: Int
    public var finetuning: FinetuningSettings

    public init(conversations: Int, heldOutConversations: Int, finetuning: FinetuningSettings) {
        self.conversations = conversations
        self.heldOutConversations = heldOutConversations
        self.finetuning = finetuning
    }

    public static var standard: AssistantRecipe { standard(quick: isQuick) }

    public static func standard(quick: Bool) -> AssistantRecipe {
        AssistantRecipe(
            conversations: quick ? 600 : 3000, heldOutConversations: quick ? 40 : 200,
            finetuning: .standard(quick: quick))
    }
}

extension AssistantRecipe {
    /// Lesson 7's conversations: the finetuning set (with the identity conversations unless
    /// `identity` is false) and the held-out questions about people it never mentions.
    public func conversations(
        identity: Bool = true
    ) throws -> (training: [Conversation], heldOut: [Conversation]) {
        let writer = ConversationWriter(world: try CourseData.tinyWeb().world)
        return (
            writer.finetuningSet(count: conversations, identity: identity),
            writer.conversations(
                about: writer.heldOutPeople.filter { $0.fame > 0 }, count: heldOutConversations)
        )
    }
}

extension Finetuning {
    /// Lesson 7's assistant finetuned from `base` with `recipe`, from the store (trained there if
    /// it is missing).
    public static func assistant(
        _ recipe: AssistantRecipe = .standard, base: LanguageModel
    ) throws -> Finetuned {
        let (training, heldOut) = try recipe.conversations()
        return try run(
            recipe.finetuning, from: base, conversations: training.map(\.messages),
            heldOut: heldOut.map(\.messages), name: "sft")
    }
}
