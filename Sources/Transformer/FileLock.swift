// An advisory lock on a file (flock), held while a closure runs: shared for readers, exclusive
// for writers. Processes and threads that open the same lock file take turns; the kernel drops
// a lock when its holder dies, so a killed run never leaves one behind.

import Foundation

public enum FileLock {
    /// Runs `body` holding `mode` (LOCK_SH or LOCK_EX) on the file at `path`, created if missing.
    /// A reader of a folder it may not write (read-only) locks the file that is there.
    public static func holding<T>(_ path: String, _ mode: Int32, _ body: () throws -> T) throws -> T {
        try FileWriteError.naming(path) {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        var descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        let code = errno
        if descriptor < 0 && mode == LOCK_SH && (code == EROFS || code == EACCES) {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
        }
        guard descriptor >= 0 else { throw FileWriteError(path: path, code: code) }
        defer { close(descriptor) }   // closing releases the lock
        while flock(descriptor, mode) != 0 {
            let code = errno
            guard code == EINTR else {
                throw FileLockError(description: "\(path): cannot be locked (\(String(cString: strerror(code))))")
            }
        }
        return try body()
    }
}

public struct FileLockError: Error, CustomStringConvertible {
    public let description: String
}
