// Cores shared between processes. `tokenwise report --jobs 2` runs lessons side by side: the
// report holds one core for each lesson it runs, and a lesson's `Parallel.both` runs its second
// job on another core only while one is free, else after the first. The jobs are the same
// either way, so a lesson computes the same bits alone, beside another, or sequentially; only
// its speed depends on its neighbours. A core is a lock file in the folder
// TOKENWISE_CORE_POOL names (core-0, core-1, …, one per core of the machine); holding the
// file's flock is holding the core, and the kernel lets go of it when its holder dies.

import Dispatch
import Foundation

public enum CorePool {
    /// The pool this process was given (by `tokenwise report`), or nil: then `both` uses the
    /// cores its thread budget allows, as a process alone on the machine.
    public static let shared: String? = {
        guard let path = ProcessInfo.processInfo.environment[environmentKey], !path.isEmpty else { return nil }
        return path
    }()

    public static let environmentKey = "TOKENWISE_CORE_POOL"

    /// A core held until `release()` (or until the object goes).
    public final class Core: @unchecked Sendable {
        public let index: Int
        private var descriptor: Int32

        fileprivate init(index: Int, descriptor: Int32) {
            self.index = index
            self.descriptor = descriptor
        }

        public func release() {
            guard descriptor >= 0 else { return }
            close(descriptor)   // closing the only descriptor drops the flock
            descriptor = -1
        }

        deinit { release() }
    }

    /// A free core of the pool in `directory` for a lesson's second core, or nil at once when
    /// every core is held or the report is waiting for one (to start the next lesson).
    public static func tryTake(in directory: String, cores: Int = Parallel.coreCount) -> Core? {
        guard access(directory + "/" + wantedFile, F_OK) != 0 else { return nil }
        return tryTake(in: directory, skipping: [], cores: cores)
    }

    /// A free core, taken as soon as there is one, or nil once `signal` is signalled (checked
    /// every 20 ms, and answered at once).
    public static func waitForCore(in directory: String, orUntil signal: DispatchSemaphore) -> Core? {
        while true {
            if let core = tryTake(in: directory) { return core }
            if signal.wait(timeout: .now() + .milliseconds(20)) == .success { return nil }
        }
    }

    /// A free core other than `held` (the report's own: their files' locks, taken through other
    /// descriptors, would fail), or nil at once.
    public static func tryTake(in directory: String, skipping held: Set<Int>, cores: Int = Parallel.coreCount) -> Core? {
        for index in 0..<cores where !held.contains(index) {
            if let core = lock(index, in: directory) { return core }
        }
        return nil
    }

    /// While the report waits for a core, lessons take no second one, and the one a lesson
    /// holds comes free when its current pair of jobs ends (a training step, at most a pair of
    /// trainings).
    public static func setWanted(_ wanted: Bool, in directory: String) {
        let path = directory + "/" + wantedFile
        if wanted {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        } else {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    static let wantedFile = "wanted"

    private static func lock(_ index: Int, in directory: String) -> Core? {
        let descriptor = open(directory + "/core-\(index)", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return Core(index: index, descriptor: descriptor)
    }
}
