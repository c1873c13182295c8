// Running a compiled lesson as a child process: parameters go in through the environment,
// events and printed lines come back on standard output and become the cells' outputs as they
// arrive (a listener sees each one, for the terminal). A thrown error or a crash is reported
// in the cell where it happened and the cells after it are marked not run; a time limit ends a
// runaway child.

import Course
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
        var status: RunRecord.Status
        var seconds: Double
    }

    func run(listener: (RunUpdate) -> Void) throws -> Outcome {
        var cells = lesson.cells.map { CellRecord(cell: $0, status: .notRun, outputs: [], error: nil, seconds: 0) }
        var stages: [StageReport] = []
        let process = Process()
        process.executableURL = binary
        var environment = ProcessInfo.processInfo.environment
        environment["TOKENWISE_ENGINE"] = "1"
        environment["TOKENWISE_QUICK"] = quick ? "1" : "0"
        environment["TOKENWISE_ARTIFACTS"] = artifactDirectory.path
        environment["TOKENWISE_PARAMS"] = String(decoding: try JSONEncoder().encode(parameters.values), as: UTF8.self)
        // A lesson's own cached stages key on its code (not its prose): editing the loop a
        // stage runs recomputes it, rewording a paragraph does not.
        environment["TOKENWISE_CODE_HASH"] = ArtifactStore.hash(lesson.cells.map(\.code).joined(separator: "\n"))
        process.environment = environment
        let start = Date()
        let child = try ChildProcess(process, description: "the compiled lesson \(binary.path)")
        nonisolated(unsafe) var timedOut = false
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + timeLimit)
        timer.setEventHandler {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
        }
        timer.resume()

        var current = 0
        var cellStart = Date()
        if !cells.isEmpty { cells[0].status = .ok; listener(.cellBegan(cells[0].cell)) }
        func finishCell() { if cells.indices.contains(current) { cells[current].seconds = Date().timeIntervalSince(cellStart) } }
        var pending = Data()
        let reader = child.output
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                handle(Substring(line))
            }
        }
        if !pending.isEmpty { handle(Substring(String(decoding: pending, as: UTF8.self))) }

        func handle(_ line: Substring) {
            guard let event = LessonEvent.parse(line) else {
                append(.text(String(line)))
                return
            }
            switch event {
            case .cellBegan(let index):
                // Cell 0 is announced before the child starts; a prose cell 0 announces itself again.
                guard cells.indices.contains(index), index != current || index != 0 else { return }
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
                // Keep only the latest report of each piece of work.
                if let last = cells[current].outputs.lastIndex(where: { if case .progress(let p) = $0 { return p.label == progress.label } else { return false } }) {
                    cells[current].outputs[last] = .progress(progress)
                } else {
                    cells[current].outputs.append(.progress(progress))
                }
            case .stage(let report):
                stages.append(report)
                listener(.stage(report))
            }
        }
        func append(_ output: Output) {
            guard cells.indices.contains(current) else { return }
            // Consecutive printed lines form one text block.
            if case .text(let text) = output, case .text(let previous)? = cells[current].outputs.last {
                cells[current].outputs[cells[current].outputs.count - 1] = .text(previous + "\n" + text)
            } else {
                cells[current].outputs.append(output)
            }
            listener(.output(output, cell: current))
        }

        let stderr = child.wait()
        timer.cancel()
        finishCell()
        let seconds = Date().timeIntervalSince(start)
        var status = RunRecord.Status.succeeded
        if timedOut || process.terminationStatus != 0 || process.terminationReason == .uncaughtSignal {
            let message: String
            if timedOut {
                status = .timedOut
                message = "stopped: the lesson ran past its time limit of \(Int(timeLimit)) s"
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
        return Outcome(cells: cells, stages: stages, status: status, seconds: seconds)
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
