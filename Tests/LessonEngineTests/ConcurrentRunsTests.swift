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
}
