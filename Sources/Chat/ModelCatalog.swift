// The models a workspace holds by name (.tokenwise/models/base, …/sft …): the course's lessons
// publish each stage's model there, and `tokenwise step --model base` finds it. A name that is
// a directory path is read as it is (our checkpoints, or GPT-2's Hugging Face files).
// A published name is a symbolic link to a hidden versioned folder (`base` → `.base.version-…`):
// publishing writes a new version and renames a new link over the old one, one atomic step, so a
// kill at any point leaves the old model or the new one, never neither.

import Foundation
import Transformer

public struct ModelCatalog {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// Told the name and folder of every model loaded by name: the course records which
    /// published models a lesson read, so its stored run goes stale when one of them changes.
    nonisolated(unsafe) public static var loadObserver: ((String, URL) -> Void)?

    /// A hash of a model folder's weights file ("missing" without one): what the engine keeps
    /// to tell that a published model was replaced.
    public static func fingerprint(_ folder: URL) -> String {
        let url = folder.appendingPathComponent(Checkpoint.weightsFile)
        guard let data = try? Data(contentsOf: url, options: .alwaysMapped) else {
            return "missing"
        }
        return data.withUnsafeBytes { FNV1a.hex($0) }   // the raw buffer: iterating Data is slow
    }

    public func location(of name: String) -> URL { directory.appendingPathComponent(name) }

    /// The stage names published so far.
    public var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Loads `nameOrPath`: an existing directory, or a name published in this catalog.
    public func load(_ nameOrPath: String) throws -> LanguageModel {
        var isDirectory: ObjCBool = false
        if nameOrPath.contains("/")
            || (FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDirectory)
                && isDirectory.boolValue)
        {
            return try LanguageModel.load(from: URL(fileURLWithPath: nameOrPath))
        }
        let url = location(of: nameOrPath)
        let missing = LanguageModelError(
            description:
                "no model '\(nameOrPath)' in \(directory.path) (published: \(names.isEmpty ? "none yet: run the course (tokenwise run 4 trains the base model)" : names.joined(separator: ", "))); or pass a model directory"
        )
        // A look-up creates nothing: no catalog folder (a mistyped --workspace) means no model.
        guard FileManager.default.fileExists(atPath: directory.path) else { throw missing }
        return try locked(LOCK_SH) {   // not while a publisher removes the old version
            guard FileManager.default.fileExists(atPath: url.path) else { throw missing }
            let model = try LanguageModel.load(from: url, name: nameOrPath)
            Self.loadObserver?(nameOrPath, url)
            return model
        }
    }

    /// Runs `body` holding the catalog's lock (flock on .lock): shared for readers, exclusive
    /// for a publisher, so two processes publishing one name, or one reading it, take turns.
    func locked<T>(_ mode: Int32, _ body: () throws -> T) throws -> T {
        let path = directory.appendingPathComponent(".lock").path
        do { return try FileLock.holding(path, mode, body) } catch let error as FileLockError {
            throw LanguageModelError(description: "the model catalog: \(error.description)")
        }
    }

    static let versionInfix = ".version-", linkInfix = ".link-"

    /// Told the catalog and each step of a publish as it is taken ("saved", "linked",
    /// "swapped", "cleaned"): a test checks there that a kill at that point leaves a whole model.
    nonisolated(unsafe) static var publishStepObserver: ((URL, String) -> Void)?

    /// Stores `model` under `name`: a new versioned folder (written outside the lock, the slow
    /// part), then under the lock a new link renamed over the name, then the old version removed.
    /// Returns the fingerprint of what it stored (read under the lock, before anyone replaces it).
    @discardableResult
    public func publish(_ model: LanguageModel, as name: String) throws -> String {
        let fileManager = FileManager.default
        try FileWriteError.naming(directory.path) {
            try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        let owner = "\(getpid())-\(UUID().uuidString)"   // a sweep keeps what a live process owns
        let version = directory.appendingPathComponent(".\(name)\(Self.versionInfix)\(owner)")
        let link = directory.appendingPathComponent(".\(name)\(Self.linkInfix)\(owner)")
        var installed = false
        defer {
            if !installed { try? fileManager.removeItem(at: version) }
            try? fileManager.removeItem(at: link)   // the link once renamed is gone; an old folder after a swap
        }
        try model.save(to: version)
        Self.publishStepObserver?(directory, "saved")
        let target = location(of: name)
        return try locked(LOCK_EX) {
            sweep(name)
            try FileWriteError.naming(link.path) {
                try fileManager.createSymbolicLink(
                    atPath: link.path, withDestinationPath: version.lastPathComponent)
            }
            Self.publishStepObserver?(directory, "linked")
            let previous = try? fileManager.destinationOfSymbolicLink(atPath: target.path)
            if previous == nil && fileManager.fileExists(atPath: target.path) {
                try DirectoryRename.exchange(link, target)   // a folder from before versions: swapped out whole
            } else if rename(link.path, target.path) != 0 {
                throw FileWriteError(path: target.path, code: errno)
            }
            installed = true
            Self.publishStepObserver?(directory, "swapped")
            if let previous, !previous.contains("/") {
                try? fileManager.removeItem(at: directory.appendingPathComponent(previous))
            }
            Self.publishStepObserver?(directory, "cleaned")
            return Self.fingerprint(target)
        }
    }

    /// Removes what killed publishers of `name` left (called holding the exclusive lock):
    /// versions and links whose process is gone and that the name does not point to, and
    /// the `.name-old-UUID` folders of the earlier two-rename publish.
    func sweep(_ name: String) {
        let fileManager = FileManager.default
        let current = try? fileManager.destinationOfSymbolicLink(
            atPath: location(of: name).path)
        for entry in (try? fileManager.contentsOfDirectory(atPath: directory.path)) ?? []
        where entry != current {
            var stale = false
            for infix in [Self.versionInfix, Self.linkInfix] where entry.hasPrefix(".\(name)\(infix)") {
                let owner = entry.dropFirst(name.count + 1 + infix.count)
                if let pid = Int32(owner.prefix { $0 != "-" }), pid != getpid() {
                    stale = kill(pid, 0) != 0 && errno == ESRCH
                }
            }
            let oldPrefix = ".\(name)-old-"
            if entry.hasPrefix(oldPrefix), UUID(uuidString: String(entry.dropFirst(oldPrefix.count))) != nil {
                stale = true
            }
            if stale { try? fileManager.removeItem(at: directory.appendingPathComponent(entry)) }
        }
    }

    /// The fingerprint of the model published as `name` ("missing" without one), read under the
    /// catalog's lock so that a publisher's swap is never seen half done.
    public func fingerprint(of name: String) -> String {
        guard FileManager.default.fileExists(atPath: directory.path) else { return "missing" }
        return (try? locked(LOCK_SH) { Self.fingerprint(location(of: name)) }) ?? "missing"
    }
}
