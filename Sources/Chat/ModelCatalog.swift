// The models a workspace holds by name (.tokenwise/models/base, …/sft …): the course's lessons
// publish each stage's model there, and `tokenwise step --model base` finds it. A name that is
// a directory path is read as it is (our checkpoints, or GPT-2's Hugging Face files).

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
        return try locked(LOCK_SH) {   // not while a publisher swaps the folder
            guard FileManager.default.fileExists(atPath: url.path) else {
                let known =
                    names.isEmpty
                    ? "none yet: run the course (tokenwise run 4 trains the base model)"
                    : names.joined(separator: ", ")
                throw LanguageModelError(
                    description:
                        "no model '\(nameOrPath)' in \(directory.path) (published: \(known)); or pass a model directory"
                )
            }
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

    /// Stores `model` under `name`, replacing what was there only once the new files are complete;
    /// returns the fingerprint of what it stored (read under the lock, before anyone replaces it).
    @discardableResult
    public func publish(_ model: LanguageModel, as name: String) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let staging = directory.appendingPathComponent(".\(name)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }   // gone once moved in; a leftover on failure
        try model.save(to: staging)   // the slow part, outside the lock
        let target = location(of: name)
        return try locked(LOCK_EX) {
            // Under the lock no reader sees the name missing, and no other publisher moves it.
            try AtomicFile.replaceDirectory(target, with: staging)
            return Self.fingerprint(target)
        }
    }

    /// The fingerprint of the model published as `name` ("missing" without one), read under the
    /// catalog's lock so that a publisher's swap is never seen half done.
    public func fingerprint(of name: String) -> String {
        (try? locked(LOCK_SH) { Self.fingerprint(location(of: name)) }) ?? "missing"
    }
}
