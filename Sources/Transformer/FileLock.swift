// An advisory lock on a file (flock), held while a closure runs: shared for readers, exclusive
// for writers. Processes and threads that open the same lock file take turns; the kernel drops
// a lock when its holder dies, so a killed run never leaves one behind.

import Foundation

public enum FileLock {
    /// Runs `body` holding `mode` (LOCK_SH or LOCK_EX) on the file at `path`, created if missing.
    public static func holding<T>(_ path: String, _ mode: Int32, _ body: () throws -> T) throws -> T {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileLockError(description: "\(path): cannot be opened to lock it") }
        defer { close(descriptor) }   // closing releases the lock
        while flock(descriptor, mode) != 0 {
            guard errno == EINTR else { throw FileLockError(description: "\(path): cannot be locked (errno \(errno))") }
        }
        return try body()
    }
}

public struct FileLockError: Error, CustomStringConvertible {
    public let description: String
}
