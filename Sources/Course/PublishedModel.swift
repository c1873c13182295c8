// The course's models by name, one road from stage to stage: lesson 4 publishes `base`, lesson 7
// `sft`, and every later lesson reaches the model it starts from through `model()` here, so a
// changed setting upstream (`tokenwise run 7 --set lr=1e-4`) reaches every lesson after it.
// The quick course keeps its own models beside the full course's (`sft-quick`): the suffix is
// applied here and nowhere else. Models with a standard recipe in the library (base, sft) are
// trained and published when missing; the others name the lesson to run.

import Foundation

public struct PublishedModel: Hashable, Sendable, CustomStringConvertible {
    /// The name in the full course (`sft`).
    public let name: String
    /// The lesson that publishes it.
    public let lesson: Int

    public init(_ name: String, lesson: Int) {
        self.name = name
        self.lesson = lesson
    }

    public static let base = PublishedModel("base", lesson: 4)
    public static let sft = PublishedModel("sft", lesson: 7)
    public static let sftRefusals = PublishedModel("sft-refusals", lesson: 9)
    public static let sftSearch = PublishedModel("sft-search", lesson: 10)
    public static let worked = PublishedModel("worked", lesson: 11)
    /// Lesson 11's answer-first twin of `worked`: lesson 12 starts from it.
    public static let answerFirst = PublishedModel("answer-first", lesson: 11)
    public static let workedCalculator = PublishedModel("worked-calculator", lesson: 11)
    public static let rl = PublishedModel("rl", lesson: 12)
    public static let rlhfBest = PublishedModel("rlhf-best", lesson: 13)
    public static let rlhfLast = PublishedModel("rlhf-last", lesson: 13)
    public static let rlhfKL = PublishedModel("rlhf-kl", lesson: 13)

    /// The name in the workspace's catalog: `name`, or `name-quick` in the quick course.
    public var catalogName: String { catalogName(quick: isQuick) }

    public func catalogName(quick: Bool) -> String { quick ? "\(name)-quick" : name }

    public var description: String { catalogName }

    /// The workspace's published models. Every model a lesson loads from it by name is
    /// reported to the engine with its fingerprint, so the lesson's stored run goes stale when
    /// that model is published again.
    public static var catalog: ModelCatalog {
        _ = reportModelLoads
        return ModelCatalog(
            directory: LessonContext.artifactDirectory.deletingLastPathComponent()
                .appendingPathComponent("models"))
    }

    private static let reportModelLoads: Void = {
        ModelCatalog.loadObserver = { name, folder in
            LessonContext.emit(
                .modelUsed(name: name, fingerprint: ModelCatalog.fingerprint(folder)))
        }
    }()

    /// Whether the catalog holds this model.
    public var isPublished: Bool {
        FileManager.default.fileExists(atPath: Self.catalog.location(of: catalogName).path)
    }

    /// The published model; without one, the library's standard recipe for it, trained (or
    /// loaded from the store) and published; without a recipe, an error naming the lesson to run.
    public func model() throws -> LanguageModel {
        if isPublished { return try Self.catalog.load(catalogName) }
        guard let recipe = standardRecipe else {
            throw CourseError(
                "lesson \(lesson) publishes '\(catalogName)', which is not in the catalog yet: "
                    + "run it first (tokenwise run \(lesson)\(isQuick ? " --quick" : ""))")
        }
        let model = try recipe()
        try publish(model)
        return try Self.catalog.load(catalogName)   // read back, so the engine records its fingerprint
    }

    /// Replaces the published model with `model`.
    public func publish(_ model: LanguageModel) throws {
        let fingerprint = try Self.catalog.publish(model, as: catalogName)
        LessonContext.emit(.modelPublished(name: catalogName, fingerprint: fingerprint))
    }

    /// How the library makes this model with the course's standard settings, where it can.
    var standardRecipe: (() throws -> LanguageModel)? {
        switch self {
        case .base: return { try Pretraining.run(.standard).languageModel }
        case .sft:
            return { try Finetuning.assistant(base: PublishedModel.base.model()).languageModel }
        default: return nil
        }
    }
}
