import Foundation
import Testing
@testable import Transformer

@Suite struct AtomicFileTests {
    /// Issue 34: a write that failed showed Foundation's text ("NSCocoaErrorDomain Code=…").
    @Test func aFailedWriteNamesTheFileAndSaysWhyInWords() throws {
        let directory = temporaryDirectory()
        let file = directory.appendingPathComponent("notes.txt")
        try Data("a file, not a folder".utf8).write(to: file)
        let target = file.appendingPathComponent("runs/record.json")
        #expect(throws: FileWriteError(path: target.path, code: ENOTDIR)) {
            try AtomicFile.write(Data("{}".utf8), to: target)
        }
        do { try AtomicFile.write(Data("{}".utf8), to: target) } catch {
            #expect("\(error)" == "cannot write \(target.path): Not a directory")
        }
        let page = directory.appendingPathComponent("missing/page.html")
        #expect(throws: FileWriteError(path: page.path, code: ENOENT)) {
            try AtomicFile.create(Data("<p>".utf8), at: page)
        }
    }

    /// What a read-only or full disk gives Foundation's writers (they keep the POSIX code
    /// underneath, or only their own code) reads as the system's words.
    @Test func foundationsFileErrorsBecomeTheSystemsWords() {
        let readOnly = NSError(
            domain: NSCocoaErrorDomain, code: CocoaError.fileWriteVolumeReadOnly.rawValue,
            userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EROFS))])
        #expect("\(FileWriteError.converting(readOnly, path: "/w/x"))" == "cannot write /w/x: Read-only file system")
        let full = NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteOutOfSpace.rawValue)
        #expect("\(FileWriteError.converting(full, path: "/w/x"))" == "cannot write /w/x: No space left on device")
        let denied = NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteNoPermission.rawValue)
        #expect("\(FileWriteError.converting(denied, path: "/w/x"))" == "cannot write /w/x: Permission denied")
        let named = FileWriteError(path: "/w/inner", code: ENOSPC)
        #expect(FileWriteError.converting(named, path: "/w") as? FileWriteError == named)   // already named: kept
        struct Other: Error {}
        #expect(FileWriteError.converting(Other(), path: "/w") is Other)
    }
}
