// Running a compiled lesson as a child process: parameters go in through the environment,
// events and printed lines come back on standard output and become the cells' outputs as they
// arrive (a listener sees each one, for the terminal). A thrown error or a crash is reported
// in the cell where it happened and the cells after it are marked not run; so is a lesson that
// exits before its last line; a time limit ends a runaway child.

import LessonRuntime
import Autograd
import Foundation

public enum RunUpdate: Sendable {
    case cellBegan(Cell)
    case output(Output, cell: Int)
    case progress(ProgressReport)
    case stage(StageReport)
    case cellFailed(index: Int, message: String)
    /// The lesson published a model: lessons that read it may start (`tokenwise report`).
    case modelPublished(name: String)
}

struct LessonRunner {
    let lesson: LessonSource
    let binary: URL
    let parameters: ParameterValues
    let quick: Bool
    let artifactDirectory: URL
    let timeLimit: TimeInterval
    /// Set in the lesson's environment over this process's own (a thread budget, say).
    var environmentOverrides: [String: String] = [:]

    struct Outcome {
        var cells: [CellRecord]
        var stages: [StageReport]
        var modelsUsed: [String: String]
        var modelsPublished: [String: String]
        var status: RunRecord.Status
        var seconds: Double
    }

    /// Printed text a cell keeps (the terminal sees all of it).
    static let textLimit = 4_000_000

    func run(listener: (RunUpdate) -> Void) throws -> Outcome {
        // Marks the child's event lines as ours (see LessonEvent.parse): random per run.
        let eventKey = (0..<2).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }
            .joined(separator: "-")
        let process = Process()
        process.executableURL = binary
        process.environment = try environment(eventKey: eventKey)
        let start = Date()
        let child = try ChildProcess(process, description: "the compiled lesson \(binary.path)")
        let timeLimitHit = LockedFlag()   // set on the timer's thread, read here (ThreadSanitizer found the plain var)
        let timer = killAtTimeLimit(process, hit: timeLimitHit)

        var recorder = CellRecorder(cells: lesson.cells, eventKey: eventKey)
        if let update = recorder.start() { listener(update) }
        Self.readLines(from: child) { line in
            if let update = recorder.handle(line) { listener(update) }
        }
        recorder.closeText()

        let stderr = child.wait()
        timer.cancel()
        recorder.finishCell()
        let seconds = Date().timeIntervalSince(start)
        let (status, failure) = judge(
            process, stderr: stderr, timedOut: timeLimitHit.isSet, ended: recorder.ended)
        if let failure, let update = recorder.fail(failure) { listener(update) }
        return Outcome(
            cells: recorder.cells, stages: recorder.stages, modelsUsed: recorder.modelsUsed,
            modelsPublished: recorder.modelsPublished,
            status: status, seconds: seconds)
    }

    /// Ours, plus what the lesson reads (see LessonContext).
    func environment(eventKey: String) throws -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.merging(environmentOverrides) { $1 }
        environment["TOKENWISE_ENGINE"] = "1"
        environment["TOKENWISE_QUICK"] = quick ? "1" : "0"
        environment["TOKENWISE_ARTIFACTS"] = artifactDirectory.path
        environment["TOKENWISE_PARAMS"] = String(
            decoding: try JSONEncoder().encode(parameters.values), as: UTF8.self)
        environment["TOKENWISE_EVENT_KEY"] = eventKey
        // Which lesson this is, for the report's mark on lessons that others wait for.
        environment[CorePool.lessonKey] = lesson.id
        // The lesson stops when this process is gone (see LessonContext.followEngine).
        environment["TOKENWISE_ENGINE_PID"] = String(getpid())
        // A lesson's own cached stages key on its code (not its prose): editing the loop a
        // stage runs recomputes it, rewording a paragraph does not.
        environment["TOKENWISE_CODE_HASH"] = ArtifactStore.hash(
            lesson.cells.map(\.code).joined(separator: "\n"))
        return environment
    }

    /// Kills `process` once the time limit has passed, and says so in `hit`.
    func killAtTimeLimit(_ process: Process, hit: LockedFlag) -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + timeLimit)
        timer.setEventHandler {
            hit.set()
            kill(process.processIdentifier, SIGKILL)
        }
        timer.resume()
        return timer
    }

    /// The child's standard output, line by line, until it closes; a last line without its
    /// newline too.
    static func readLines(from child: ChildProcess, _ line: (Substring) -> Void) {
        // Lines are cut from the bytes as they come; `scanned` remembers how far a long line
        // without its newline was already searched, so reading stays linear.
        var pending = Data(), scanned = 0
        child.pump { chunk in
            pending.append(chunk)
            var lineStart = pending.startIndex
            var searchFrom = pending.startIndex + scanned
            while let newline = pending[searchFrom...].firstIndex(of: 0x0A) {
                line(Substring(String(decoding: pending[lineStart..<newline], as: UTF8.self)))
                lineStart = newline + 1
                searchFrom = lineStart
            }
            if lineStart > pending.startIndex { pending = Data(pending[lineStart...]) }
            scanned = pending.count
        }
        if !pending.isEmpty { line(Substring(String(decoding: pending, as: UTF8.self))) }
    }

    /// The run's status, and for a failed run what its cell says.
    func judge(
        _ process: Process, stderr: String, timedOut: Bool, ended: Bool
    ) -> (RunRecord.Status, failure: String?) {
        if timedOut {
            return (.timedOut, "stopped: the lesson ran past its time limit of \(Int(timeLimit)) s")
        }
        guard
            process.terminationStatus != 0 || process.terminationReason == .uncaughtSignal || !ended
        else {
            return (.succeeded, nil)
        }
        if process.terminationStatus == 0 && process.terminationReason == .exit {
            return (
                .failed,
                "the lesson stopped here without an error (exit status 0, its later lines never ran): did it call exit()?"
            )
        }
        return (.failed, Self.failureMessage(stderr: stderr, process: process, lesson: lesson))
    }

    /// A thrown error or a crash in words, with the lesson line when the runtime names it.
    static func failureMessage(stderr: String, process: Process, lesson: LessonSource) -> String {
        let lines = stderr.split(separator: "\n").map(String.init)
        if let thrown = lines.first(where: { $0.contains("Error raised at top level") }) {
            let detail =
                thrown.components(separatedBy: "Error raised at top level: ").last ?? thrown
            return "thrown error: \(detail)"
        }
        if let fatal = lines.first(where: { $0.contains("Fatal error") }) {
            return "crashed: \(fatal.trimmingCharacters(in: .whitespaces))"
        }
        let tail = lines.suffix(5).joined(separator: "\n")
        if process.terminationReason == .uncaughtSignal {
            return
                "crashed with signal \(process.terminationStatus)\(tail.isEmpty ? "" : ":\n" + tail)"
        }
        return "exited with status \(process.terminationStatus)\(tail.isEmpty ? "" : ":\n" + tail)"
    }
}

/// The cells as the child's lines fill them: which cell is running, its outputs, the stages
/// and models the lesson reported. Each step returns what the listener is to see, if anything.
struct CellRecorder {
    var cells: [CellRecord]
    var stages: [StageReport] = []
    var modelsUsed: [String: String] = [:]
    var modelsPublished: [String: String] = [:]
    /// Whether the lesson reached its end marker.
    var ended = false
    let eventKey: String
    var current = 0
    var cellStart = Date()
    // Consecutive printed lines form one text block, gathered here and written into the
    // cell when something else arrives (joining as they come would copy the block each line).
    var textLines: [String] = [], textBytes = 0, linesLeftOut = 0

    init(cells: [Cell], eventKey: String) {
        self.cells = cells.map {
            CellRecord(cell: $0, status: .notRun, outputs: [], error: nil, seconds: 0)
        }
        self.eventKey = eventKey
    }

    /// Cell 0 begins before the child prints anything.
    mutating func start() -> RunUpdate? {
        guard !cells.isEmpty else { return nil }
        cells[0].status = .ok
        return .cellBegan(cells[0].cell)
    }

    mutating func handle(_ line: Substring) -> RunUpdate? {
        guard let event = LessonEvent.parse(line, key: eventKey) else {
            return append(.text(String(line)))
        }
        switch event {
        case .cellBegan(let index): return begin(index)
        case .text(let text): return append(.text(text))
        case .figure(let name, let figure): return append(.figure(name: name, figure: figure))
        case .table(let table): return append(.table(table))
        case .metric(let metric): return append(.metric(metric))
        case .expectation(let expectation): return append(.expectation(expectation))
        case .stepThrough(let output): return append(.stepThrough(output))
        case .progress(let progress): keepLatest(progress); return .progress(progress)
        case .stage(let report): stages.append(report); return .stage(report)
        case .modelUsed(let name, let fingerprint): modelsUsed[name] = fingerprint; return nil
        case .modelPublished(let name, let fingerprint):
            modelsPublished[name] = fingerprint
            return .modelPublished(name: name)
        case .ended: ended = true; return nil
        }
    }

    mutating func begin(_ index: Int) -> RunUpdate? {
        // Cell 0 is announced before the child starts; a prose cell 0 announces itself again.
        guard cells.indices.contains(index), index != current || index != 0 else { return nil }
        closeText()
        finishCell()
        current = index
        cellStart = Date()
        cells[index].status = .ok
        return .cellBegan(cells[index].cell)
    }

    mutating func append(_ output: Output) -> RunUpdate? {
        guard cells.indices.contains(current) else { return nil }
        if case .text(let text) = output {
            if textBytes + text.utf8.count <= LessonRunner.textLimit {
                textLines.append(text); textBytes += text.utf8.count + 1
            } else {
                linesLeftOut += 1
            }
        } else {
            closeText()
            cells[current].outputs.append(output)
        }
        return .output(output, cell: current)
    }

    /// Keeps only the latest report of each piece of work.
    mutating func keepLatest(_ progress: ProgressReport) {
        guard cells.indices.contains(current) else { return }
        closeText()
        if let last = cells[current].outputs.lastIndex(where: {
            if case .progress(let p) = $0 { return p.label == progress.label } else { return false }
        }) {
            cells[current].outputs[last] = .progress(progress)
        } else {
            cells[current].outputs.append(.progress(progress))
        }
    }

    mutating func closeText() {
        guard !textLines.isEmpty || linesLeftOut > 0, cells.indices.contains(current) else {
            return
        }
        if linesLeftOut > 0 {
            textLines.append(
                "[… \(linesLeftOut) more lines printed, not kept: a cell keeps \(LessonRunner.textLimit / 1_000_000) MB of text]"
            )
        }
        cells[current].outputs.append(.text(textLines.joined(separator: "\n")))
        textLines = []; textBytes = 0; linesLeftOut = 0
    }

    mutating func finishCell() {
        if cells.indices.contains(current) {
            cells[current].seconds = Date().timeIntervalSince(cellStart)
        }
    }

    /// The running cell failed with `message`; the cells after it never ran.
    mutating func fail(_ message: String) -> RunUpdate? {
        for later in cells.indices where later > current { cells[later].status = .notRun }
        guard cells.indices.contains(current) else { return nil }
        cells[current].status = .failed
        cells[current].error = message
        return .cellFailed(index: current, message: message)
    }
}
