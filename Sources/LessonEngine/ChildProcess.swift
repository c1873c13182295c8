// Child processes (swiftc, compiled lessons): standard error is read on a second thread so
// neither pipe can fill up and stall the child, and the exit is awaited through a
// termination handler (Foundation's waitUntilExit polls, up to 50 ms late).

import Foundation

final class ChildProcess: @unchecked Sendable {   // errorData is written once, before `wait` returns
    let process: Process
    /// The child's standard output, to read as it arrives.
    let output: FileHandle
    private let exited = DispatchSemaphore(value: 0)
    private let errorRead = DispatchGroup()
    private var errorData = Data()

    /// Starts `process`; `description` names it in the error when it cannot start.
    init(_ process: Process, description: String) throws {
        self.process = process
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        output = out.fileHandleForReading
        process.terminationHandler = { [exited] _ in exited.signal() }
        do { try process.run() } catch { throw LessonError("cannot start \(description): \(error.localizedDescription)") }
        errorRead.enter()
        DispatchQueue.global().async { [self] in
            errorData = err.fileHandleForReading.readDataToEndOfFile()
            errorRead.leave()
        }
    }

    /// Waits for the child to exit; returns its standard error.
    func wait() -> String {
        errorRead.wait()
        exited.wait()
        return String(decoding: errorData, as: UTF8.self)
    }
}

/// Runs a program to completion, collecting its output.
enum Subprocess {
    struct Result { let status: Int32; let output: String; let errorOutput: String }

    static func run(_ executable: String, _ arguments: [String], directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let child = try ChildProcess(process, description: executable)
        let output = child.output.readDataToEndOfFile()
        let errorOutput = child.wait()
        return Result(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self), errorOutput: errorOutput)
    }
}
