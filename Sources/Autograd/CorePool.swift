// Cores shared between processes. `tokenwise report --jobs 2` runs lessons side by side: the
// report holds one core for each lesson it runs, and a lesson's `Parallel.both` runs its second
// job on another core only while one is free, else after the first. The jobs are the same
// either way, so a lesson computes the same bits alone, beside another, or sequentially; only
// its speed depends on its neighbours. A core is a lock file in the folder
// TOKENWISE_CORE_POOL names (core-0, core-1, …, one per core of the machine); holding the
// file's flock is holding the core, and the kernel lets go of it when its holder dies. So is
// the report's wish for a core (`wanted`): a killed report leaves no wish behind.
// A lesson that others still wait for (the report marks it `waited-on-<lesson>`) goes first:
// its pairs take a free core even while the report wants one, and the report does not take a
// core while such a lesson is waiting for one (`urgent-wanted`, held by that lesson). So the
// models that lessons wait for come out of two cores, and the waiting lessons start sooner.

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

    /// The lesson this process runs (set by the lesson engine), for its `waited-on` mark; "" when none.
    public static let lessonKey = "TOKENWISE_LESSON"
    public static let currentLesson = ProcessInfo.processInfo.environment[lessonKey] ?? ""

    /// The file whose presence says that lessons still wait for `lesson`.
    public static func waitedOnMark(in directory: String, lesson: String) -> String {
        directory + "/waited-on-" + lesson
    }

    /// Whether `lesson` (this process's) is one that others still wait for.
    static func isWaitedOn(in directory: String, lesson: String = CorePool.currentLesson) -> Bool {
        !lesson.isEmpty
            && FileManager.default.fileExists(atPath: waitedOnMark(in: directory, lesson: lesson))
    }

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
    /// every core is held or the report is waiting for one (to start the next lesson) and
    /// this lesson is not one that others wait for.
    public static func tryTake(
        in directory: String, cores: Int = Parallel.coreCount, waitedOn: Bool = false
    ) -> Core? {
        if let wish = lock(directory + "/" + wantedFile, shared: true) {
            wish.release()
        } else if !waitedOn {
            return nil
        }
        return tryTake(in: directory, skipping: [], cores: cores)
    }

    /// A free core, taken as soon as there is one, or nil once `signal` is signalled (checked
    /// every 20 ms, and answered at once). While `lesson` (this process's) is one that others
    /// wait for, it says that it waits; the mark is read again at every check, since the report
    /// takes it away once the waiting lessons have what they read (a model published meanwhile).
    public static func waitForCore(
        in directory: String, orUntil signal: DispatchSemaphore, lesson: String = CorePool.currentLesson
    ) -> Core? {
        var urgent: Core?
        defer { urgent?.release() }
        while true {
            let waitedOn = isWaitedOn(in: directory, lesson: lesson)
            if let core = tryTake(in: directory, waitedOn: waitedOn) { return core }
            if waitedOn && urgent == nil { urgent = lock(directory + "/" + urgentWishFile) }
            if !waitedOn { urgent?.release(); urgent = nil }
            if signal.wait(timeout: .now() + .milliseconds(20)) == .success { return nil }
        }
    }

    /// Whether a lesson that others wait for is waiting for a core: the report then leaves a
    /// free core to it.
    public static func urgentWish(in directory: String) -> Bool {
        guard let probe = lock(directory + "/" + urgentWishFile, shared: true) else { return true }
        probe.release()
        return false
    }

    /// A free core other than `held` (the report's own: their files' locks, taken through other
    /// descriptors, would fail), or nil at once.
    public static func tryTake(in directory: String, skipping held: Set<Int>, cores: Int = Parallel.coreCount) -> Core? {
        for index in 0..<cores where !held.contains(index) {
            if let core = lock(directory + "/core-\(index)", index: index) { return core }
        }
        return nil
    }

    /// Held while the report waits for a core: meanwhile lessons take no second one, and the
    /// one a lesson holds comes free when its current pair of jobs ends (a training step, at
    /// most a pair of trainings). Nil where the wish could not be said (then lessons go on
    /// taking free cores, and the report waits until one comes free all the same).
    public static func want(in directory: String) -> Core? {
        lock(directory + "/" + wantedFile)
    }

    static let wantedFile = "wanted"
    static let urgentWishFile = "urgent-wanted"

    /// The file's flock, exclusive or shared, or nil when another holder has it. A pool that
    /// cannot be opened (a missing folder, no file descriptors left) holds nobody back: a
    /// core with nothing to hold, as if there were no pool.
    private static func lock(_ path: String, index: Int = -1, shared: Bool = false) -> Core? {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return Core(index: index, descriptor: -1) }
        guard flock(descriptor, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            close(descriptor)
            return busy ? nil : Core(index: index, descriptor: -1)
        }
        return Core(index: index, descriptor: descriptor)
    }
}
