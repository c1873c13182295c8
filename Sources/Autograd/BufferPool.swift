// A caching allocator for tensor storage (the idea of PyTorch's CPU caching allocator, in a
// few lines). A training step allocates the same large buffers every time; glibc hands
// anything over 32 MB back to the kernel on free, so each step would pay page faults and
// kernel page clearing for them again (a fifth of a GPT-2-sized step). Freed buffers of
// 64 KB or more are kept by exact size and reused. Smaller ones go straight to malloc.

import Foundation

enum BufferPool {
    static let minimumPooledCount = 16 * 1024   // floats (64 KB)
    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [Int: [UnsafeMutablePointer<Float>]] = [:]

    static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let count = Swift.max(count, 1)
        if count >= minimumPooledCount {
            lock.lock()
            let reused = free[count]?.popLast()
            lock.unlock()
            if let reused { return reused }
        }
        return .allocate(capacity: count)
    }

    static func release(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        let count = Swift.max(count, 1)
        guard count >= minimumPooledCount else { return pointer.deallocate() }
        lock.lock()
        free[count, default: []].append(pointer)
        lock.unlock()
    }

    /// Returns every cached buffer to the system (e.g. after training, before inference).
    static func drain() {
        lock.lock()
        let all = free.values.joined()
        free.removeAll()
        lock.unlock()
        all.forEach { $0.deallocate() }
    }
}
