import Dispatch
import Foundation
import Testing
@testable import Autograd

@Suite struct ParallelTests {
    struct Failure: Error, Equatable { let job: Int }

    @Test func bothRunsTheJobsAtOnceAndReturnsEach() throws {
        guard Parallel.coreCount > 1 else { return }   // one core: the jobs run one after the other
        // Each job waits for the other to have started: one after the other would time out.
        let started = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        let (a, b) = try Parallel.both(
            { () -> String in
                started.0.signal()
                return started.1.wait(timeout: .now() + 10) == .success ? "first" : "alone"
            },
            { () -> Int in
                started.1.signal()
                return started.0.wait(timeout: .now() + 10) == .success ? 2 : -1
            })
        #expect(a == "first")
        #expect(b == 2)
    }

    @Test func eachJobHasHalfTheWorkersAndTheBudgetComesBack() throws {
        guard Parallel.coreCount > 1 else { return }
        let (a, b) = try Parallel.both({ Parallel.threadBudget }, { Parallel.threadBudget })
        #expect(a == Parallel.coreCount / 2)
        #expect(b == Parallel.coreCount / 2)
        #expect(Parallel.threadBudget == Parallel.coreCount)
    }

    @Test func anErrorInEitherJobIsThrownAfterBothEnd() {
        let finished = Counter()
        #expect(throws: Failure(job: 2)) {
            try Parallel.both({ Thread.sleep(forTimeInterval: 0.05); finished.add() }, { throw Failure(job: 2) })
        }
        #expect(finished.value == 1)
        #expect(throws: Failure(job: 1)) {
            try Parallel.both({ throw Failure(job: 1) }, { finished.add() })
        }
        #expect(finished.value == 2)
    }

    /// A kernel split into chunks gives the same bits inside `both` (fewer threads, the same
    /// chunks) as alone.
    @Test func kernelsGiveTheSameBitsSideBySide() throws {
        let alone = Self.layerNormBits()
        let (first, second) = try Parallel.both(Self.layerNormBits, Self.layerNormBits)
        #expect(first == alone)
        #expect(second == alone)
    }

    /// A layer norm's output and gradients, computed in chunks over the cores.
    static func layerNormBits() -> [Float] {
        var g = SeededGenerator(seed: 12)
        let (N, C) = (512, 48)
        let inp = randomDoubles(N * C, &g, scale: 3), weight = randomDoubles(C, &g), bias = randomDoubles(C, &g)
        let dout = randomDoubles(N * C, &g).map(Float.init)
        let x = tensor(inp, [N, C]), w = tensor(weight, [C]), b = tensor(bias, [C])
        let out = layerNorm(x, weight: w, bias: b)
        out.backward(upstream: dout)
        return out.values + x.gradientValues + w.gradientValues + b.gradientValues
    }

    /// Beside other lessons (a core pool), the second job waits for a free core or for the first
    /// job's end; either way each job computes the same bits.
    @Test func inACorePoolTheSecondJobRunsBesideTheFirstOnlyOnAFreeCore() throws {
        guard Parallel.coreCount > 1 else { return }
        let pool = FileManager.default.temporaryDirectory.appendingPathComponent("cores-\(UUID())").path
        try FileManager.default.createDirectory(atPath: pool, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: pool) }
        /// Whether the jobs ran at once: each waits a moment for the other to have started.
        func atOnce() throws -> Bool {
            let started = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
            let (a, b) = try Parallel.both(
                { started.0.signal(); return started.1.wait(timeout: .now() + 0.5) == .success },
                { started.1.signal(); return started.0.wait(timeout: .now() + 0.5) == .success },
                pool: pool)
            return a && b
        }
        #expect(try atOnce())   // every core free
        let held = (0..<Parallel.coreCount).compactMap { _ in CorePool.tryTake(in: pool, skipping: []) }
        #expect(held.count == Parallel.coreCount)
        #expect(try !atOnce())   // every core held by other lessons: one after the other

        let alone = Self.layerNormBits()
        let (first, second) = try Parallel.both(Self.layerNormBits, Self.layerNormBits, pool: pool)
        #expect(first == alone && second == alone)

        held[0].release()   // a core comes free
        #expect(try atOnce())
        // The report waiting for a core: lessons take no second one, even a free one.
        let wish = try #require(CorePool.want(in: pool))
        #expect(CorePool.want(in: pool) == nil)   // one wish at a time
        #expect(CorePool.tryTake(in: pool) == nil)
        #expect(try !atOnce())
        // A lesson that others wait for takes a free core all the same.
        let urgentCore = try #require(CorePool.tryTake(in: pool, waitedOn: true))
        urgentCore.release()
        wish.release()   // (or its holder dies)
        #expect(CorePool.tryTake(in: pool) != nil)
    }

    /// Once the first job ends, the second runs alone on the process's own core: the pool core
    /// it took is free again while it still runs (another lesson may start on it).
    @Test func theSecondJobsCoreGoesBackWhenTheFirstEnds() throws {
        guard Parallel.coreCount > 1 else { return }
        let pool = FileManager.default.temporaryDirectory.appendingPathComponent("cores-\(UUID())").path
        try FileManager.default.createDirectory(atPath: pool, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: pool) }
        // Every core but one held elsewhere: the second job takes the last.
        let held = (1..<Parallel.coreCount).compactMap { _ in CorePool.tryTake(in: pool, skipping: []) }
        #expect(held.count == Parallel.coreCount - 1)
        let secondStarted = DispatchSemaphore(value: 0)
        let (freeWhileFirstRan, freeAfter) = try Parallel.both(
            { () -> Bool in
                secondStarted.wait()
                let free = CorePool.tryTake(in: pool, skipping: [])
                free?.release()
                return free != nil
            },
            { () -> Bool in
                secondStarted.signal()
                Thread.sleep(forTimeInterval: 0.05)   // the first job ends meanwhile
                let deadline = Date().addingTimeInterval(2)
                while Date() < deadline {
                    if let free = CorePool.tryTake(in: pool, skipping: []) { free.release(); return true }
                    Thread.sleep(forTimeInterval: 0.005)
                }
                return false
            },
            pool: pool)
        #expect(!freeWhileFirstRan)   // both jobs running: no core free
        #expect(freeAfter)            // the first ended: the second's core is free, though it runs
        held.forEach { $0.release() }
    }

    /// While a lesson that others wait for waits for a core, it says so (`urgent-wanted`) and the
    /// report leaves free cores to it; once the report takes its mark away (the waiting lessons
    /// have what they read) it stops saying so, and waits like any lesson; its end lets go.
    @Test func aLessonOthersWaitForSaysSoOnlyWhileItIsMarked() throws {
        let pool = FileManager.default.temporaryDirectory.appendingPathComponent("cores-\(UUID())").path
        try FileManager.default.createDirectory(atPath: pool, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: pool) }
        /// Whether `condition` holds within two seconds.
        func eventually(_ condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(2)
            while Date() < deadline {
                if condition() { return true }
                Thread.sleep(forTimeInterval: 0.005)
            }
            return condition()
        }
        /// A lesson's second job waiting for a core on a thread; `got` says what it got.
        final class Waiter: @unchecked Sendable {
            let stop = DispatchSemaphore(value: 0), ended = DispatchSemaphore(value: 0)
            var got: CorePool.Core?
            init(pool: String, lesson: String) {
                Thread { [self] in
                    got = CorePool.waitForCore(in: pool, orUntil: stop, lesson: lesson)
                    ended.signal()
                }.start()
            }
        }
        var held = (0..<Parallel.coreCount).compactMap { _ in CorePool.tryTake(in: pool, skipping: []) }
        let mark = CorePool.waitedOnMark(in: pool, lesson: "11-lesson")
        #expect(FileManager.default.createFile(atPath: mark, contents: nil))
        #expect(!CorePool.urgentWish(in: pool))

        // Marked, every core held: it says that it waits; a core that comes free is its own
        // even while the report wants one.
        let marked = Waiter(pool: pool, lesson: "11-lesson")
        #expect(eventually { CorePool.urgentWish(in: pool) })
        let wish = try #require(CorePool.want(in: pool))
        held.removeFirst().release()
        #expect(marked.ended.wait(timeout: .now() + 2) == .success)
        #expect(marked.got != nil)
        #expect(!CorePool.urgentWish(in: pool))

        // The mark taken away while it waits: it stops saying so, and leaves a free core to
        // the report's wish.
        let unmarked = Waiter(pool: pool, lesson: "11-lesson")
        #expect(eventually { CorePool.urgentWish(in: pool) })
        try FileManager.default.removeItem(atPath: mark)
        #expect(eventually { !CorePool.urgentWish(in: pool) })
        marked.got?.release()
        Thread.sleep(forTimeInterval: 0.1)
        #expect(unmarked.ended.wait(timeout: .now()) == .timedOut)   // still waiting
        unmarked.stop.signal()
        #expect(unmarked.ended.wait(timeout: .now() + 2) == .success)
        #expect(unmarked.got == nil)
        wish.release()
        #expect(held.count == Parallel.coreCount - 1)
    }

    /// A pool that cannot be opened holds nobody back: as without a pool.
    @Test func aMissingPoolFolderHoldsNobodyBack() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-pool-\(UUID())").path
        #expect(CorePool.tryTake(in: missing) != nil)
        #expect(CorePool.tryTake(in: missing, skipping: []) != nil)
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }
}
