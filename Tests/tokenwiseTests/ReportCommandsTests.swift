import Autograd
import Foundation
import Testing
@testable import tokenwise

/// The report's cores: one per slot, back to the pool when the slot has nothing to run.
@Suite struct HeldCoresTests {
    let pool = FileManager.default.temporaryDirectory.appendingPathComponent("cores-\(UUID())").path

    init() throws {
        try FileManager.default.createDirectory(atPath: pool, withIntermediateDirectories: true)
    }

    /// Every free core of the pool, taken as a lesson's second jobs would take them.
    func takeTheFreeCores() -> [CorePool.Core] {
        (0..<Parallel.coreCount).compactMap { _ in CorePool.tryTake(in: pool, skipping: []) }
    }

    @Test func aCoreTheReportHoldsIsNobodyElsesUntilGivenBack() throws {
        defer { try? FileManager.default.removeItem(atPath: pool) }
        let cores = HeldCores(pool: pool)
        let first = try #require(cores.take())
        let others = takeTheFreeCores()   // the other cores busy with second jobs
        #expect(others.count == Parallel.coreCount - 1)
        #expect(CorePool.tryTake(in: pool) == nil)
        cores.give(first)
        let free = CorePool.tryTake(in: pool)
        #expect(free?.index == first.index)
        _ = others
    }

    /// A slot waits for a core only while a lesson is left for it.
    @Test func aSlotStopsWaitingOnceNothingIsLeftForIt() throws {
        defer { try? FileManager.default.removeItem(atPath: pool) }
        let cores = HeldCores(pool: pool)
        let others = takeTheFreeCores()   // every core busy
        nonisolated(unsafe) var polls = 0
        #expect(cores.take(while: { polls += 1; return polls < 3 }) == nil)
        #expect(polls == 3)
        #expect(CorePool.tryTake(in: pool) == nil)   // it took nothing
        others.forEach { $0.release() }
        #expect(cores.take(while: { false }) != nil)   // a free core is taken without asking
    }

    @Test func aLessonOthersWaitForGetsTheCoreBeforeTheNextLesson() throws {
        defer { try? FileManager.default.removeItem(atPath: pool) }
        let cores = HeldCores(pool: pool)
        let first = try #require(cores.take())
        let others = takeTheFreeCores()
        // A lesson that others wait for is waiting for a second core.
        let mark = CorePool.waitedOnMark(in: pool, lesson: "11-lesson")
        #expect(FileManager.default.createFile(atPath: mark, contents: nil))
        let stop = DispatchSemaphore(value: 0), ended = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var got: CorePool.Core?
        Thread {
            got = CorePool.waitForCore(in: pool, orUntil: stop, lesson: "11-lesson")
            ended.signal()
        }.start()
        let deadline = Date().addingTimeInterval(2)
        while !CorePool.urgentWish(in: pool) && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        cores.give(first)   // a slot's lesson ended while the urgent wish stands
        #expect(ended.wait(timeout: .now() + 2) == .success)
        #expect(got?.index == first.index)
        stop.signal()
        _ = others
    }
}
