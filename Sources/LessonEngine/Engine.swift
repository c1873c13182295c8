// The lesson engine: finds lessons, checks parameters, compiles, runs, and stores run records
// in the workspace (.tokenwise/): runs/<lesson>/<parameters>/record.json, build/ for compiled
// lessons, artifacts/ for expensive stages. Records are written atomically; a record that
// fails to load is reported and the lesson run again.

import Autograd
import Chat
import Transformer
import LessonRuntime
import Foundation

public struct Engine: Sendable {
    public let workspace: URL
    public let toolchain: Toolchain
    public var timeLimit: TimeInterval
    /// Variables set in every lesson's environment (`report --jobs` gives each its share of the
    /// BLAS threads).
    public var childEnvironment: [String: String] = [:]

    public init(workspace: URL, toolchain: Toolchain, timeLimit: TimeInterval = 3600) {
        self.workspace = workspace
        self.toolchain = toolchain
        self.timeLimit = timeLimit
    }

    public var artifactDirectory: URL { workspace.appendingPathComponent("artifacts") }

    // MARK: Finding lessons

    /// The course: lessons/NN-name.swift in number order.
    public static func lessons(in directory: URL) throws -> [LessonSource] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return try names.filter { $0.hasSuffix(".swift") && $0.first?.isNumber == true }.sorted()
            .map { try LessonSource(url: directory.appendingPathComponent($0), course: directory) }
    }

    /// A lesson named by path, by number ("4", "04"), by name ("training") or by file name.
    public static func resolve(_ name: String, in directory: URL) throws -> URL {
        if name.hasSuffix(".swift") || name.contains("/") {
            let url = URL(fileURLWithPath: (name as NSString).expandingTildeInPath)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw LessonError("\(name): no such lesson file")
            }
            return url
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".swift") }.sorted()
        let stem = { (file: String) in String(file.dropLast(".swift".count)) }
        let match =
            names.first { stem($0) == name }
            ?? names.first { file in
                Int(name).map { number in Int(stem(file).prefix { $0.isNumber }) == number }
                    ?? false
            }
            ?? names.first { stem($0).drop { $0.isNumber || $0 == "-" } == name }
        guard let match else {
            let list = names.map(stem).joined(separator: ", ")
            throw LessonError(
                "no lesson '\(name)' in \(LessonSource.display(directory)); there are: \(list.isEmpty ? "none" : list)"
            )
        }
        return directory.appendingPathComponent(match)
    }

    // MARK: Running

    /// Checks parameters, compiles, runs and stores the record. A parameter problem throws
    /// before anything is compiled; a compile error is a record with status compileFailed.
    public func run(
        _ lesson: LessonSource, settings: [String] = [], quick: Bool = false,
        listener: (RunUpdate) -> Void = { _ in }
    ) throws -> RunRecord {
        let parameters = try ParameterValues(
            declarations: lesson.parameters, settings: settings, quick: quick,
            lesson: lesson.displayPath)
        let startedAt = Date()
        let compiler = LessonCompiler(
            toolchain: toolchain, cacheDirectory: workspace.appendingPathComponent("build"))
        var record = RunRecord(
            format: RunRecord.currentFormat, lessonID: lesson.id, title: lesson.title,
            path: lesson.displayPath,
            sourceHash: ArtifactStore.hash(lesson.text), declarations: lesson.parameters,
            parameters: parameters,
            quick: quick, status: .succeeded, compileErrors: [],
            cells: lesson.cells.map {
                CellRecord(cell: $0, status: .notRun, outputs: [], error: nil, seconds: 0)
            },
            stages: [],
            provenance: Provenance(
                codeVersion: toolchain.installedVersion ?? Self.codeVersion(toolchain.packageRoot),
                libraryHash: toolchain.libraryHash,
                machine: Self.machine, startedAt: startedAt, compileSeconds: 0,
                compileCached: false, runSeconds: 0, blasKernel: BLAS.coreName))
        switch try compiler.compile(lesson) {
        case .failed(let errors, let seconds):
            record.status = .compileFailed
            record.compileErrors = errors
            record.provenance.compileSeconds = seconds
        case .compiled(let compiled):
            record.provenance.compileSeconds = compiled.seconds
            record.provenance.compileCached = compiled.cached
            let runner = LessonRunner(
                lesson: lesson, binary: compiled.binary, parameters: parameters, quick: quick,
                artifactDirectory: artifactDirectory, timeLimit: timeLimit,
                environmentOverrides: childEnvironment)
            let outcome = try runner.run(listener: listener)
            record.cells = outcome.cells
            record.stages = outcome.stages
            record.modelsUsed = outcome.modelsUsed
            record.modelsPublished = outcome.modelsPublished
            record.status = outcome.status
            record.provenance.runSeconds = outcome.seconds
        }
        try save(record)
        return record
    }

    // MARK: Records

    public func recordURL(lessonID: String, parameters: ParameterValues, quick: Bool) -> URL {
        let key = ArtifactStore.hash(
            parameters.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                separator: "\n") + "\nquick=\(quick)")
        return workspace.appendingPathComponent("runs").appendingPathComponent(lessonID)
            .appendingPathComponent(key).appendingPathComponent("record.json")
    }

    public func save(_ record: RunRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let url = recordURL(
            lessonID: record.lessonID, parameters: record.parameters, quick: record.quick)
        try AtomicFile.write(try encoder.encode(record), to: url)
    }

    public enum StoredRecord {
        case none
        case found(RunRecord)
        /// A record exists but cannot be used; the reason says why.
        case unusable(String)
    }

    /// The stored record of `lesson` with these settings, if it is still valid for the
    /// current source and library (`anyVersion` skips that check, for re-rendering).
    /// `whatItPublished: false` keeps a record whose published models were replaced since (a
    /// sweep's combinations each publish theirs; its records still hold what they measured).
    public func storedRecord(
        for lesson: LessonSource, settings: [String] = [], quick: Bool, anyVersion: Bool = false,
        whatItPublished: Bool = true
    ) throws -> StoredRecord {
        let parameters = try ParameterValues(
            declarations: lesson.parameters, settings: settings, quick: quick,
            lesson: lesson.displayPath)
        let url = recordURL(lessonID: lesson.id, parameters: parameters, quick: quick)
        guard let data = FileManager.default.contents(atPath: url.path) else { return .none }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let record = try? decoder.decode(RunRecord.self, from: data),
            record.format == RunRecord.currentFormat
        else {
            return .unusable(
                "the stored record \(LessonSource.display(url)) is corrupt or from an older version"
            )
        }
        if !anyVersion {
            if record.sourceHash != ArtifactStore.hash(lesson.text) {
                return .unusable("the lesson changed since its last run")
            }
            if record.provenance.libraryHash != toolchain.libraryHash {
                return .unusable("the library's code changed since the last run")
            }
            if record.provenance.blasKernel != BLAS.coreName {
                return .unusable(
                    "it ran with the BLAS kernel \(record.provenance.blasKernel ?? "unknown"), this is \(BLAS.coreName)")
            }
            // Same source, so the same cells: a record whose cells differ was edited or cut short.
            if record.lessonID != lesson.id || record.cells.map(\.cell) != lesson.cells {
                return .unusable(
                    "the stored record \(LessonSource.display(url)) does not hold the lesson's cells"
                )
            }
            // A lesson about a published model is out of date once that model is replaced
            // (`run 4 --set layers=6` publishes another base model).
            if let name = replacedModel(record.modelsUsed) {
                return .unusable("the model '\(name)' it read was published again since its last run")
            }
            // And one that published a model is out of date once another run replaced it.
            if whatItPublished, let name = replacedModel(record.modelsPublished) {
                return .unusable(
                    "the model '\(name)' it published was replaced since (by a run with other settings)")
            }
        }
        return .found(record)
    }

    /// The first of `models` (name → fingerprint) whose published weights are no longer those.
    func replacedModel(_ models: [String: String]?) -> String? {
        let catalog = ModelCatalog(directory: workspace.appendingPathComponent("models"))
        return (models ?? [:]).sorted { $0.key < $1.key }.first { name, fingerprint in
            catalog.fingerprint(of: name) != fingerprint
        }?.key
    }

    // MARK: Provenance

    static func codeVersion(_ root: URL) -> String {
        guard let git = Toolchain.which("git"),
            let head = try? Subprocess.run(git, ["-C", root.path, "rev-parse", "--short", "HEAD"]),
            head.status == 0
        else { return "unknown" }
        // Measured records (sweeps, written by `sweep --reproduce` too) are data, not code.
        let dirty =
            (try? Subprocess.run(
                git, [
                    "-C", root.path, "status", "--porcelain", "--untracked-files=no", "--", ".",
                    ":(exclude,glob)**/sweeps/**/*.json",
                ]))?.output
            .isEmpty == false
        return head.output.trimmingCharacters(in: .whitespacesAndNewlines)
            + (dirty ? "+changes" : "")
    }

    static let machine: String = {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            info.split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":")
            .last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        var name = utsname()
        uname(&name)
        let system = withUnsafeBytes(of: &name.sysname) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        let release = withUnsafeBytes(of: &name.release) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        return
            "\(model), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(system) \(release)"
    }()
}
