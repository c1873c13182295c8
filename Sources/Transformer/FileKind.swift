// What a path is, in words, for errors about input files: a model path that is /dev/zero or a
// FIFO must be named as such (reading one blocks or never ends), not reported as a missing
// file or a permission problem.

import Foundation

public enum FileKind {
    /// "a folder", "a file", "a character device", … for what `path` names (links followed);
    /// nil when nothing is there.
    public static func describe(_ path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return "a folder"
        case S_IFREG: return "a file"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFSOCK: return "a socket"
        default: return "not a file or a folder"
        }
    }

    /// Nil when `url` is a regular file (or missing: the caller says so); otherwise what it is,
    /// so a reader refuses it before opening it.
    public static func notRegularFile(_ url: URL) -> String? {
        guard let kind = describe(url.path), kind != "a file" else { return nil }
        return "\(url.path): is \(kind), not a regular file"
    }
}
