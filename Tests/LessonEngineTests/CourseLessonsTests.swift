// Runs every lesson of the course in quick mode, as `tokenwise report --quick` does: each must
// compile, run without a failed cell, and have every claim it asserts hold. Lessons compile
// against the release library when `make test` has built it (TOKENWISE_COURSE_BUILD_DIR):
// they train real models, and the debug kernels are many times slower.

import Course
import Foundation
import Testing
@testable import LessonEngine

@Suite(.serialized) struct CourseLessonsTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var lessons: [LessonSource] {
        (try? Engine.lessons(in: packageRoot.appendingPathComponent("lessons"))) ?? []
    }

    @Test func theCourseHasItsLessonsInOrder() {
        #expect(Self.lessons.map(\.id) == ["01-pretraining-data", "02-tokenization", "03-the-network", "04-training",
                                             "05-inference", "06-base-model-psychology", "07-the-assistant",
                                             "08-knowledge-of-self", "09-hallucinations", "10-search",
                                             "11-tokens-to-think", "12-reinforcement-learning", "13-rlhf",
                                             "14-arena"])
    }

    /// A lesson whose stage a later lesson may need before it has run: its parameter defaults
    /// (and quick values) must be the library's standard settings for that stage, or the two
    /// would compute different models.
    func expectDefaults(of lessonID: String, equal standard: (_ quick: Bool) -> [(String, Double)]) throws {
        let lesson = try #require(Self.lessons.first { $0.id == lessonID })
        let declared = Dictionary(uniqueKeysWithValues: lesson.parameters.map { ($0.name, $0) })
        for quick in [false, true] {
            func value(_ name: String) -> String? { quick ? declared[name]?.quickValue ?? declared[name]?.defaultValue : declared[name]?.defaultValue }
            for (name, number) in standard(quick) {
                #expect(value(name).flatMap(Double.init) == number,
                        "\(lessonID)'s \(name)\(quick ? " (quick)" : "") is \(value(name) ?? "missing"), the standard is \(number)")
            }
        }
    }

    /// Lessons 5 and 6 train the standard base model when lesson 4 has not published one.
    @Test func lessonFoursDefaultsAreTheStandardPretrainingSettings() throws {
        try expectDefaults(of: "04-training") { quick in
            let standard = PretrainingSettings.standard(quick: quick), c = standard.config
            return [("layers", Double(c.layerCount)), ("heads", Double(c.headCount)), ("width", Double(c.embeddingWidth)),
                    ("context", Double(c.contextLength)), ("vocab_size", Double(c.vocabularySize)),
                    ("steps", Double(standard.steps)), ("batch", Double(standard.batchSize)), ("lr", standard.learningRate),
                    ("seed", Double(standard.seed))]
        }
    }

    /// Lessons after 7 train `sft` with the standard recipe when lesson 7 has not published one.
    @Test func lessonSevensDefaultsAreTheStandardAssistantRecipe() throws {
        try expectDefaults(of: "07-the-assistant") { quick in
            let standard = AssistantRecipe.standard(quick: quick)
            return [("conversations", Double(standard.conversations)), ("steps", Double(standard.finetuning.steps)),
                    ("batch", Double(standard.finetuning.batchSize)), ("lr", standard.finetuning.learningRate),
                    ("seed", Double(standard.finetuning.seed))]
        }
    }

    /// Lesson 10 reads what the assistant knows from the interrogation with the standard settings.
    @Test func lessonNinesDefaultsAreTheStandardInterrogation() throws {
        try expectDefaults(of: "09-hallucinations") { quick in
            let standard = Interrogation.Settings.standard(quick: quick)
            return [("samples", Double(standard.samples)), ("temperature", standard.temperature),
                    ("known", Double(standard.knownAt))]
        }
    }

    /// `report --jobs` starts a lesson once the models it reads are published or their lessons done.
    @Test func eachLessonWaitsForTheModelsItReads() throws {
        let lessons = Self.lessons
        let order = LessonOrder(lessons)
        func waits(_ id: String) -> Set<String> {
            Set(order.waitsFor[lessons.firstIndex { $0.id == id }!].map { lessons[$0].id })
        }
        #expect(waits("05-inference") == ["04-training"])
        #expect(waits("07-the-assistant") == ["04-training"])
        #expect(waits("09-hallucinations") == ["04-training", "07-the-assistant"])
        #expect(waits("12-reinforcement-learning") == ["07-the-assistant", "11-tokens-to-think"])
        // Lesson 13 reads base too: at a seed other than 1 it finetunes its own start from it.
        #expect(waits("13-rlhf") == ["04-training", "07-the-assistant"])
        #expect(waits("14-arena") == ["04-training", "07-the-assistant", "09-hallucinations", "10-search",
                                      "12-reinforcement-learning", "13-rlhf"])
        // After lesson 7, the lessons that start from sft can run side by side: lesson 11 first,
        // since lessons 12 and 14 wait for it; lesson 8, which none waits for, last.
        let finished = Set(lessons.indices.filter { ["01", "02", "03", "04", "05", "06", "07"].contains(String(lessons[$0].id.prefix(2))) })
        let ready = order.ready(started: finished, finished: finished).map { lessons[$0].id }
        #expect(ready == ["11-tokens-to-think", "09-hallucinations", "10-search", "13-rlhf", "08-knowledge-of-self"])
        // At the start, pretraining comes before the lessons nothing waits for.
        #expect(order.ready(started: [], finished: []).map { lessons[$0].id }.first == "04-training")
        // Lesson 12 starts once lesson 11 has published `answer-first`, while lesson 11 goes on
        // (its worked model still training); it does not start on another of lesson 11's models.
        let index = { (id: String) in lessons.firstIndex { $0.id == id }! }
        let eleven = finished.union([index("11-tokens-to-think")])
        let twelve = index("12-reinforcement-learning")
        #expect(!order.ready(started: eleven, finished: finished).contains(twelve))
        func published(_ names: String...) -> [Int: Set<String>] {
            [index("11-tokens-to-think"): Set(names.map { LessonOrder.modelKey($0, quick: true) })]
        }
        #expect(!order.ready(started: eleven, finished: finished, published: published("worked-calculator-quick")).contains(twelve))
        #expect(!order.ready(started: eleven, finished: finished, published: published("worked-quick")).contains(twelve))
        #expect(order.ready(started: eleven, finished: finished, published: published("answer-first-quick")).contains(twelve))
        // With expected times (a report reads them from stored sweeps), the longest chain
        // starts first: lesson 12 (its own time and lesson 14's) before the shorter lessons 9,
        // 10 and 13, which only lesson 14 waits for too.
        let seconds = ["09-hallucinations": 70.0, "10-search": 90, "11-tokens-to-think": 400,
                       "12-reinforcement-learning": 340, "13-rlhf": 160, "14-arena": 20]
        let timed = LessonOrder(lessons, expectedSeconds: lessons.map { seconds[$0.id] ?? 0 })
        let afterEleven = timed.ready(
            started: eleven, finished: finished, published: published("answer-first-quick"))
        #expect(afterEleven.map { lessons[$0].id }
                == ["12-reinforcement-learning", "13-rlhf", "10-search", "09-hallucinations", "08-knowledge-of-self"])
        #expect(timed.chainSeconds()[index("11-tokens-to-think")] == 760)
        // Lesson 14 reads lesson 13's hyphenated models (`rlhf-kl` in the catalog, `rlhfKL` in its code).
        #expect(LessonOrder.modelKey("rlhf-kl") == LessonOrder.modelKey("rlhfKL"))
        // Lesson 11 failing after it published `answer-first` leaves lesson 12 to run; before, not.
        let failed: Set<Int> = [index("11-tokens-to-think")]
        #expect(!order.readsUnpublishedModel(twelve, failed: failed, published: published("answer-first-quick")))
        #expect(order.readsUnpublishedModel(twelve, failed: failed, published: published("worked-quick")))
        #expect(order.readsUnpublishedModel(twelve, failed: failed, published: [:]))
    }

    @Test func everyLessonRunsInQuickModeAndItsClaimsHold() throws {
        var toolchain = try Toolchain.locate()
        if let release = ProcessInfo.processInfo.environment["TOKENWISE_COURSE_BUILD_DIR"] {
            toolchain = Toolchain(buildDirectory: URL(fileURLWithPath: release, relativeTo: Self.packageRoot).standardizedFileURL,
                                  packageRoot: toolchain.packageRoot, swiftc: toolchain.swiftc)
        }
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-course-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let engine = Engine(workspace: workspace, toolchain: toolchain, timeLimit: 600)
        for lesson in Self.lessons {
            let record = try engine.run(lesson, settings: [], quick: true) { _ in }
            #expect(record.status == .succeeded, "\(lesson.id): \(record.status) \(record.compileErrors.prefix(3)) \(record.cells.filter { $0.status == .failed }.map(\.outputs))")
            for claim in record.expectations { #expect(!claim.fails, "\(lesson.id): \(claim.claim) — \(claim.measured)") }
        }
        try changedAssistantReachesLaterLessons(engine)
    }

    /// One road from stage to stage: lesson 7 run with another setting publishes another `sft`,
    /// and every later lesson that starts from it is out of date; republishing the same weights
    /// (lesson 7 at its defaults again, from the store) makes them current again.
    func changedAssistantReachesLaterLessons(_ engine: Engine) throws {
        let assistantLesson = try #require(Self.lessons.first { $0.id == "07-the-assistant" })
        let later = Self.lessons.filter { ["09-hallucinations", "10-search", "11-tokens-to-think", "13-rlhf"].contains($0.id) }
        #expect(later.count == 4)
        for lesson in later {
            guard case .found(let record) = try engine.storedRecord(for: lesson, quick: true) else {
                Issue.record("\(lesson.id): no current record after the course ran"); continue
            }
            #expect(record.modelsUsed?["sft-quick"] != nil, "\(lesson.id) does not record the sft it started from")
        }
        _ = try engine.run(assistantLesson, settings: ["lr=1e-3"], quick: true) { _ in }
        // Lesson 7's own default run no longer describes the published sft: the report reruns it.
        guard case .unusable(let reason) = try engine.storedRecord(for: assistantLesson, quick: true) else {
            Issue.record("lesson 7's default record still current after another sft was published"); return
        }
        #expect(reason.contains("published"), "\(reason)")
        for lesson in later {
            guard case .unusable(let reason) = try engine.storedRecord(for: lesson, quick: true) else {
                Issue.record("\(lesson.id): still current after lesson 7 published another sft"); continue
            }
            #expect(reason.contains("sft-quick"), "\(lesson.id): \(reason)")
        }
        _ = try engine.run(assistantLesson, settings: [], quick: true) { _ in }
        for lesson in later {
            guard case .found = try engine.storedRecord(for: lesson, quick: true) else {
                Issue.record("\(lesson.id): out of date though lesson 7 republished the same weights"); continue
            }
        }
    }
}
