// Spreading independent work items over the cores. Items are dealt to workers in a fixed
// pattern (worker w takes w, w + workers, …), so as long as items write disjoint memory the
// results are the same on every run.

import Dispatch
import Foundation

public enum Parallel {
    public static let coreCount = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body(i)` for every i in 0..<count, possibly concurrently.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        let workers = Swift.min(count, coreCount)
        if workers <= 1 {
            for item in 0..<count { body(item) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var item = worker
            while item < count { body(item); item += workers }
        }
    }
}
