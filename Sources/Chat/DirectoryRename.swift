// Renames that say what they may replace (Linux's renameat2): `moveNoReplace` fails when the
// target exists, so a folder that appeared meanwhile is never deleted; `exchange` swaps two
// paths in one step, so a reader finds the old folder or the new one, never neither.
// Looked up at run time: Glibc's module does not export renameat2. No fallback elsewhere.

import Foundation

public struct RenameError: Error, CustomStringConvertible {
    public let description: String
    /// The errno renameat2 set (EEXIST: the target exists).
    public let code: Int32
}

public enum DirectoryRename {
    private typealias RenameAt2 = @convention(c) (
        Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32
    ) -> Int32

    private static let renameat2: RenameAt2? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }()

    private static let noReplace: UInt32 = 1, exchangeFlag: UInt32 = 2   // RENAME_NOREPLACE, RENAME_EXCHANGE
    private static let currentDirectory: Int32 = -100   // AT_FDCWD

    /// Moves `source` to `target`; throws (code EEXIST) if anything is at `target`.
    public static func moveNoReplace(_ source: URL, to target: URL) throws {
        try call(source, target, noReplace, "cannot be moved to")
    }

    /// Swaps what is at `first` and `second` (both must exist), atomically.
    public static func exchange(_ first: URL, _ second: URL) throws {
        try call(first, second, exchangeFlag, "cannot be swapped with")
    }

    private static func call(_ from: URL, _ to: URL, _ flags: UInt32, _ verb: String) throws {
        guard let renameat2 else {
            throw RenameError(description: "this system's C library has no renameat2", code: ENOSYS)
        }
        while renameat2(currentDirectory, from.path, currentDirectory, to.path, flags) != 0 {
            let code = errno
            guard code == EINTR else {
                throw RenameError(
                    description: "\(from.path) \(verb) \(to.path): \(String(cString: strerror(code)))",
                    code: code)
            }
        }
    }
}
