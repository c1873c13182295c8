// The models a workspace holds by name (.tokenwise/models/base, …/sft …): the course's lessons
// publish each stage's model there, and `tokenwise step --model base` finds it. A name that is
// a directory path is read as it is (our checkpoints, or GPT-2's Hugging Face files).

import Foundation

public struct ModelCatalog {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    public func location(of name: String) -> URL { directory.appendingPathComponent(name) }

    /// The stage names published so far.
    public var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Loads `nameOrPath`: an existing directory, or a name published in this catalog.
    public func load(_ nameOrPath: String) throws -> LanguageModel {
        var isDirectory: ObjCBool = false
        if nameOrPath.contains("/") || (FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDirectory) && isDirectory.boolValue) {
            return try LanguageModel.load(from: URL(fileURLWithPath: nameOrPath))
        }
        let url = location(of: nameOrPath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            let known = names.isEmpty ? "none yet: run the course (tokenwise run 4 trains the base model)" : names.joined(separator: ", ")
            throw LanguageModelError(description: "no model '\(nameOrPath)' in \(directory.path) (published: \(known)); or pass a model directory")
        }
        return try LanguageModel.load(from: url, name: nameOrPath)
    }

    /// Stores `model` under `name`, replacing what was there only once the new files are complete.
    public func publish(_ model: LanguageModel, as name: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let staging = directory.appendingPathComponent(".\(name)-\(UUID().uuidString)")
        try model.save(to: staging)
        let target = location(of: name)
        if FileManager.default.fileExists(atPath: target.path) {
            // Move the old one aside, the new one in, then delete the old: a reader sees the
            // old model or the new one, never a mixture.
            let old = directory.appendingPathComponent(".\(name)-old-\(UUID().uuidString)")
            try FileManager.default.moveItem(at: target, to: old)
            try FileManager.default.moveItem(at: staging, to: target)
            try? FileManager.default.removeItem(at: old)
        } else {
            try FileManager.default.moveItem(at: staging, to: target)
        }
    }
}
