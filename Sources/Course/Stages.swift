// The course's stages in the artifact store: every key holds, beside the stage's own inputs, a
// hash of the library sources that compute it (hashed at build time by the SourceFingerprints
// plugin), so a change to that code never reuses a stale result. Inputs are typed: a Codable
// value, encoded with sorted keys, is the key. `modelStage` stores the common pair, a model
// and the record of the run that made it.

import Autograd
import Foundation
import LessonRuntime

public enum LibraryCode {
    /// The modules whose code computes what stages store (not the report, figures or engine).
    public static let computingModules = [
        "Autograd", "BytePairEncoding", "TinyWeb", "Transformer", "Chat", "Stepper",
        "LessonRuntime", "Course",
    ]

    /// A hash of the library sources a stage's result depends on: modules ("Transformer") or
    /// single files ("Course/Finetuning.swift"), as this build of the library has them.
    public static func fingerprint(_ sources: [String]) throws -> String {
        let hashes = try Set(sources).sorted().map { source in
            guard let h = SourceFingerprints.modules[source] ?? SourceFingerprints.files[source]
            else {
                throw ArtifactError(
                    description:
                        "a stage depends on \"\(source)\", which is no module or source file of the library"
                )
            }
            return "\(source)=\(h)"
        }
        return ArtifactStore.hash(hashes.joined(separator: "\n"))
    }

    /// `inputs` with the fingerprint of `code` added, and the BLAS kernel that computes (its
    /// sums round in its own order, so a trained result under another kernel is another result);
    /// nothing added for no code.
    static func keyed(_ inputs: [String: String], code: [String]) throws -> [String: String] {
        var inputs = inputs
        if !code.isEmpty {
            inputs["library"] = try fingerprint(code)
            inputs["blas"] = BLAS.coreName
        }
        return inputs
    }
}

/// A Codable value as sorted-key JSON text: the form typed settings take in a stage's key.
public func keyText<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try JSONEncoder.sorted.encode(value), as: UTF8.self)
}

/// A stage whose result is Codable, stored as JSON: `let counts = try stage("counts", inputs:
/// [...]) { ... }`. A lesson's stage may call anything in the library, so by default any change
/// to the code that computes (not to the report's) recomputes it; name narrower `code` where
/// that is known. `root` is the store (tests pass a temporary one).
public func stage<T: Codable>(
    _ name: String, inputs: [String: String],
    code: [String] = LibraryCode.computingModules,
    in root: URL = LessonContext.artifactDirectory,
    compute: () throws -> T
) throws -> T {
    try ArtifactStore.stage(
        name, inputs: try LibraryCode.keyed(inputs, code: code), in: root, compute: compute)
}

/// A stage with its own file format: `save` writes into the directory it is given, `load`
/// reads from it.
public func stage<T>(
    _ name: String, inputs: [String: String],
    code: [String] = LibraryCode.computingModules,
    in root: URL = LessonContext.artifactDirectory,
    load: (URL) throws -> T, save: (T, URL) throws -> Void,
    compute: () throws -> T
) throws -> T {
    try ArtifactStore.stage(
        name, inputs: try LibraryCode.keyed(inputs, code: code), in: root,
        load: load, save: save, compute: compute)
}

/// A stage keyed by typed settings: `inputs` is any Encodable value (a settings struct, a
/// tuple of them in a small struct), hashed as sorted JSON.
public func stage<Inputs: Encodable, T: Codable>(
    _ name: String, settings inputs: Inputs,
    code: [String] = LibraryCode.computingModules,
    compute: () throws -> T
) throws -> T {
    try stage(name, inputs: ["settings": try keyText(inputs)], code: code, compute: compute)
}

/// A model a stage can store: a language model, or lesson 13's reward model.
public protocol StorableModel {
    func save(to directory: URL) throws
    static func load(from directory: URL, name: String) throws -> Self
}

extension LanguageModel: StorableModel {
    public static func load(from directory: URL, name: String) throws -> LanguageModel {
        try load(from: directory, name: Optional(name))
    }
}

extension RewardModel: StorableModel {
    public static func load(from directory: URL, name: String) throws -> RewardModel {
        try load(from: directory)
    }
}

/// Trained models and the record of the run that made them, as one stage keyed by typed
/// settings: each model in a folder of its name, the record as `record.json`.
public func modelStage<Inputs: Encodable, Model: StorableModel, Record: Codable>(
    _ name: String, settings inputs: Inputs, code: [String] = LibraryCode.computingModules,
    models names: [String], compute: () throws -> ([Model], Record)
) throws -> (models: [Model], record: Record) {
    try modelStage(
        name, inputs: ["settings": try keyText(inputs)], code: code, models: names, compute: compute
    )
}

/// The same, keyed by named inputs.
public func modelStage<Model: StorableModel, Record: Codable>(
    _ name: String, inputs: [String: String], code: [String] = LibraryCode.computingModules,
    models names: [String], compute: () throws -> ([Model], Record)
) throws -> (models: [Model], record: Record) {
    let recordFile = "record.json"
    let pair = try stage(
        name, inputs: inputs, code: code,
        load: { directory in
            (
                try names.map {
                    try Model.load(from: directory.appendingPathComponent($0), name: $0)
                },
                try JSONDecoder().decode(
                    Record.self,
                    from: Data(contentsOf: directory.appendingPathComponent(recordFile)))
            )
        },
        save: { pair, directory in
            precondition(
                pair.0.count == names.count,
                "a model stage computed \(pair.0.count) models for \(names.count) names")
            for (model, folder) in zip(pair.0, names) {
                let place = directory.appendingPathComponent(folder)
                try FileManager.default.createDirectory(
                    at: place, withIntermediateDirectories: true)
                try model.save(to: place)
            }
            try JSONEncoder.sorted.encode(pair.1).write(
                to: directory.appendingPathComponent(recordFile))
        }, compute: compute)
    return (pair.0, pair.1)
}

/// One trained language model and its record (the common case), named `modelName`.
public func modelStage<Inputs: Encodable, Record: Codable>(
    _ name: String, settings inputs: Inputs, code: [String] = LibraryCode.computingModules,
    modelName: String, compute: () throws -> (LanguageModel, Record)
) throws -> (model: LanguageModel, record: Record) {
    let stored = try modelStage(name, settings: inputs, code: code, models: [modelName]) {
        let (model, record) = try compute()
        return ([model], record)
    }
    return (stored.models[0], stored.record)
}

/// The same, keyed by named inputs.
public func modelStage<Record: Codable>(
    _ name: String, inputs: [String: String], code: [String] = LibraryCode.computingModules,
    modelName: String, compute: () throws -> (LanguageModel, Record)
) throws -> (model: LanguageModel, record: Record) {
    let stored = try modelStage(name, inputs: inputs, code: code, models: [modelName]) {
        let (model, record) = try compute()
        return ([model], record)
    }
    return (stored.models[0], stored.record)
}
