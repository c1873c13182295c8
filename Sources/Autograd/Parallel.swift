// How kernels use the cores. Large matrix products are threaded by OpenBLAS itself (measured
// here: faster than splitting them across our own workers, since its threads share packed
// panels). Everything else — (batch, head) pairs of attention, chunks of element-wise loops,
// rows of a softmax — is split across `coreCount` workers here. Work is dealt in a fixed
// pattern and pieces write disjoint memory, so results are identical on every run.

import COpenBLAS
import Dispatch
import Foundation

public enum Parallel {
    public static let coreCount = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body(i)` for every i in 0..<count, possibly concurrently; worker w takes
    /// items w, w + workers, ….
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        // Items are independent, so how many threads run them never changes a result: inside
        // `both`, a job runs the same items on fewer threads.
        let running = Swift.min(count, coreCount, threadBudget)
        if running <= 1 {
            for item in 0..<count { body(item) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: running) { worker in
            var item = worker
            while item < count { body(item); item += running }
        }
    }

    /// Splits 0..<count into one contiguous range per core (fewer when `count` is small,
    /// never below `minimumChunk` items) and calls `body` on each, possibly concurrently.
    public static func forEachChunk(
        _ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void
    ) {
        let chunks = Swift.max(1, Swift.min(coreCount, count / Swift.max(1, minimumChunk)))
        forEach(chunks) { chunk in
            let start = count * chunk / chunks, end = count * (chunk + 1) / chunks
            if start < end { body(start..<end) }
        }
    }

    /// Runs two independent jobs at once (two trainings, say), each on half the cores, and
    /// returns both results; the first error either throws is rethrown once both have ended.
    /// Why: small models' products keep two cores only partly busy, so two jobs side by side
    /// finish sooner than one after the other. Meanwhile OpenBLAS computes each product on the
    /// calling thread alone, and each job's own kernels get half the workers, whether the jobs
    /// run at once or one after the other (one core; or beside other lessons, no core free): the
    /// same pieces, so the same bits. The jobs must not share anything mutable.
    public static func both<A, B>(
        _ first: () throws -> A, _ second: () throws -> B, pool: String? = CorePool.shared
    ) throws -> (A, B) {
        let budget = Swift.min(threadBudget, coreCount)
        let share = Swift.max(1, budget / 2)
        SingleThreadedBLAS.begin()
        defer { SingleThreadedBLAS.end() }
        guard budget > 1 else {
            let a = withThreadBudget(share) { Result { try first() } }
            let b = withThreadBudget(share) { Result { try second() } }
            return (try a.get(), try b.get())
        }
        let results = Results<A, B>()
        withoutActuallyEscaping(second) { second in
            results.secondJob = second
            let firstEnded = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
            // A thread of its own with a main-sized stack (a training's call chain is deep). Beside
            // other lessons (a core pool), the second job starts once a core is free or once the
            // first job has ended, whichever comes first.
            let thread = Thread {
                results.hold(pool.flatMap { CorePool.waitForCore(in: $0, orUntil: firstEnded) })
                results.runSecond(workers: share)
                results.letGoOfCore()
                done.signal()
            }
            thread.stackSize = 16 << 20
            thread.start()
            results.first = withThreadBudget(share) { Result { try first() } }
            firstEnded.signal()
            // The second job, if it still runs, now runs alone, on the core this process had
            // before `both`: the one it took goes back to the pool at once (another lesson may
            // start on it) instead of when the job ends.
            results.letGoOfCore(firstEnded: true)
            done.wait()
        }
        return (try results.first!.get(), try results.second!.get())
    }

    /// The second job and both results: each written by one thread, read after both have ended.
    private final class Results<A, B>: @unchecked Sendable {
        var first: Result<A, Error>?
        var second: Result<B, Error>?
        var secondJob: (() throws -> B)?
        private let lock = NSLock()
        private var core: CorePool.Core?
        private var firstEnded = false

        /// The pool core the second job took, if any; let go of at once if the first has ended.
        func hold(_ taken: CorePool.Core?) {
            lock.withLock {
                if firstEnded { taken?.release() } else { core = taken }
            }
        }

        /// Lets go of the second job's core (when it ends, or when the first job ends).
        func letGoOfCore(firstEnded ended: Bool = false) {
            lock.withLock {
                if ended { firstEnded = true }
                core?.release()
                core = nil
            }
        }

        /// Runs the second job and lets go of it (it must not outlive `both`).
        func runSecond(workers: Int) {
            let job = secondJob!
            secondJob = nil
            second = withThreadBudget(workers) { Result { try job() } }
        }
    }

    /// How many workers this thread's kernels may use at once: the process's share of the cores,
    /// unless `both` gave the thread a share of its own (kept per thread, so each job has its own).
    public static var threadBudget: Int {
        let share = Int(bitPattern: pthread_getspecific(budgetKey))
        return share == 0 ? processBudget : share
    }

    /// The process's share of the cores: all of them, or what TOKENWISE_THREADS says. Work is
    /// still dealt in `coreCount` pieces, so results do not depend on it. (Lessons side by side
    /// share the cores through a `CorePool` instead.)
    public static let processBudget: Int = {
        guard let text = ProcessInfo.processInfo.environment["TOKENWISE_THREADS"],
            let threads = Int(text), threads >= 1
        else { return coreCount }
        return Swift.min(threads, coreCount)
    }()

    fileprivate static func withThreadBudget<T>(_ workers: Int, _ body: () throws -> T) rethrows -> T {
        let saved = pthread_getspecific(budgetKey)
        pthread_setspecific(budgetKey, UnsafeRawPointer(bitPattern: workers))
        defer { pthread_setspecific(budgetKey, saved) }
        return try body()
    }

    private static let budgetKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}

/// OpenBLAS's thread count is one setting for the whole process: one thread while any `both` is
/// running, the count from before once the last one ends.
private enum SingleThreadedBLAS {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var running = 0
    nonisolated(unsafe) private static var threadsBefore: Int32 = 1

    static func begin() {
        lock.withLock {
            if running == 0 {
                threadsBefore = openblas_get_num_threads()
                openblas_set_num_threads(1)
            }
            running += 1
        }
    }

    static func end() {
        lock.withLock {
            running -= 1
            if running == 0 { openblas_set_num_threads(threadsBefore) }
        }
    }
}

