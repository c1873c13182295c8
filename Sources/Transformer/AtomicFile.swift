// Writing files for the user: whole or not at all (a temporary file beside the target, then a
// rename), and a failure said in plain words that name the file ("cannot write /w/runs/…/record.json:
// Read-only file system"), never Foundation's "NSCocoaErrorDomain Code=642" text.
// Leaves out fsync: a power cut may lose the newest file, a crash never tears one.

import Foundation

/// A file or folder that could not be written, and why, in the system's words.
public struct FileWriteError: Error, CustomStringConvertible, Equatable {
    public let path: String
    /// The errno of the failure (EROFS, ENOSPC, EACCES, …).
    public let code: Int32

    public init(path: String, code: Int32) {
        self.path = path
        self.code = code
    }

    /// Something was at the path already (a create that must not replace it).
    public var exists: Bool { code == EEXIST }

    /// "Read-only file system", "No space left on device", "Permission denied".
    public var reason: String { String(cString: strerror(code)) }

    public var description: String { "cannot write \(path): \(reason)" }

    /// Runs `body`; a file-system failure it throws becomes a `FileWriteError` naming `path`
    /// (one already named passes through unchanged, as does any other error).
    public static func naming<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw converting(error, path: path) }
    }

    /// `error` as a `FileWriteError` naming `path` when it is a file-system failure (a POSIX
    /// code, or Foundation's with the POSIX code it keeps underneath); anything else unchanged.
    public static func converting(_ error: Error, path: String) -> Error {
        if error is FileWriteError { return error }
        guard let code = posixCode(of: error) else { return error }
        return FileWriteError(path: path, code: code)
    }

    static func posixCode(of error: Error) -> Int32? {
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain { return Int32(error.code) }
        guard error.domain == NSCocoaErrorDomain else { return nil }
        // On Linux the POSIX error underneath is a Swift value: `as? NSError` misses it.
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? Error,
            (underlying as NSError).domain == NSPOSIXErrorDomain
        {
            return Int32((underlying as NSError).code)
        }
        switch CocoaError.Code(rawValue: error.code) {
        case .fileWriteNoPermission, .fileReadNoPermission: return EACCES
        case .fileWriteOutOfSpace: return ENOSPC
        case .fileWriteVolumeReadOnly: return EROFS
        case .fileNoSuchFile, .fileReadNoSuchFile: return ENOENT
        case .fileWriteFileExists: return EEXIST
        default: return nil
        }
    }
}

/// Writes a whole file or nothing: readers see the old file or the new one, never a torn one.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        try FileWriteError.naming(url.path) {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = temporaryFile(for: url)
            do {
                try data.write(to: temporary)
                guard rename(temporary.path, url.path) == 0 else {
                    throw FileWriteError(path: url.path, code: errno)
                }
            } catch {
                unlink(temporary.path)   // a full disk leaves it half written
                throw error
            }
        }
    }

    /// Writes a whole new file: like `write`, but if anything is at `url` already (or appears
    /// meanwhile) it is left as it is and a `FileWriteError` with `exists` is thrown (a hard
    /// link of the complete temporary file, which fails rather than replace).
    public static func create(_ data: Data, at url: URL) throws {
        try FileWriteError.naming(url.path) {
            let temporary = temporaryFile(for: url)
            defer { unlink(temporary.path) }
            try data.write(to: temporary)
            guard link(temporary.path, url.path) == 0 else {
                throw FileWriteError(path: url.path, code: errno)
            }
        }
    }

    /// `.NAME.PID.RANDOM.tmp` beside `url`.
    static func temporaryFile(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp")
    }
}
