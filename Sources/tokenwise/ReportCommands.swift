// `tokenwise report` (run or reuse every lesson, then build the site) and `tokenwise render`
// (rebuild the site from stored records, recomputing nothing).

import ArgumentParser
import Autograd
import Course
import Foundation
import LessonEngine
import Report

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Run (or reuse) every lesson and build the course report.",
        discussion: """
            A lesson whose stored run is still valid (same source, same library, same parameters) \
            is reused; the others run. The site is written to .tokenwise/site/index.html.

            Examples:
              tokenwise report
              tokenwise report --quick --strict
              tokenwise report --jobs 1             (one lesson at a time, each streamed in full)
            """)

    @Flag(help: "Use every lesson's small settings.")
    var quick = false

    @Flag(help: "Exit with an error if any claim of any lesson does not hold.")
    var strict = false

    @Flag(help: "Run every lesson again even if a valid run is stored.")
    var rerun = false

    @Option(
        help: "Lessons to run side by side, each once the models it reads are published (default: one per core, at most 4). Each holds a core, and runs its pairs of trainings at once only while another is free; the numbers are the same as with --jobs 1.")
    var jobs: Int = min(Parallel.coreCount, 4)

    @OptionGroup var options: WorkspaceOptions

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    }

    func run() throws {
        var engine = try options.engine()
        let lessons = try Engine.lessons(in: options.lessonsDirectory)
        guard !lessons.isEmpty else {
            throw CommandError("no lessons in \(LessonSource.display(options.lessonsDirectory))")
        }
        // Side by side, lessons share the cores through a pool (CorePool.swift): the report holds
        // one core for each lesson it runs, and a lesson's data parallelism takes a second while
        // one is free. Nothing a lesson computes depends on which it got: OpenBLAS keeps its own
        // thread count (a different count rounds some products differently under Haswell's
        // kernels), and `Parallel.both` deals the same pieces at once or one after the other.
        let pool = engine.workspace.appendingPathComponent("cores").path
        if jobs > 1 {
            try FileManager.default.createDirectory(atPath: pool, withIntermediateDirectories: true)
            engine.childEnvironment[CorePool.environmentKey] = pool
        }
        let started = Date()
        let records: [RunRecord?] =
            jobs == 1 ? try runInOrder(lessons, engine: engine) : try runSideBySide(lessons, engine: engine, pool: pool)
        // Pages are written from the records, in course order, however the lessons ran.
        let site = SiteWriter(engine: engine, lessonsDirectory: options.lessonsDirectory)
        var entries: [(source: LessonSource, record: RunRecord?, note: String?)] = []
        for (lesson, record) in zip(lessons, records) {
            if let record { try site.writeLessonPage(record, source: lesson) }
            entries.append((lesson, record, record == nil ? "not run: a lesson it starts from failed" : nil))
        }
        let failures = records.filter { $0?.status != .succeeded }.count
        let index = try site.writeIndex(entries)
        let claims = records.compactMap { $0 }.flatMap(\.expectations)
        let unchecked = claims.filter { !$0.checked }.count
        print(
            "report: \(index.path) — \(claims.filter(\.holds).count) of \(claims.count - unchecked) claims hold"
                + (unchecked > 0 ? " (\(unchecked) not checked in quick mode)" : "")
                + " · \(duration(Date().timeIntervalSince(started))) with --jobs \(jobs)")
        if failures > 0 { throw CommandError("\(failures) lesson(s) did not run to the end") }
        if strict && claims.contains(where: \.fails) {
            throw CommandError("some claims do not hold (--strict)")
        }
    }

    /// The lesson's stored run when it is still valid (and `--rerun` was not asked), else nil.
    func reusable(_ lesson: LessonSource, engine: Engine, say: (String) -> Void) throws -> RunRecord? {
        guard !rerun else { return nil }
        switch try engine.storedRecord(for: lesson, quick: quick) {
        case .found(let stored) where stored.status == .succeeded:
            say("\(lesson.id): reusing the stored run (\(String(format: "%.1f", stored.provenance.runSeconds)) s)")
            return stored
        case .unusable(let reason):
            say("\(lesson.id): \(reason); running it")
            return nil
        default: return nil
        }
    }

    /// One lesson at a time, each streamed to the terminal in full.
    func runInOrder(_ lessons: [LessonSource], engine: Engine) throws -> [RunRecord] {
        try lessons.map { lesson in
            if let stored = try reusable(lesson, engine: engine, say: { print($0) }) { return stored }
            var terminal = TerminalPrinter()
            terminal.header(lesson, settings: [], quick: quick)
            let fresh = try engine.run(lesson, quick: quick) { terminal.show($0) }
            terminal.footer(fresh)
            return fresh
        }
    }

    /// Each lesson's expected run time: the median of its runs in stored sweeps of the same
    /// mode (the course's, shipped in lessons/sweeps, and this workspace's), else 0. Only the
    /// order in which ready lessons start depends on it.
    func expectedSeconds(_ lessons: [LessonSource], engine: Engine) -> [Double] {
        let sweeps = engine.storedSweeps() + Engine.courseSweeps(lessonsDirectory: options.lessonsDirectory)
        return lessons.map { lesson in
            let seconds = sweeps.filter { $0.lessonID == lesson.id && $0.quick == quick }
                .flatMap { $0.runs.map(\.seconds) }.sorted()
            return seconds.isEmpty ? 0 : seconds[seconds.count / 2]
        }
    }

    /// Up to `jobs` lessons at once, each starting once the models it reads are published (or
    /// their lessons have finished: LessonOrder); the terminal gets one line per stage, progress
    /// step and result. A lesson that reads the model of one that failed before publishing it is
    /// not run (nil).
    func runSideBySide(_ lessons: [LessonSource], engine: Engine, pool: String) throws -> [RunRecord?] {
        let order = LessonOrder(lessons, expectedSeconds: expectedSeconds(lessons, engine: engine))
        let cores = HeldCores(pool: pool)
        let lock = NSLock()
        nonisolated(unsafe) var records = [RunRecord?](repeating: nil, count: lessons.count)
        nonisolated(unsafe) var errors: [String] = []
        nonisolated(unsafe) var started = Set<Int>(), finished = Set<Int>(), failed = Set<Int>()
        nonisolated(unsafe) var published: [Int: Set<String>] = [:]
        let printer = JobPrinter()
        let group = DispatchGroup()
        // A running lesson that lessons not yet started wait for is marked in the pool: its
        // pairs of trainings take a free core before the next lesson starts (CorePool.swift).
        @Sendable func markWaitedOn(_ index: Int, _ waitedOn: Bool) {
            let mark = CorePool.waitedOnMark(in: pool, lesson: lessons[index].id)
            if waitedOn {
                _ = FileManager.default.createFile(atPath: mark, contents: nil)
            } else {
                try? FileManager.default.removeItem(atPath: mark)
            }
        }
        // Marked only while a lesson not yet started waits for a model it has not published:
        // once it has, the waiting lesson needs its core more than the lesson's next pair does.
        nonisolated(unsafe) var marked = Set<Int>()
        @Sendable func updateMarks() {   // called holding `lock`
            for index in started {
                let waitedOn = !finished.contains(index) && order.awaits.indices.contains { later in
                    !started.contains(later)
                        && !(order.awaits[later][index] ?? []).isSubset(of: published[index] ?? [])
                }
                guard waitedOn != marked.contains(index) else { continue }
                markWaitedOn(index, waitedOn)
                if waitedOn { marked.insert(index) } else { marked.remove(index) }
            }
        }
        for lesson in lessons { try? FileManager.default.removeItem(atPath: CorePool.waitedOnMark(in: pool, lesson: lesson.id)) }
        // Up to `jobs` slots, each a core the report holds and the lessons it runs one after
        // another. A lesson is chosen once its slot has a core, not before: the lesson most
        // worth starting then (a model it reads may have come out while the slot waited).
        nonisolated(unsafe) var slots = 0, waitingSlots = 0
        // A slot beyond the machine's cores would wait for one the whole report, holding the
        // report's wish for a core (which keeps lessons from a second one).
        let slotCount = min(jobs, Parallel.coreCount)
        if slotCount < jobs { printer.say("--jobs \(jobs) on \(Parallel.coreCount) cores: \(slotCount) lessons at a time") }
        @Sendable func skipUnrunnable() {   // called holding `lock`
            // A lesson whose model source failed does not run on an old or missing model.
            while let skipped = order.ready(started: started, finished: finished, published: published).first(where: {
                order.readsUnpublishedModel($0, failed: failed, published: published)
            }) {
                started.insert(skipped)
                finished.insert(skipped)
                failed.insert(skipped)
                printer.say("\(lessons[skipped].id): not run, a lesson it starts from failed")
            }
        }
        /// The next lesson for a slot that has a core, marked started; nil when none is ready.
        @Sendable func next() -> Int? {   // called holding `lock`
            skipUnrunnable()
            guard let index = order.ready(started: started, finished: finished, published: published).first
            else { return nil }
            started.insert(index)
            return index
        }
        @Sendable func run(_ index: Int) {
            let lesson = lessons[index]
            var record: RunRecord?
            do {   // its stored run, if any, was found stale when it became ready (reuseReady)
                printer.say("\(lesson.id): running")
                record = try engine.run(lesson, quick: quick) { update in
                    printer.show(update, lesson: lesson.id)
                    // The lessons that read this model may start now.
                    if case .modelPublished(let name) = update {
                        lock.withLock {
                            published[index, default: []].insert(LessonOrder.modelKey(name, quick: quick))
                            launchReady()
                        }
                    }
                }
                printer.done(record!)
            } catch {
                printer.say("\(lesson.id): \(error)")
                lock.withLock { errors.append("\(lesson.id): \(error)") }
            }
            lock.withLock {
                records[index] = record
                finished.insert(index)
                if record == nil || record!.status != .succeeded { failed.insert(index) }
            }
        }
        @Sendable func runSlot() {
            // A core, waited for while a ready lesson is left for this slot (another slot with a
            // core may take the last one first: then this one ends).
            let taken = cores.take(while: {
                lock.withLock {
                    order.ready(started: started, finished: finished, published: published).count
                        >= waitingSlots
                }
            })
            // A core that a running lesson hands back often comes with a model it has just
            // published (lesson 11's `answer-first`, from inside its pair): the event travels on the
            // lesson's own pipe and may arrive a moment after the core. Choosing before it is
            // read started lesson 13 where lesson 12, the course's long pole, was due. The pause
            // narrows that race rather than closing it: an event read later still loses.
            if taken != nil && lock.withLock({ !started.isSubset(of: finished) }) {
                Thread.sleep(forTimeInterval: 0.2)
            }
            var index = lock.withLock {
                waitingSlots -= 1
                let index = taken == nil ? nil : next()
                updateMarks()
                return index
            }
            while let current = index {
                run(current)
                // The slot keeps its core for the next ready lesson, unless a lesson that others
                // wait for is waiting for a core: then that one has it, and the slot ends (a new
                // one starts while lessons are ready).
                if CorePool.urgentWish(in: pool) { break }
                index = lock.withLock {
                    let index = next()
                    launchReady()
                    return index
                }
            }
            lock.withLock {
                slots -= 1
                if let taken { cores.give(taken) }
                launchReady()
            }
            group.leave()
        }
        // Lessons whose stored run is still valid end at once, without a core: checked once each,
        // when ready (the models it reads are then this run's).
        nonisolated(unsafe) var checkedForReuse = Set<Int>()
        @Sendable func reuseReady() {   // called holding `lock`
            var reusedOne = true
            while reusedOne {
                reusedOne = false
                skipUnrunnable()
                for index in order.ready(started: started, finished: finished, published: published)
                where checkedForReuse.insert(index).inserted {
                    do {
                        guard let record = try reusable(lessons[index], engine: engine, say: printer.say) else { continue }
                        records[index] = record
                    } catch {
                        printer.say("\(lessons[index].id): \(error)")
                        errors.append("\(lessons[index].id): \(error)")
                        failed.insert(index)
                    }
                    started.insert(index)
                    finished.insert(index)
                    reusedOne = true
                }
            }
        }
        @Sendable func launchReady() {   // called holding `lock`
            reuseReady()
            let ready = order.ready(started: started, finished: finished, published: published).count
            while slots < slotCount && waitingSlots < ready {
                slots += 1
                waitingSlots += 1
                group.enter()
                DispatchQueue.global().async { runSlot() }
            }
            updateMarks()
        }
        lock.withLock { launchReady() }
        group.wait()
        if let first = errors.first { throw CommandError(first) }
        return records
    }
}

/// The cores of a pool that the report holds for its slots (one each). While the report waits
/// for one, lessons take no second core, so one comes free within a training step; a lesson that
/// others wait for, waiting for a second core, has a free one first.
final class HeldCores: @unchecked Sendable {
    private let pool: String
    private let lock = NSLock()
    private var held: Set<Int> = []
    private var waiting = 0
    private var wish: CorePool.Core?

    init(pool: String) { self.pool = pool }

    /// A free core, waited for while `wanted` says so (asked at every poll); nil once it does not.
    func take(while wanted: () -> Bool = { true }) -> CorePool.Core? {
        if let core = tryTake() { return core }
        lock.withLock {
            waiting += 1
            if waiting == 1 { wish = CorePool.want(in: pool) }
        }
        defer {
            lock.withLock {
                waiting -= 1
                if waiting == 0 { wish?.release(); wish = nil }
            }
        }
        while true {
            if let core = tryTake() { return core }
            if !wanted() { return nil }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    private func tryTake() -> CorePool.Core? {
        lock.withLock {
            // A lesson that others wait for, waiting for a second core, has it first.
            guard !CorePool.urgentWish(in: pool),
                let core = CorePool.tryTake(in: pool, skipping: held)
            else { return nil }
            held.insert(core.index)
            return core
        }
    }

    /// Back to the pool.
    func give(_ core: CorePool.Core) {
        lock.withLock {
            held.remove(core.index)
            core.release()
        }
    }
}

/// "12.3 s", "4 min 05 s".
func duration(_ seconds: Double) -> String {
    seconds < 120 ? String(format: "%.1f s", seconds) : String(format: "%d min %02d s", Int(seconds) / 60, Int(seconds) % 60)
}

/// The terminal of a side-by-side report: whole lines, each naming its lesson and starting
/// with the report's elapsed time (so a log shows which lessons overlapped), never two
/// interleaved; a job's progress at most every few seconds.
final class JobPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private var lastProgress: [String: Date] = [:]
    private let started = Date()

    func say(_ line: String) {
        let elapsed = Int(Date().timeIntervalSince(started))
        lock.withLock { print(String(format: "[%2d:%02d] ", elapsed / 60, elapsed % 60) + line) }
    }

    func show(_ update: RunUpdate, lesson: String) {
        switch update {
        case .stage(let stage):
            say("\(lesson): stage \(stage.name) \(stage.outcome.rawValue) in \(duration(stage.seconds))")
        case .progress(let p):
            let now = Date()
            let due = lock.withLock { () -> Bool in
                guard p.step == p.total || now.timeIntervalSince(lastProgress[lesson] ?? .distantPast) > 5 else { return false }
                lastProgress[lesson] = now
                return true
            }
            if due {
                say("\(lesson): \(p.label) \(p.step)/\(p.total)" + (p.loss.map { String(format: ", loss %.4f", $0) } ?? ""))
            }
        case .cellFailed(let index, let message): say("\(lesson): ✗ cell \(index) failed: \(message)")
        case .modelPublished(let name): say("\(lesson): published \(name)")
        case .cellBegan, .output: break
        }
    }

    func done(_ record: RunRecord) {
        let checked = record.expectations.filter(\.checked)
        say("\(record.lessonID): \(record.status == .succeeded ? "done" : record.status.rawValue) in \(duration(record.provenance.runSeconds)); \(checked.filter(\.passed).count) of \(checked.count) expectations hold")
    }
}

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the report's pages and figures from stored runs, recomputing nothing.",
        discussion: """
            Examples:
              tokenwise render
              tokenwise render --quick
            """)

    @Flag(
        help:
            "Render only the runs made with --quick (by default a lesson's full run, else its quick one)."
    )
    var quick = false

    @OptionGroup var options: WorkspaceOptions

    func run() throws {
        let engine = try options.engine()
        let lessons = try Engine.lessons(in: options.lessonsDirectory)
        let site = SiteWriter(engine: engine, lessonsDirectory: options.lessonsDirectory)
        var entries: [(source: LessonSource, record: RunRecord?, note: String?)] = []
        let start = Date()
        for lesson in lessons {
            // Whichever run exists: the full one first (unless --quick), then the quick one.
            var found: RunRecord?, problem: String?
            for runQuick in quick ? [true] : [false, true] where found == nil {
                switch try engine.storedRecord(for: lesson, quick: runQuick, anyVersion: true) {
                case .found(let record): found = record
                case .unusable(let reason): problem = problem ?? reason
                case .none: break
                }
            }
            if let found {
                try site.writeLessonPage(found, source: lesson)
                entries.append((lesson, found, nil))
            } else if let problem {
                print("\(lesson.id): \(problem); not rendered (run it again)")
                entries.append((lesson, nil, problem))
            } else {
                entries.append((lesson, nil, "not run yet"))
            }
        }
        // A report with no runs in it would only replace a good one.
        guard entries.contains(where: { $0.record != nil }) else {
            throw CommandError(
                "no stored runs to render\(quick ? " made with --quick" : ""): run `tokenwise report\(quick ? " --quick" : "")` first"
            )
        }
        let index = try site.writeIndex(entries)
        print(
            String(
                format: "rendered %d pages in %.2f s: %@",
                entries.filter { $0.record != nil }.count + 1, Date().timeIntervalSince(start),
                index.path))
    }
}
