// The course's expensive stages as recipes, shared by every lesson that needs them: the
// cleaned tiny-web corpus, its tokenizer, and the pretrained base model. Each is a cached
// `stage`, so any lesson runs on its own, in any order, and a changed setting recomputes only
// what depends on it. Lesson 4 publishes the base model it trains (workspace/models/base);
// later lessons and `tokenwise step` read that one, so `run 4 --set layers=6` changes them too.

import Foundation
import LessonRuntime

public enum CourseData {
    /// The world, its crawl and the cleaned corpus (quick mode: a smaller world).
    /// `crawl`, when the caller has already made it, is the crawl of this world and seed.
    public static func tinyWeb(
        scale: Double? = nil, seed: UInt64 = 2024, crawl: Crawl? = nil
    ) throws -> (world: World, corpus: Corpus) {
        let scale = scale ?? (isQuick ? 0.3 : 2.5)
        let world = crawl?.world ?? World(seed: seed, scale: scale)
        let corpus = try stage(
            "tiny-web",
            inputs: ["scale": "\(scale)", "seed": "\(seed)", "version": "\(Crawl.version)"],
            code: ["TinyWeb", "Course/CourseRecipes.swift"]
        ) {
            Pipeline.run(crawl ?? Crawl(world: world))
        }
        return (world, corpus)
    }

    /// The search tool's index (lesson 10, `tokenwise chat`): the tiny web's reference pages —
    /// biographies, book listings, nature articles — as a lab's tool favours reliable sources;
    /// forum chatter would answer "Where was X born?" with someone asking the same.
    public static func searchIndex() throws -> SearchIndex {
        let reference: Set<Genre> = [.biography, .product, .nature]
        return SearchIndex(
            documents: try tinyWeb().corpus.documents.filter { reference.contains($0.genre) }.map(
                \.text))
    }

    /// The training documents: the tiny web, or the paragraphs of a text file (`--set corpus=PATH`).
    public static func documents(corpusPath: String) throws -> [Document] {
        if corpusPath.isEmpty { return try tinyWeb().corpus.documents }
        guard let data = FileManager.default.contents(atPath: corpusPath) else {
            throw CourseError(
                "corpus \(corpusPath): cannot be read (no such file, or no permission)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CourseError("corpus \(corpusPath): is not UTF-8 text")
        }
        let paragraphs = text.components(separatedBy: "\n\n").filter {
            !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        guard paragraphs.count >= 10 else {
            throw CourseError(
                "corpus \(corpusPath): needs at least 10 paragraphs (blank-line separated), found \(paragraphs.count)"
            )
        }
        return paragraphs.map { Document(text: $0, genre: .forum) }
    }

    /// The special tokens of the course tokenizer: the document separator, then the chat format's
    /// (reserved from the start, as real base models reserve theirs: pretraining never sees
    /// them, finetuning teaches them).
    public static let specialTokens =
        [LanguageModel.documentSeparator] + ChatFormat.course.specialTokens

    /// A BPE tokenizer trained on `documents`, with the course's special tokens.
    public static func tokenizer(documents: [Document], vocabularySize: Int) throws -> Tokenizer {
        let text = documents.map(\.text).joined(separator: "\n")
        return try stage(
            "tokenizer",
            inputs: [
                "text": ArtifactStore.hash(text), "vocabulary": "\(vocabularySize)",
                "specials": specialTokens.joined(separator: " "),
            ],
            code: ["BytePairEncoding"],
            load: { try Tokenizer.load(from: $0.appendingPathComponent("bpe.tokenizer")) },
            save: { try $0.save(to: $1.appendingPathComponent("bpe.tokenizer")) },
            compute: {
                try BPETrainer.train(
                    text: text, vocabularySize: vocabularySize, specialTokens: specialTokens)
            })
    }

    /// Every document's tokens followed by the separator, in order.
    public static func tokens(_ documents: [Document], tokenizer: Tokenizer) -> [Int32] {
        let separator = Int32(tokenizer.specialTokens[LanguageModel.documentSeparator]!)
        return documents.flatMap { tokenizer.encode($0.text).map(Int32.init) + [separator] }
    }
}

public struct CourseError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What pretraining produced besides the weights: enough to draw every figure of lesson 4.
public struct PretrainingHistory: Codable, Sendable {
    public var losses: [Double] = []
    public var learningRates: [Double] = []
    public var evaluations: [EvaluationPoint] = []
    public var samples: [SamplePoint] = []
    public var seconds: Double = 0
    public var tokensPerSecond: Double = 0

    public struct EvaluationPoint: Codable, Sendable {
        public let step: Int; public let train: Double; public let validation: Double
    }
    public struct SamplePoint: Codable, Sendable { public let step: Int; public let text: String }
}

public struct PretrainingSettings: Codable, Sendable {
    public var config: GPTConfig
    public var steps: Int
    public var batchSize: Int
    public var learningRate: Double
    public var seed: UInt64
    public var corpusPath: String
    /// Linear warmup over this many first steps (nanoGPT's habit: 100, or a tenth of a short run).
    public var warmupSteps: Int
    /// The cosine ends at the peak rate divided by this (10: a tenth) at the last step.
    public var finalRateDivisor: Double
    /// AdamW's decoupled weight decay on matrices and embeddings.
    public var weightDecay: Double

    /// The course's default base model (at most six minutes on two cores) and the quick one.
    /// Lesson 4's parameter defaults are these values (a test holds them equal), so every
    /// lesson that asks for the base model before lesson 4 has run trains the same one.
    public static var standard: PretrainingSettings { standard(quick: isQuick) }

    public static func standard(quick: Bool) -> PretrainingSettings {
        quick
            ? PretrainingSettings(
                config: GPTConfig(
                    vocabularySize: 512, contextLength: 96, layerCount: 2, headCount: 2,
                    embeddingWidth: 64),
                steps: 500, batchSize: 8, learningRate: 3e-3, seed: 1, corpusPath: "")
            : PretrainingSettings(
                config: .course, steps: 2000, batchSize: 16, learningRate: 3e-3, seed: 1,
                corpusPath: "")
    }

    public init(
        config: GPTConfig, steps: Int, batchSize: Int, learningRate: Double, seed: UInt64,
        corpusPath: String,
        warmupSteps: Int? = nil, finalRateDivisor: Double = 10, weightDecay: Double = 0.1
    ) {
        self.config = config; self.steps = steps; self.batchSize = batchSize
        self.learningRate = learningRate; self.seed = seed; self.corpusPath = corpusPath
        self.warmupSteps = warmupSteps ?? min(100, steps / 10)
        self.finalRateDivisor = finalRateDivisor
        self.weightDecay = weightDecay
    }

    /// The trainer's settings: warmup, cosine decay to the floor, AdamW, clipping at
    /// 1, an evaluation twelve times in the run.
    public var training: TrainingSettings {
        let peak = Float(learningRate)
        return TrainingSettings(
            steps: steps,
            schedule: LearningRateSchedule(
                peak: peak, minimum: peak / Float(finalRateDivisor),
                warmupSteps: warmupSteps, decaySteps: steps),
            optimizer: AdamWSettings(weightDecay: Float(weightDecay)),
            evaluationInterval: max(1, steps / 12))
    }
}

public struct Pretrained {
    public let languageModel: LanguageModel
    public let history: PretrainingHistory
    public let settings: PretrainingSettings
}

public enum Pretraining {
    /// The documents split by document: the last 5% are held out for validation.
    public static func split(_ documents: [Document]) -> (train: [Document], validation: [Document])
    {
        let cut = documents.count - max(1, documents.count / 20)
        return (Array(documents[..<cut]), Array(documents[cut...]))
    }

    /// Trains (or loads) the base model for `settings`.
    public static func run(_ settings: PretrainingSettings) throws -> Pretrained {
        let documents = try CourseData.documents(corpusPath: settings.corpusPath)
        let tokenizer = try CourseData.tokenizer(
            documents: documents, vocabularySize: settings.config.vocabularySize)
        let inputs = [
            "settings": try keyText(settings),
            "documents": ArtifactStore.hash(documents.map(\.text).joined(separator: "\u{1}")),
            "specials": CourseData.specialTokens.joined(separator: " "),
        ]
        let code = ["Autograd", "Transformer", "BytePairEncoding", "Course/CourseRecipes.swift"]
        let (model, history) = try modelStage(
            "pretrain", inputs: inputs, code: code, modelName: "base"
        ) {
            let pretrained = try train(settings, documents: documents, tokenizer: tokenizer)
            return (pretrained.languageModel, pretrained.history)
        }
        return Pretrained(languageModel: model, history: history, settings: settings)
    }

    static func train(
        _ settings: PretrainingSettings, documents: [Document], tokenizer: Tokenizer
    ) throws -> Pretrained {
        let (trainDocuments, validationDocuments) = split(documents)
        let trainTokens = CourseData.tokens(trainDocuments, tokenizer: tokenizer)
        let validationTokens = CourseData.tokens(validationDocuments, tokenizer: tokenizer)
        let T = settings.config.contextLength, B = settings.batchSize
        let evaluationSets = [
            "train": TokenWindows.fixed(8, tokens: trainTokens, batchSize: B, length: T, seed: 11),
            "validation": TokenWindows.fixed(
                8, tokens: validationTokens, batchSize: B, length: T, seed: 12),
        ]
        let model = GPT(config: settings.config, seed: settings.seed)
        let trainer = Trainer(
            model: model, settings: settings.training,
            batches: TokenWindows(
                tokens: trainTokens, batchSize: B, length: T, seed: settings.seed + 1),
            evaluationSets: evaluationSets)
        let languageModel = try LanguageModel(name: "base", model: model, tokenizer: tokenizer)
        var history = PretrainingHistory()
        let start = Date()
        try trainer.run { event in
            switch event {
            case .step(let p):
                history.losses.append(Double(p.loss))
                history.learningRates.append(Double(p.learningRate))
                history.tokensPerSecond = p.tokensPerSecond
                if p.step % 10 == 0 || p.step == p.totalSteps {
                    progress(
                        "pretraining", step: p.step, of: p.totalSteps, loss: Double(p.loss),
                        tokensPerSecond: p.tokensPerSecond, remainingSeconds: p.remainingSeconds)
                }
            case .evaluation(let e):
                history.evaluations.append(
                    .init(
                        step: e.step, train: Double(e.losses["train"]!),
                        validation: Double(e.losses["validation"]!)))
                history.samples.append(
                    .init(step: e.step, text: sample(languageModel, seed: UInt64(e.step))))
            }
        }
        history.seconds = Date().timeIntervalSince(start)
        return Pretrained(languageModel: languageModel, history: history, settings: settings)
    }

    /// A document dreamed from the separator (temperature 0.8), as text (bytes of a cut
    /// character shown as "⟨e2⟩").
    public static func sample(
        _ model: LanguageModel, tokens count: Int = 60, seed: UInt64, temperature: Float = 0.8
    ) -> String {
        let session = InferenceSession(model: model.model)
        var generator = SeededGenerator(seed: seed)
        let generated = session.generate(
            prompt: [Int32(model.startToken!)], count: count,
            settings: SamplingSettings(temperature: temperature), using: &generator)
        return (try? model.tokenizer.readableText(generated.map(Int.init))) ?? ""
    }

    /// The base model a lesson studies: lesson 4's (`folder` empty), or a model folder trained
    /// elsewhere (`tokenwise export`, then scripts/train_torch.py). A folder's model must read
    /// the course's token ids: the lessons encode names, prompts and chat turns with the
    /// course tokenizer, so another tokenizer is refused with its first difference named.
    public static func baseModel(folder: String) throws -> LanguageModel {
        if folder.isEmpty { return try PublishedModel.base.model() }
        let model: LanguageModel
        do { model = try LanguageModel.load(from: URL(fileURLWithPath: folder)) } catch {
            throw CourseError("model \(folder): \(error)")
        }
        let course = try PublishedModel.base.model()
        if let difference = model.tokenizer.difference(from: course.tokenizer) {
            throw CourseError(
                "model \(folder): its tokenizer is not the course's (\(difference)); the lessons read the course's token ids, so train from `tokenwise export \(PublishedModel.base.catalogName)`"
            )
        }
        return model
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
