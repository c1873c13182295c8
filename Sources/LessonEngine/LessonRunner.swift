// Running a compiled lesson as a child process: parameters go in through the environment,
// events and printed lines come back on standard output and become the cells' outputs as they
// arrive (a listener sees each one, for the terminal). A thrown error or a crash is reported
// in the cell where it happened and the cells after it are marked not run; so is a lesson that
// exits before its last line; a time limit ends a runaway child.

import LessonRuntime
import Foundation

public enum RunUpdate: Sendable {
    case cellBegan(Cell)
    case output(Output, cell: Int)
    case progress(ProgressReport)
    case stage(StageReport)
    case cellFailed(index: Int, message: String)
}

struct LessonRunner {
    let lesson: LessonSource
    let binary: URL
    let parameters: ParameterValues
    let quick: Bool
    let artifactDirectory: URL
    let timeLimit: TimeInterval

    struct Outcome {
        var cells: [CellRecord]
        var stages: [StageReport]
        var modelsUsed: [String: String]
        var status: RunRecord.Status
        var seconds: Double
    }

    /// Printed text a cell keeps (the terminal sees all of it).
    static let textLimit = 4_000_000

    func run(listener: (RunUpdate) -> Void) throws -> Outcome {
        // Marks the child's event lines as ours (see LessonEvent.parse): random per run.
        let eventKey = (0..<2).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined(separator: "-")
        var cells = lesson.cells.map { CellRecord(cell: $0, status: .notRun, outputs: [], error: nil, seconds: 0) }
        var stages: [StageReport] = []
        var modelsUsed: [String: String] = [:]
        let process = Process()
        process.executableURL = binary
        var environment = ProcessInfo.processInfo.environment
        environment["TOKENWISE_ENGINE"] = "1"
        environment["TOKENWISE_QUICK"] = quick ? "1" : "0"
        environment["TOKENWISE_ARTIFACTS"] = artifactDirectory.path
        environment["TOKENWISE_PARAMS"] = String(decoding: try JSONEncoder().encode(parameters.values), as: UTF8.self)
        environment["TOKENWISE_EVENT_KEY"] = eventKey
        // A lesson's own cached stages key on its code (not its prose): editing the loop a
        // stage runs recomputes it, rewording a paragraph does not.
        environment["TOKENWISE_CODE_HASH"] = ArtifactStore.hash(lesson.cells.map(\.code).joined(separator: "\n"))
        process.environment = environment
        let start = Date()
        let child = try ChildProcess(process, description: "the compiled lesson \(binary.path)")
        let timeLimitHit = LockedFlag()   // set on the timer's thread, read here (ThreadSanitizer found the plain var)
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + timeLimit)
        timer.setEventHandler {
            timeLimitHit.set()
            kill(process.processIdentifier, SIGKILL)
        }
        timer.resume()

        var current = 0
        var cellStart = Date()
        var ended = false
        if !cells.isEmpty { cells[0].status = .ok; listener(.cellBegan(cells[0].cell)) }
        func finishCell() { if cells.indices.contains(current) { cells[current].seconds = Date().timeIntervalSince(cellStart) } }

        // Consecutive printed lines form one text block, gathered here and written into the
        // cell when something else arrives (joining as they come would copy the block each line).
        var textLines: [String] = [], textBytes = 0, linesLeftOut = 0
        func closeText() {
            guard !textLines.isEmpty || linesLeftOut > 0, cells.indices.contains(current) else { return }
            if linesLeftOut > 0 { textLines.append("[… \(linesLeftOut) more lines printed, not kept: a cell keeps \(Self.textLimit / 1_000_000) MB of text]") }
            cells[current].outputs.append(.text(textLines.joined(separator: "\n")))
            textLines = []; textBytes = 0; linesLeftOut = 0
        }
        func append(_ output: Output) {
            guard cells.indices.contains(current) else { return }
            if case .text(let text) = output {
                if textBytes + text.utf8.count <= Self.textLimit { textLines.append(text); textBytes += text.utf8.count + 1 } else { linesLeftOut += 1 }
            } else {
                closeText()
                cells[current].outputs.append(output)
            }
            listener(.output(output, cell: current))
        }
        func handle(_ line: Substring) {
            guard let event = LessonEvent.parse(line, key: eventKey) else {
                append(.text(String(line)))
                return
            }
            switch event {
            case .cellBegan(let index):
                // Cell 0 is announced before the child starts; a prose cell 0 announces itself again.
                guard cells.indices.contains(index), index != current || index != 0 else { return }
                closeText()
                finishCell()
                current = index
                cellStart = Date()
                cells[index].status = .ok
                listener(.cellBegan(cells[index].cell))
            case .text(let text): append(.text(text))
            case .figure(let name, let figure): append(.figure(name: name, figure: figure))
            case .table(let table): append(.table(table))
            case .metric(let metric): append(.metric(metric))
            case .expectation(let expectation): append(.expectation(expectation))
            case .stepThrough(let output): append(.stepThrough(output))
            case .progress(let progress):
                listener(.progress(progress))
                guard cells.indices.contains(current) else { return }
                closeText()
                // Keep only the latest report of each piece of work.
                if let last = cells[current].outputs.lastIndex(where: { if case .progress(let p) = $0 { return p.label == progress.label } else { return false } }) {
                    cells[current].outputs[last] = .progress(progress)
                } else {
                    cells[current].outputs.append(.progress(progress))
                }
            case .stage(let report):
                stages.append(report)
                listener(.stage(report))
            case .modelUsed(let name, let fingerprint):
                modelsUsed[name] = fingerprint
            case .ended:
                ended = true
            }
        }

        // Lines are cut from the bytes as they come; `scanned` remembers how far a long line
        // without its newline was already searched, so reading stays linear.
        var pending = Data(), scanned = 0
        child.pump { chunk in
            pending.append(chunk)
            var lineStart = pending.startIndex
            var searchFrom = pending.startIndex + scanned
            while let newline = pending[searchFrom...].firstIndex(of: 0x0A) {
                handle(Substring(String(decoding: pending[lineStart..<newline], as: UTF8.self)))
                lineStart = newline + 1
                searchFrom = lineStart
            }
            if lineStart > pending.startIndex { pending = Data(pending[lineStart...]) }
            scanned = pending.count
        }
        if !pending.isEmpty { handle(Substring(String(decoding: pending, as: UTF8.self))) }
        closeText()

        let stderr = child.wait()
        timer.cancel()
        let timedOut = timeLimitHit.isSet
        finishCell()
        let seconds = Date().timeIntervalSince(start)
        var status = RunRecord.Status.succeeded
        if timedOut || process.terminationStatus != 0 || process.terminationReason == .uncaughtSignal || !ended {
            let message: String
            if timedOut {
                status = .timedOut
                message = "stopped: the lesson ran past its time limit of \(Int(timeLimit)) s"
            } else if process.terminationStatus == 0 && process.terminationReason == .exit {
                status = .failed
                message = "the lesson stopped here without an error (exit status 0, its later lines never ran): did it call exit()?"
            } else {
                status = .failed
                message = Self.failureMessage(stderr: stderr, process: process, lesson: lesson)
            }
            if cells.indices.contains(current) {
                cells[current].status = .failed
                cells[current].error = message
                listener(.cellFailed(index: current, message: message))
            }
            for later in cells.indices where later > current { cells[later].status = .notRun }
        }
        return Outcome(cells: cells, stages: stages, modelsUsed: modelsUsed, status: status, seconds: seconds)
    }

    /// A thrown error or a crash in words, with the lesson line when the runtime names it.
    static func failureMessage(stderr: String, process: Process, lesson: LessonSource) -> String {
        let lines = stderr.split(separator: "\n").map(String.init)
        if let thrown = lines.first(where: { $0.contains("Error raised at top level") }) {
            let detail = thrown.components(separatedBy: "Error raised at top level: ").last ?? thrown
            return "thrown error: \(detail)"
        }
        if let fatal = lines.first(where: { $0.contains("Fatal error") }) {
            return "crashed: \(fatal.trimmingCharacters(in: .whitespaces))"
        }
        let tail = lines.suffix(5).joined(separator: "\n")
        if process.terminationReason == .uncaughtSignal {
            return "crashed with signal \(process.terminationStatus)\(tail.isEmpty ? "" : ":\n" + tail)"
        }
        return "exited with status \(process.terminationStatus)\(tail.isEmpty ? "" : ":\n" + tail)"
    }
}

