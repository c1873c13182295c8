import Foundation
import Testing
@testable import LessonEngine

/// Two runs of one workspace at once (two `tokenwise report`s, a sweep beside a run): a stage is
/// computed by one of them and loaded by the other, never computed twice or read half-written.
@Suite(.serialized) struct ConcurrentRunsTests {
    @Test func twoRunsAtOnceComputeEachStageOnce() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let lesson = try fixture.lesson("01-slow.swift", """
            //: # A slow stage
            import Course
            import Foundation
            let value = try stage("slow", inputs: ["n": "1"]) { () -> [Int] in
                Thread.sleep(forTimeInterval: 1.5)   // long enough for the other run to ask too
                return Array(0..<100_000)
            }
            print(value.count)
            """)
        nonisolated(unsafe) var records: [RunRecord?] = [nil, nil]
        let group = DispatchGroup()
        for index in 0..<2 {
            DispatchQueue.global().async(group: group) {
                records[index] = try? fixture.engine.run(lesson)
            }
        }
        group.wait()
        let outcomes = records.compactMap { $0?.stages.first?.outcome }
        #expect(records.allSatisfy { $0?.status == .succeeded })
        #expect(outcomes.sorted { $0.rawValue < $1.rawValue } == [.computed, .reused])
        #expect(records.allSatisfy { $0?.cells.first?.outputs == [.text("100000")] })
    }

    /// kill -9 of the run computing a stage while another waits for it: the waiting run takes
    /// the stage over and computes it, and the next run reuses it.
    @Test func aRunKilledMidStageLeavesTheStageToTheOther() throws {
        let killed = try Fixture(timeLimit: 3)
        defer { try? FileManager.default.removeItem(at: killed.root) }
        let marks = killed.root.appendingPathComponent("marks")
        try FileManager.default.createDirectory(at: marks, withIntermediateDirectories: true)
        let text = """
            //: # A stage one run is killed in
            import Course
            import Foundation
            print("asking at \\(Date().timeIntervalSince1970)")
            let value = try stage("slow", inputs: ["n": "1"]) { () -> [Int] in
                // One mark per computation of the stage, then long enough for the kill.
                FileManager.default.createFile(atPath: "\(marks.path)/\\(UUID().uuidString)", contents: nil)
                Thread.sleep(forTimeInterval: 6)
                return Array(0..<1000)
            }
            print(value.count)
            """
        let lesson = try killed.lesson("01-slow.swift", text)
        // The same workspace, with no time limit.
        let patient = Engine(workspace: killed.root.appendingPathComponent(".tokenwise"), toolchain: try Toolchain.locate(), timeLimit: 120)
        func computations() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: marks.path).count }

        nonisolated(unsafe) var first: RunRecord?
        nonisolated(unsafe) var firstEnded = Date.distantFuture
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            first = try? killed.engine.run(lesson)
            firstEnded = Date()
        }
        // The patient run starts once the first is inside the stage, so it waits for the stage's lock.
        let deadline = Date().addingTimeInterval(120)
        while try computations() == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        try #require(try computations() == 1, "the first run never entered its stage")
        let second = try patient.run(lesson)
        group.wait()
        #expect(first?.status == .timedOut)
        #expect(second.status == .succeeded)
        #expect(second.stages.first?.outcome == .computed)
        let printed = (second.cells.first?.outputs ?? []).compactMap { output -> String? in
            if case .text(let text) = output { return text } else { return nil }
        }.joined(separator: "\n").split(separator: "\n")
        #expect(printed.last == "1000")
        #expect(try computations() == 2)
        // It asked for the stage while the first run held it (and waited for its lock).
        let asked = printed.first { $0.hasPrefix("asking at ") }.flatMap { Double($0.dropFirst(10)) }
        let askedAt = try #require(asked.map { Date(timeIntervalSince1970: $0) })
        #expect(askedAt < firstEnded, "the second run asked only after the first had died")
        // The next run reuses what the patient run stored.
        let third = try patient.run(lesson)
        #expect(third.stages.first?.outcome == .reused)
        #expect(try computations() == 2)
    }

    /// `tokenwise report --jobs 2` starts a lesson once the model it reads is published, while
    /// the lesson that published it goes on; a lesson that read it too early would fail (the
    /// model has no recipe to fall back on).
    @Test func aLessonStartsOnceTheModelItReadsIsPublished() throws {
        // On one core the reader waits for the publisher's core: nothing to see.
        guard ProcessInfo.processInfo.activeProcessorCount > 1 else { return }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let tokenwise = root.appendingPathComponent(".build/debug/tokenwise")
        try #require(FileManager.default.isExecutableFile(atPath: tokenwise.path), "\(tokenwise.path) is built by `swift test`")
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        _ = try fixture.lesson("01-publisher.swift", """
            //: # Publishes, then goes on
            import Course
            import Foundation
            let config = GPTConfig(vocabularySize: 260, contextLength: 8, layerCount: 1, headCount: 2, embeddingWidth: 16)
            let tokenizer = try BPETrainer.train(text: "ab ab ab", vocabularySize: 260)
            try PublishedModel.rl.publish(try LanguageModel(name: "rl", model: GPT(config: config, seed: 1), tokenizer: tokenizer))
            Thread.sleep(forTimeInterval: 6)
            """)
        _ = try fixture.lesson("02-reader.swift", """
            //: # Reads the published model
            import Course
            print(try PublishedModel.rl.model().model.config.embeddingWidth)
            """)
        let process = Process()
        process.executableURL = tokenwise
        process.arguments = ["report", "--jobs", "2"]
        process.currentDirectoryURL = fixture.root
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        var records: [String: RunRecord] = [:]
        let workspace = fixture.root.appendingPathComponent(".tokenwise")
        for case let url as URL in FileManager.default.enumerator(at: workspace, includingPropertiesForKeys: nil)!
        where url.lastPathComponent == "record.json" {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let record = try decoder.decode(RunRecord.self, from: Data(contentsOf: url))
            records[record.lessonID] = record
        }
        let publisher = try #require(records["01-publisher"]), reader = try #require(records["02-reader"])
        #expect(publisher.status == .succeeded && reader.status == .succeeded)
        #expect(reader.cells.last?.outputs == [.text("16")])
        // Times are stored to the second: the reader started seconds before the publisher ended.
        let publisherEnded = publisher.provenance.startedAt.addingTimeInterval(
            publisher.provenance.compileSeconds + publisher.provenance.runSeconds)
        #expect(reader.provenance.startedAt < publisherEnded.addingTimeInterval(-2), "the reader waited for the publisher's end")
        #expect(reader.modelsUsed?["rl"] == publisher.modelsPublished?["rl"])
    }
}
