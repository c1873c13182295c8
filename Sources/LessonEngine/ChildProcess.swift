// Child processes (swiftc, compiled lessons): both pipes are read in one poll loop, so
// neither can fill up and stall the child, and the exit is awaited through a termination
// handler (Foundation's waitUntilExit polls, up to 50 ms late). A program the child started
// may keep a pipe open after the child is gone: reading then stops after a short quiet spell
// instead of waiting for it (a time limit must end the run, whatever the lesson left behind).

import Foundation

final class ChildProcess {
    let process: Process
    private let outputPipe = Pipe(), errorPipe = Pipe()
    private let exit = ExitSignal()   // the handler holds this, not self: no retain cycle via process
    private var errorData = Data()

    /// Set once by the termination handler, read by the reading loop.
    private final class ExitSignal: Sendable {
        let semaphore = DispatchSemaphore(value: 0)
        let exited = LockedFlag()
        func signal() { exited.set(); semaphore.signal() }
    }

    /// Starts `process`; `description` names it in the error when it cannot start.
    init(_ process: Process, description: String) throws {
        self.process = process
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        // Nothing to read: a child that reads standard input would otherwise wait on whatever the
        // engine was given (a CI runner's open pipe) for ever.
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { [exit] _ in exit.signal() }
        do { try process.run() } catch {
            throw LessonError("cannot start \(description): \(error.localizedDescription)")
        }
    }

    private var hasExited: Bool { exit.exited.isSet }

    /// Reads until both pipes close (or the child has exited and `grace` seconds pass with
    /// no data), handing standard output to `onOutput` as it arrives; keeps standard error.
    func pump(grace: TimeInterval = 1, onOutput: (Data) -> Void) {
        var fds = [
            pollfd(
                fd: outputPipe.fileHandleForReading.fileDescriptor, events: Int16(POLLIN),
                revents: 0),
            pollfd(
                fd: errorPipe.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0
            ),
        ]
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var quietSince: Date?
        while fds.contains(where: { $0.fd >= 0 }) {
            let ready = poll(&fds, nfds_t(fds.count), 100)
            if ready < 0 && errno != EINTR { break }
            var received = false
            for i in fds.indices where fds[i].fd >= 0 && fds[i].revents != 0 {
                let count = read(fds[i].fd, &buffer, buffer.count)
                if count > 0 {
                    received = true
                    let chunk = Data(buffer[0..<count])
                    if i == 0 { onOutput(chunk) } else { errorData.append(chunk) }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    fds[i].fd = -1   // closed: poll skips negative descriptors
                }
            }
            if received || !hasExited {
                quietSince = nil
            } else if let since = quietSince {
                if Date().timeIntervalSince(since) > grace { break }
            } else {
                quietSince = Date()
            }
        }
    }

    /// Waits for the child to exit (call after `pump`); returns its standard error.
    func wait() -> String {
        exit.semaphore.wait()
        // Closed here, not when the pipes are freed: Foundation's Process on Linux is never
        // freed (AddressSanitizer shows it), and with it the pipes would keep their descriptors.
        try? outputPipe.fileHandleForReading.close()
        try? errorPipe.fileHandleForReading.close()
        return String(decoding: errorData, as: UTF8.self)
    }
}

/// Runs a program to completion, collecting its output.
enum Subprocess {
    struct Result { let status: Int32; let output: String; let errorOutput: String }

    static func run(
        _ executable: String, _ arguments: [String], directory: URL? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let child = try ChildProcess(process, description: executable)
        var output = Data()
        child.pump { output.append($0) }
        let errorOutput = child.wait()
        return Result(
            status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
            errorOutput: errorOutput)
    }
}

/// A flag one thread sets and another reads.
final class LockedFlag: @unchecked Sendable {   // `value` is guarded by `lock`
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
