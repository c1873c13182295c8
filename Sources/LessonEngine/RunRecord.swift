// Everything one run of a lesson produced, stored as JSON beside its artifacts; pages and the
// report are rendered from records alone (`tokenwise render` recomputes nothing).

import LessonRuntime
import Figures
import Foundation

public enum Output: Codable, Equatable, Sendable {
    case text(String)
    case figure(name: String, figure: Figure)
    case table(Table)
    case metric(Metric)
    case expectation(ExpectationResult)
    case stepThrough(StepThroughOutput)
    /// The last progress report of a piece of long work in this cell.
    case progress(ProgressReport)
}

public struct CellRecord: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable { case ok, failed, notRun }
    public var cell: Cell
    public var status: Status
    public var outputs: [Output]
    /// What went wrong in this cell: a thrown error, a crash, the time limit.
    public var error: String?
    public var seconds: Double
}

public struct Provenance: Codable, Equatable, Sendable {
    public var codeVersion: String
    public var libraryHash: String
    public var machine: String
    public var startedAt: Date
    public var compileSeconds: Double
    public var compileCached: Bool
    public var runSeconds: Double
    /// OpenBLAS's kernel ("Haswell"), which decides how trained results round (nil in records
    /// from before it was kept): a run under another kernel is another run.
    public var blasKernel: String?
}

public struct RunRecord: Codable, Equatable, Sendable {
    public static let currentFormat = 1
    public enum Status: String, Codable, Sendable {
        case succeeded, compileFailed, failed, timedOut
    }

    public var format: Int
    public var lessonID: String
    public var title: String
    public var path: String
    public var sourceHash: String
    public var declarations: [ParameterDeclaration]
    public var parameters: ParameterValues
    public var quick: Bool
    public var status: Status
    /// Compiler messages, as `lessons/NN-name.swift:LINE:COL: error: …` lines.
    public var compileErrors: [String]
    public var cells: [CellRecord]
    public var stages: [StageReport]
    /// Published models the lesson read by name, with the fingerprint of their weights then
    /// (nil in records from before this was kept): the record is stale once one changes.
    public var modelsUsed: [String: String]?
    /// Models the lesson published, with their fingerprints: the record is stale once another
    /// run (this lesson with other settings, a sweep) replaces one, so the report runs it again
    /// and the course's models are again the ones its pages describe.
    public var modelsPublished: [String: String]?
    public var provenance: Provenance

    public var expectations: [ExpectationResult] {
        cells.flatMap(\.outputs).compactMap {
            if case .expectation(let e) = $0 { return e } else { return nil }
        }
    }

    public var metrics: [Metric] {
        cells.flatMap(\.outputs).compactMap {
            if case .metric(let m) = $0 { return m } else { return nil }
        }
    }
}
