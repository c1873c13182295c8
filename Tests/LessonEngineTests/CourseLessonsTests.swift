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

    @Test func theCourseHasItsSixLessons() {
        #expect(Self.lessons.map(\.id).prefix(6) == ["01-pretraining-data", "02-tokenization", "03-the-network",
                                                       "04-training", "05-inference", "06-base-model-psychology"])
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
            for claim in record.expectations { #expect(claim.passed, "\(lesson.id): \(claim.claim) — \(claim.measured)") }
        }
    }
}
