// A caching allocator for tensor storage (the idea of PyTorch's CPU caching allocator, in a
// few lines). A training step allocates the same large buffers every time; glibc hands
// anything over 32 MB back to the kernel on free, so each step would pay page faults and
// kernel page clearing for them again (a fifth of a GPT-2-sized step). Freed buffers of
// 64 KB or more are kept by exact size and reused, up to 4 GB in all (past that, freed
// buffers go back to the system); smaller ones go straight to malloc. `drain()` empties it,
// e.g. when a training run ends and its shapes will not come back. The batched inference
// sessions keep their caches here too: RL makes a session per round and measure, and faulting
// a fresh cache in each time cost lesson 12 a twentieth of its time in the kernel.

import Foundation

public enum BufferPool {
    static let minimumPooledCount = 16 * 1024   // floats (64 KB)
    static let maximumPooledFloats = 1 << 30   // 4 GB
    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    nonisolated(unsafe) private static var pooledFloats = 0

    package static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let count = Swift.max(count, 1)
        if count >= minimumPooledCount {
            lock.lock()
            let reused = free[count]?.popLast()
            if reused != nil { pooledFloats -= count }
            lock.unlock()
            if let reused { return reused }
        }
        return .allocate(capacity: count)
    }

    package static func release(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        let count = Swift.max(count, 1)
        guard count >= minimumPooledCount else { return pointer.deallocate() }
        lock.lock()
        let keep = pooledFloats + count <= maximumPooledFloats
        if keep {
            free[count, default: []].append(pointer)
            pooledFloats += count
        }
        lock.unlock()
        if !keep { pointer.deallocate() }
    }

    /// Returns every cached buffer to the system.
    public static func drain() {
        lock.lock()
        let all = Array(free.values.joined())
        free.removeAll()
        pooledFloats = 0
        lock.unlock()
        all.forEach { $0.deallocate() }
    }
}
