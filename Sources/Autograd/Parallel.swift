// How kernels use the cores. Large matrix products are threaded by OpenBLAS itself (measured
// here: faster than splitting them across our own workers, since its threads share packed
// panels). Everything else — (batch, head) pairs of attention, chunks of element-wise loops,
// rows of a softmax — is split across `coreCount` workers here. Work is dealt in a fixed
// pattern and pieces write disjoint memory, so results are identical on every run.

import Dispatch
import Foundation

public enum Parallel {
    public static let coreCount = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body(i)` for every i in 0..<count, possibly concurrently; worker w takes
    /// items w, w + workers, ….
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
}
