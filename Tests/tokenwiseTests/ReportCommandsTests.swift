import Autograd
import Foundation
import Testing
@testable import tokenwise

/// The report's cores: a lesson that ends passes its core to the next one launched.
@Suite struct HeldCoresTests {
    let pool = FileManager.default.temporaryDirectory.appendingPathComponent("cores-\(UUID())").path

    init() throws {
        try FileManager.default.createDirectory(atPath: pool, withIntermediateDirectories: true)
    }

    /// Every free core of the pool, taken as a lesson's second jobs would take them.
    func takeTheFreeCores() -> [CorePool.Core] {
        (0..<Parallel.coreCount).compactMap { _ in CorePool.tryTake(in: pool, skipping: []) }
    }

    @Test func aCoreGivenBackPassesToTheLessonLaunchedNext() throws {
        defer { try? FileManager.default.removeItem(atPath: pool) }
        let cores = HeldCores(pool: pool)
        cores.expect()
        let first = cores.take()
        let others = takeTheFreeCores()   // the other cores busy with second jobs
        cores.expect()   // the next lesson is launched, then the first one's core given back
        cores.give(first)
        #expect(CorePool.tryTake(in: pool) == nil)   // no second job takes it meanwhile
        let next = cores.take()   // at once: it waits for nobody
        #expect(next.index == first.index)
        cores.give(next)   // nobody launched: back to the pool
        #expect(CorePool.tryTake(in: pool) != nil)
        _ = others
    }

    @Test func aSpareCoreGoesBackWhenTheLaunchedLessonIsReused() throws {
        defer { try? FileManager.default.removeItem(atPath: pool) }
        let cores = HeldCores(pool: pool)
        cores.expect()
        let first = cores.take()
        let others = takeTheFreeCores()
        cores.expect()
        cores.give(first)
        #expect(CorePool.tryTake(in: pool) == nil)
        cores.notExpected()   // its stored run was still valid
        #expect(CorePool.tryTake(in: pool) != nil)
        _ = others
    }

    @Test func aLessonOthersWaitForGetsTheCoreBeforeTheNextLesson() throws {
        defer { try? FileManager.default.removeItem(atPath: pool) }
        let cores = HeldCores(pool: pool)
        cores.expect()
        let first = cores.take()
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
        cores.expect()
        cores.give(first)
        #expect(ended.wait(timeout: .now() + 2) == .success)
        #expect(got?.index == first.index)
        stop.signal()
        _ = others
    }
}
