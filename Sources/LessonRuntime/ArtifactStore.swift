// Expensive stages (train a tokenizer, pretrain a model) are computed once and kept, keyed by
// a hash of everything they depend on, as the caller names it (the course adds the library
// sources that compute them: see Course/Stages.swift). Asking again with the same inputs
// loads the artifact; any change recomputes. An artifact that fails to load is recomputed with
// a warning, never trusted.
// Artifacts are written into a temporary directory and renamed into place, so a crash or a
// second run at the same time never leaves a half-written one.

import Foundation
import Transformer

public enum ArtifactStore {
    /// Bumped when the stored formats change, so old artifacts are not read.
    public static let formatVersion = "1"

    /// A stable 64-bit FNV-1a hash, as 16 hex digits.
    public static func hash(_ text: String) -> String { FNV1a.hex(text) }

    /// The same hash of any bytes (a model's weights, say).
    public static func hash<Bytes: Sequence>(bytes: Bytes) -> String where Bytes.Element == UInt8 {
        FNV1a.hex(bytes)
    }

    /// The key of a stage: its name, its inputs (sorted by name) and the format version.
    public static func key(name: String, inputs: [String: String]) -> String {
        hash(
            ([name, formatVersion]
                + inputs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(
                    separator: "\n"))
    }

    /// Returns the stage's artifact: loaded from `directory` if one is stored for these inputs,
    /// computed and stored otherwise. `save` writes into the directory it is given; `load`
    /// reads from it.
    public static func stage<T>(
        _ name: String, inputs: [String: String],
        in root: URL = LessonContext.artifactDirectory,
        load: (URL) throws -> T, save: (T, URL) throws -> Void, compute: () throws -> T
    ) throws -> T {
        let key = key(name: name, inputs: inputs)
        let directory = root.appendingPathComponent(name).appendingPathComponent(key)
        // One process at a time per stage: a second run that asks for a stage being computed
        // waits and then loads it, instead of computing it again (the lock dies with its holder,
        // so a killed run's stage is computed by the next one that asks).
        let lock = root.appendingPathComponent(name).appendingPathComponent(".\(key).lock").path
        return try FileLock.holding(lock, LOCK_EX) {
            try loadOrCompute(name, key: key, directory: directory, load: load, save: save, compute: compute)
        }
    }

    static func loadOrCompute<T>(
        _ name: String, key: String, directory: URL,
        load: (URL) throws -> T, save: (T, URL) throws -> Void, compute: () throws -> T
    ) throws -> T {
        let complete = directory.appendingPathComponent(".complete")
        var warning: String?
        let start = Date()
        if FileManager.default.fileExists(atPath: complete.path) {
            do {
                try checkManifest(of: directory)
                let value = try load(directory)
                LessonContext.emit(
                    .stage(
                        StageReport(
                            name: name, key: key, outcome: .reused,
                            seconds: Date().timeIntervalSince(start))))
                return value
            } catch {
                warning = "the stored artifact did not load (\(error)); recomputing"
                try? FileManager.default.removeItem(at: directory)
            }
        }
        let value = try compute()
        let seconds = Date().timeIntervalSince(start)
        try store(value, into: directory, save: save)
        LessonContext.emit(
            .stage(
                StageReport(
                    name: name, key: key, outcome: warning == nil ? .computed : .recomputed,
                    seconds: seconds, warning: warning)))
        return value
    }

    /// A Codable stage stored as JSON.
    public static func stage<T: Codable>(
        _ name: String, inputs: [String: String],
        in root: URL = LessonContext.artifactDirectory,
        compute: () throws -> T
    ) throws -> T {
        try stage(
            name, inputs: inputs, in: root,
            load: {
                try JSONDecoder().decode(
                    T.self, from: Data(contentsOf: $0.appendingPathComponent("value.json")))
            },
            save: {
                try JSONEncoder().encode($0).write(to: $1.appendingPathComponent("value.json"))
            },
            compute: compute)
    }

    /// A failure names the stage's folder and says why in words (a read-only or full disk).
    static func store<T>(_ value: T, into directory: URL, save: (T, URL) throws -> Void) throws {
        try FileWriteError.naming(directory.path) { try storeWhole(value, into: directory, save: save) }
    }

    private static func storeWhole<T>(_ value: T, into directory: URL, save: (T, URL) throws -> Void) throws {
        let parent = directory.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        sweepStaging(of: directory)
        let temporary = parent.appendingPathComponent(
            ".\(directory.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        )
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        do {
            try save(value, temporary)
            try Data(try manifest(of: temporary).utf8).write(
                to: temporary.appendingPathComponent(".complete"))
            // The stage's lock is held: a folder already there is one that never completed (a
            // store cut short before its manifest) and goes.
            if FileManager.default.fileExists(atPath: directory.path) {
                try FileManager.default.removeItem(at: directory)
            }
            guard rename(temporary.path, directory.path) == 0 else {
                throw FileWriteError(path: directory.path, code: errno)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}

extension ArtifactStore {
    /// Removes the `.KEY.PID.RANDOM` folders of killed stores of this stage (kill -9 left them,
    /// one per kill). Called holding the stage's lock: whoever wrote one held it too, so is gone.
    static func sweepStaging(of directory: URL) {
        let parent = directory.deletingLastPathComponent()
        let prefix = ".\(directory.lastPathComponent)."
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        where entry.hasPrefix(prefix) {
            let parts = entry.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
            if parts.count == 2 && parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) {
                try? FileManager.default.removeItem(at: parent.appendingPathComponent(entry))
            }
        }
    }

    /// Every file of an artifact with its size and hash, one per line: written into `.complete`
    /// when it is stored, checked before it is loaded, so a file changed afterwards (even into
    /// valid but different JSON) is recomputed, never trusted.
    static func manifest(of directory: URL) throws -> String {
        let base = directory.standardizedFileURL.path + "/"
        guard
            let walker = FileManager.default.enumerator(
                at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        else { return "" }
        var lines: [String] = []
        for case let url as URL in walker
        where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            let name = String(url.standardizedFileURL.path.dropFirst(base.count))
            guard name != ".complete" else { continue }
            let data = try Data(contentsOf: url, options: .alwaysMapped)
            // Over the raw buffer: iterating Data itself runs at about 50 MB/s.
            lines.append("\(name)\t\(data.count)\t\(data.withUnsafeBytes { hash(bytes: $0) })")
        }
        return lines.sorted().joined(separator: "\n")
    }

    static func checkManifest(of directory: URL) throws {
        let recorded = try String(
            contentsOf: directory.appendingPathComponent(".complete"), encoding: .utf8)
        guard !recorded.isEmpty else { return }   // stored before manifests were kept
        let current = try manifest(of: directory)
        guard current == recorded else {
            let changed = Set(current.split(separator: "\n")).symmetricDifference(
                recorded.split(separator: "\n")
            )
            .map { $0.split(separator: "\t")[0] }
            throw ArtifactError(
                description:
                    "its files changed after it was stored (\(Set(changed).sorted().joined(separator: ", ")))"
            )
        }
    }
}

public struct ArtifactError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
