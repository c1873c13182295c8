// A sweep: one lesson run over a grid of settings (`tokenwise sweep 7 --set lr=1e-4,3e-4
// --set seed=1,2,3`), every combination a normal run — so stages that a combination does not
// change are reused from the store — and one record of every claim and metric against every
// combination, with its provenance (commit, the lesson's code, CPU, BLAS kernel, date). It is
// how a claim is shown to travel across seeds, and how a learner asks what a setting does.
// Every value of the grid is checked before anything runs.

import Autograd
import Foundation
import LessonRuntime
import Transformer

/// The combinations of a sweep: `key=a,b` gives one key's values; several keys give every
/// combination, the first key varying slowest.
public struct SweepGrid: Codable, Equatable, Sendable {
    /// The keys in the order given, each with its values.
    public let axes: [Axis]

    public struct Axis: Codable, Equatable, Sendable {
        public let key: String
        public let values: [String]
    }

    /// Reads `--set key=a,b,c` settings. A key given twice, an empty value or a setting
    /// without `=` is an error naming it.
    public init(settings: [String]) throws {
        var axes: [Axis] = []
        for setting in settings {
            guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
                throw LessonError("--set \(setting): expected name=value or name=a,b,c")
            }
            let key = String(setting[..<equals])
            let values = setting[setting.index(after: equals)...].split(
                separator: ",", omittingEmptySubsequences: false
            ).map { $0.trimmingCharacters(in: .whitespaces) }
            guard !values.contains(where: \.isEmpty) else {
                throw LessonError("--set \(setting): an empty value in the list")
            }
            guard !axes.contains(where: { $0.key == key }) else {
                throw LessonError("--set \(key): given twice; list its values once (\(key)=a,b,c)")
            }
            axes.append(Axis(key: key, values: values))
        }
        self.axes = axes
    }

    /// Every combination as `--set` settings, the first key varying slowest.
    public var combinations: [[String]] {
        axes.reduce([[]]) { partial, axis in
            partial.flatMap { prefix in axis.values.map { prefix + ["\(axis.key)=\($0)"] } }
        }
    }

    /// The key a sweep page plots each claim against: the first varying key whose values are
    /// all numbers, a seed only when no other such key varies.
    public var numericAxis: Axis? {
        let numeric = axes.filter { $0.values.count > 1 && $0.values.allSatisfy { Double($0) != nil } }
        return numeric.first { $0.key != "seed" } ?? numeric.first
    }

    /// A short stable name for file names: the hash of the grid.
    public var key: String {
        ArtifactStore.hash(axes.map { "\($0.key)=\($0.values.joined(separator: ","))" }
            .joined(separator: "\n"))
    }
}

/// What a sweep measured, stored as JSON and drawn as a page.
public struct SweepRecord: Codable, Equatable, Sendable {
    public static let currentFormat = 1

    public struct Run: Codable, Equatable, Sendable {
        /// This combination's settings, key → value.
        public let settings: [String: String]
        public let status: RunRecord.Status
        public let claims: [ExpectationResult]
        public let metrics: [Metric]
        public let seconds: Double
        /// Whether the run was a stored one, reused.
        public let reused: Bool
        /// When, with which code and BLAS kernel this run was measured (a reused run keeps its own).
        public let measured: Date
        public let commit: String
        public let blasKernel: String
        /// The published models it read, name → fingerprint: another lesson's sweep leaves its
        /// last combination's models in the catalog, and a run on them is not the page's run.
        public var modelsUsed: [String: String]? = nil
    }

    /// Where and when a sweep was asked for: enough to tell whether a number on a page can be
    /// compared with one measured here and now (each run also keeps its own date, commit and
    /// kernel: a run reused from the store was measured when it ran).
    public struct Provenance: Codable, Equatable, Sendable {
        public let date: Date
        public let commit: String
        /// The lesson's code (prose left out): a record whose lesson changed since is stale.
        public let lessonCode: String
        public let libraryHash: String
        public let machine: String
        /// The CPU's vector extensions that change BLAS kernels (avx2, fma, avx512f).
        public let cpuFlags: [String]
        /// OpenBLAS's kernel: OPENBLAS_CORETYPE if set, else the one it detects.
        public let blasCoreType: String
        /// Later code that computed the same numbers (`tokenwise sweep --reproduce`).
        public var reproduced: [Reproduction]? = nil
    }

    /// Later code (another library or lesson version) whose run of the sweep's default-settings
    /// combination, on the same BLAS kernel, gave every claim and every metric but the timings
    /// exactly as the sweep measured them: evidence that the sweep's other runs are what this
    /// code computes too (a change that keeps every float, like a faster hash, leaves them so).
    public struct Reproduction: Codable, Equatable, Sendable {
        public let date: Date
        public let commit: String
        public let lessonCode: String
        public let libraryHash: String
        public let machine: String
        /// The combination re-run, key → value.
        public let settings: [String: String]
    }

    /// Whether the sweep's numbers are those of this code: measured with it, or reproduced by it.
    public func isCurrent(lessonCode: String, libraryHash: String) -> Bool {
        (provenance.lessonCode == lessonCode && provenance.libraryHash == libraryHash)
            || (provenance.reproduced ?? []).contains {
                $0.lessonCode == lessonCode && $0.libraryHash == libraryHash
            }
    }

    public var format: Int
    public let lessonID: String
    public let title: String
    public let grid: SweepGrid
    public let quick: Bool
    public var runs: [Run]
    public var provenance: Provenance

    /// The name its record and its page share: the grid, the BLAS kernel and the lesson's code,
    /// so a sweep on another kernel, or after the lesson changed, is kept beside the old one.
    public var fileStem: String {
        let kernel = provenance.blasCoreType.prefix { $0.isLetter || $0.isNumber }
        return "\(grid.key)-\(kernel)-\(provenance.lessonCode.prefix(8))\(quick ? "-quick" : "")"
    }

    /// Each claim's text, in the order the first run made them.
    public var claimTexts: [String] {
        var seen = Set<String>()
        return runs.flatMap { $0.claims.map(\.claim) }.filter { seen.insert($0).inserted }
    }

    /// Each metric's full name (a rate's numbers included), in order of first appearance.
    public var metricNames: [String] {
        var seen = Set<String>()
        return runs.flatMap { $0.metrics.map(\.name) }.filter { seen.insert($0).inserted }
    }

    /// "holds in 2 of 3 runs" for a claim (runs that did not check it left out), over the
    /// runs `counted` keeps.
    public func tally(
        of claim: String, counting counted: (Run) -> Bool = { _ in true }
    ) -> (held: Int, checked: Int) {
        let results = runs.filter(counted).compactMap { run in run.claims.first { $0.claim == claim } }
            .filter(\.checked)
        return (results.filter(\.passed).count, results.count)
    }
}

extension SweepRecord.Run {
    /// What differs between two runs' claims and metrics, timings aside (metrics in seconds or
    /// tokens per second): empty when the same code computed both.
    public func differences(from other: SweepRecord.Run) -> [String] {
        // Every number in full (a claim's text rounds it), in order: the same list or not.
        func results(_ run: SweepRecord.Run) -> [String] {
            run.claims.map {
                "claim \($0.claim): \($0.checked ? ($0.passed ? "holds" : "fails") : "unchecked"), "
                    + "\($0.measured) [\($0.value.map { "\($0)" } ?? "–") against \($0.threshold.map { "\($0)" } ?? "–")]"
            }
                + run.metrics.filter { !["s", "tokens/s"].contains($0.unit) }.map {
                    "metric \($0.name): \($0.value) \($0.unit)"
                }
        }
        let mine = results(self), theirs = results(other)
        guard mine != theirs else { return [] }
        let named = mine.filter { !theirs.contains($0) } + theirs.filter { !mine.contains($0) }
        return named.isEmpty ? ["the same results in another order or number"] : named
    }

    /// Whether this run used `values` for every setting it was given except those in `ignoring`
    /// ("1e-3" and "0.001" are the same number).
    public func uses(_ values: [String: String], ignoring: Set<String>) -> Bool {
        settings.allSatisfy { key, value in
            guard !ignoring.contains(key), let other = values[key] else { return true }
            if let a = Double(value), let b = Double(other) { return a == b }
            return value == other
        }
    }
}

extension Engine {
    /// Where sweeps of `lessonID` are kept.
    public func sweepsDirectory(lessonID: String) -> URL {
        workspace.appendingPathComponent("sweeps").appendingPathComponent(lessonID)
    }

    /// Runs `lesson` once per combination of `grid` (reusing a still-valid stored run of a
    /// combination), stores the sweep's record and returns it. Every combination's values are
    /// checked before anything runs. `progress` hears each run as it starts (index from 1).
    public func sweep(
        _ lesson: LessonSource, grid: SweepGrid, quick: Bool,
        progress: (_ index: Int, _ total: Int, _ settings: [String]) -> Void = { _, _, _ in },
        listener: (RunUpdate) -> Void = { _ in }
    ) throws -> SweepRecord {
        let combinations = grid.combinations
        guard !grid.axes.isEmpty else { throw LessonError("a sweep needs at least one --set key=a,b") }
        for settings in combinations {
            _ = try ParameterValues(
                declarations: lesson.parameters, settings: settings, quick: quick,
                lesson: lesson.displayPath)
        }
        var sweep = SweepRecord(
            format: SweepRecord.currentFormat, lessonID: lesson.id, title: lesson.title, grid: grid,
            quick: quick, runs: [],
            provenance: .init(
                date: Date(), commit: toolchain.installedVersion ?? Self.codeVersion(toolchain.packageRoot),
                lessonCode: Self.codeHash(of: lesson), libraryHash: toolchain.libraryHash,
                machine: Self.machine, cpuFlags: Self.cpuFlags, blasCoreType: Self.blasCoreType))
        for (index, settings) in combinations.enumerated() {
            progress(index + 1, combinations.count, settings)
            var reused = false
            let record: RunRecord
            // Each combination publishes its models over the last one's: its stored run still
            // holds what it measured, so a sweep reuses it all the same, except the last, whose
            // models must be the catalog's when the sweep ends (lessons after it read them).
            let last = index == combinations.count - 1
            if case .found(let stored) = try storedRecord(
                for: lesson, settings: settings, quick: quick, whatItPublished: last),
                stored.status == .succeeded
            {
                record = stored
                reused = true
            } else {
                record = try run(lesson, settings: settings, quick: quick, listener: listener)
            }
            let values = Dictionary(
                uniqueKeysWithValues: settings.map { setting -> (String, String) in
                    let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
                    return (parts[0], parts[1])
                })
            sweep.runs.append(
                SweepRecord.Run(
                    settings: values, status: record.status, claims: record.expectations,
                    metrics: record.metrics, seconds: record.provenance.runSeconds, reused: reused,
                    measured: record.provenance.startedAt, commit: record.provenance.codeVersion,
                    blasKernel: record.provenance.blasKernel ?? "unknown", modelsUsed: record.modelsUsed))
            try save(sweep)   // after every run: a sweep stopped part way keeps what it measured
        }
        return sweep
    }

    /// What `reproduce` found for one stored sweep.
    public enum Reproduced {
        /// Measured with this code already, or reproduced by it before.
        case alreadyCurrent
        /// The re-run matched: the record now says so.
        case reproduced(SweepRecord.Reproduction)
        /// The re-run differs: the record stays stale.
        case differs([String])
        /// Not checkable here: another BLAS kernel, quick settings, or no run at the defaults.
        case notHere(String)
    }

    /// Re-runs the default-settings run of a stored sweep (`file`, the lesson's) with this code
    /// and this BLAS kernel (a still-valid stored run is reused); where its claims and metrics,
    /// timings aside, equal the sweep's, adds a `Reproduction` to the sweep's file.
    public func reproduce(
        _ stored: SweepRecord, file: URL, of lesson: LessonSource,
        listener: (RunUpdate) -> Void = { _ in }
    ) throws -> Reproduced {
        let (code, library) = (Self.codeHash(of: lesson), toolchain.libraryHash)
        if stored.isCurrent(lessonCode: code, libraryHash: library) { return .alreadyCurrent }
        guard !stored.quick else { return .notHere("a quick sweep") }
        let kernel = String(stored.provenance.blasCoreType.prefix { $0.isLetter || $0.isNumber })
        guard kernel == BLAS.coreName else {
            return .notHere("measured with OpenBLAS's \(kernel) kernel, this process runs \(BLAS.coreName)")
        }
        func settings(_ run: SweepRecord.Run) -> [String] {
            run.settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        }
        let atDefaults = stored.runs.first { run in
            (try? ParameterValues(
                declarations: lesson.parameters, settings: settings(run), quick: false,
                lesson: lesson.displayPath).changed.isEmpty) ?? false
        }
        guard let atDefaults else { return .notHere("no run at the lesson's default settings") }
        guard atDefaults.blasKernel == BLAS.coreName else {
            return .notHere("its run at the defaults was measured with OpenBLAS's \(atDefaults.blasKernel) kernel")
        }
        let record: RunRecord
        if case .found(let found) = try storedRecord(for: lesson, settings: settings(atDefaults), quick: false),
            found.status == .succeeded
        {
            record = found
        } else {
            record = try run(lesson, settings: settings(atDefaults), quick: false, listener: listener)
        }
        let rerun = SweepRecord.Run(
            settings: atDefaults.settings, status: record.status, claims: record.expectations,
            metrics: record.metrics, seconds: record.provenance.runSeconds, reused: true,
            measured: record.provenance.startedAt, commit: record.provenance.codeVersion,
            blasKernel: record.provenance.blasKernel ?? "unknown", modelsUsed: record.modelsUsed)
        let differences = rerun.status == atDefaults.status ? rerun.differences(from: atDefaults) : ["the run \(rerun.status)"]
        guard differences.isEmpty else { return .differs(differences) }
        let reproduction = SweepRecord.Reproduction(
            date: Date(), commit: toolchain.installedVersion ?? Self.codeVersion(toolchain.packageRoot),
            lessonCode: code, libraryHash: library, machine: Self.machine, settings: atDefaults.settings)
        var updated = stored
        updated.provenance.reproduced = (stored.provenance.reproduced ?? []) + [reproduction]
        try write(updated, to: file)
        return .reproduced(reproduction)
    }

    /// The stored sweep's file.
    public func sweepURL(_ sweep: SweepRecord) -> URL {
        sweepsDirectory(lessonID: sweep.lessonID).appendingPathComponent("\(sweep.fileStem).json")
    }

    public func save(_ sweep: SweepRecord) throws { try write(sweep, to: sweepURL(sweep)) }

    func write(_ sweep: SweepRecord, to file: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(sweep), to: file)
    }

    /// The sweeps shipped beside the course's lessons, each with its file.
    public static func courseSweepFiles(lessonsDirectory: URL) -> [(sweep: SweepRecord, file: URL)] {
        sweepFiles(in: lessonsDirectory.appendingPathComponent("sweeps"))
    }

    /// Every sweep stored in the workspace (unreadable files skipped), by lesson, then by file.
    public func storedSweeps() -> [SweepRecord] {
        Self.sweeps(in: workspace.appendingPathComponent("sweeps"))
    }

    /// The sweeps shipped with the course beside its lessons (`lessons/sweeps/ID/*.json`):
    /// records measured by the course's authors, copied from a workspace's sweeps folder, that
    /// the lesson pages show with their provenance.
    public static func courseSweeps(lessonsDirectory: URL) -> [SweepRecord] {
        sweeps(in: lessonsDirectory.appendingPathComponent("sweeps"))
    }

    /// The sweep records under `root` (one folder per lesson; unreadable files skipped), by
    /// lesson, then by file.
    static func sweeps(in root: URL) -> [SweepRecord] { sweepFiles(in: root).map(\.sweep) }

    static func sweepFiles(in root: URL) -> [(sweep: SweepRecord, file: URL)] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let lessons = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return lessons.sorted().flatMap { lesson -> [(sweep: SweepRecord, file: URL)] in
            let folder = root.appendingPathComponent(lesson)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return files.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
                let file = folder.appendingPathComponent(name)
                guard let data = FileManager.default.contents(atPath: file.path),
                    let sweep = try? decoder.decode(SweepRecord.self, from: data),
                    sweep.format == SweepRecord.currentFormat
                else { return nil }
                return (sweep, file)
            }
        }
    }

    /// A hash of a lesson's code, prose left out (what `LessonContext.codeHash` holds).
    public static func codeHash(of lesson: LessonSource) -> String {
        ArtifactStore.hash(lesson.cells.map(\.code).joined(separator: "\n"))
    }

    static let cpuFlags: [String] = {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = Set(
            info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: ":").last?
                .split(separator: " ").map(String.init) ?? [])
        return ["avx2", "fma", "avx512f"].filter(flags.contains)
    }()

    /// The lesson's child inherits this process's environment, so it runs the same kernel.
    static var blasCoreType: String {
        BLAS.coreName
            + (ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil
                ? " (detected)" : " (OPENBLAS_CORETYPE)")
    }
}
