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
        #expect(Self.lessons.map(\.id).prefix(7) == ["01-pretraining-data", "02-tokenization", "03-the-network",
                                                       "04-training", "05-inference", "06-base-model-psychology", "07-the-assistant"])
    }

    /// Lessons 3, 5 and 6 train the standard base model when lesson 4 has not published one:
    /// it must be the model lesson 4's defaults describe, or the two would train different models.
    @Test func lessonFoursDefaultsAreTheStandardPretrainingSettings() throws {
        let lesson = try #require(Self.lessons.first { $0.id == "04-training" })
        let declared = Dictionary(uniqueKeysWithValues: lesson.parameters.map { ($0.name, $0) })
        for quick in [false, true] {
            let standard = PretrainingSettings.standard(quick: quick)
            func value(_ name: String) -> String? { quick ? declared[name]?.quickValue ?? declared[name]?.defaultValue : declared[name]?.defaultValue }
            let c = standard.config
            let expected: [(String, Double)] = [("layers", Double(c.layerCount)), ("heads", Double(c.headCount)), ("width", Double(c.embeddingWidth)),
                                                ("context", Double(c.contextLength)), ("vocab_size", Double(c.vocabularySize)),
                                                ("steps", Double(standard.steps)), ("batch", Double(standard.batchSize)), ("lr", standard.learningRate)]
            for (name, number) in expected {
                #expect(value(name).flatMap(Double.init) == number, "lesson 4's \(name)\(quick ? " (quick)" : "") is \(value(name) ?? "missing"), the standard is \(number)")
            }
        }
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
    }
}
