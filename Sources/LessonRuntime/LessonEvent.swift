// What a running lesson tells the engine, one JSON object per line on standard output after
// an ASCII record separator (U+001E), so that the lesson's own `print` output — every other
// line — stays in order with the events around it.

import Figures
import Foundation
import Stepper

public struct Table: Codable, Equatable, Sendable {
    public var title: String
    public var columns: [String]
    public var rows: [[String]]
    public init(title: String = "", columns: [String], rows: [[String]]) {
        self.title = title; self.columns = columns; self.rows = rows
    }
}

public struct Metric: Codable, Equatable, Sendable {
    public var name: String
    public var value: Double
    public var unit: String
    public init(name: String, value: Double, unit: String = "") {
        self.name = name; self.value = value; self.unit = unit
    }
}

/// A claim the lesson makes, checked against a measured value.
public struct ExpectationResult: Codable, Equatable, Sendable {
    public var claim: String
    /// The measured value and what it was compared with, in words ("2.31 < 3.40 (bigram baseline)").
    public var measured: String
    public var passed: Bool
    /// False for a claim about trained behaviour measured on a quick model (too small to
    /// behave like anything): shown with its number as "not checked in quick mode", never
    /// counted as holding or failing.
    public var checked: Bool
    /// The measured number and the threshold it was compared with, where the claim has them
    /// (a sweep plots them against a setting).
    public var value: Double?
    public var threshold: Double?

    public init(
        claim: String, measured: String, passed: Bool, checked: Bool = true, value: Double? = nil,
        threshold: Double? = nil
    ) {
        self.claim = claim; self.measured = measured; self.passed = passed; self.checked = checked
        self.value = value; self.threshold = threshold
    }

    /// A checked claim that holds; a checked claim that does not.
    public var holds: Bool { checked && passed }
    public var fails: Bool { checked && !passed }
    /// "✓ holds", "✗ does not hold" or "– not checked in quick mode".
    public var verdict: String {
        !checked ? "– not checked in quick mode" : passed ? "✓ holds" : "✗ does not hold"
    }
    /// The CSS class of its row or paragraph.
    public var state: String { !checked ? "unchecked" : passed ? "pass" : "fail" }

    enum CodingKeys: String, CodingKey { case claim, measured, passed, checked, value, threshold }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        claim = try c.decode(String.self, forKey: .claim)
        measured = try c.decode(String.self, forKey: .measured)
        passed = try c.decode(Bool.self, forKey: .passed)
        checked = try c.decodeIfPresent(Bool.self, forKey: .checked) ?? true   // records from before
        value = try c.decodeIfPresent(Double.self, forKey: .value)
        threshold = try c.decodeIfPresent(Double.self, forKey: .threshold)
    }
}

public struct ProgressReport: Codable, Equatable, Sendable {
    public var label: String
    public var step: Int
    public var total: Int
    public var loss: Double?
    public var tokensPerSecond: Double?
    public var remainingSeconds: Double?
    public init(
        label: String, step: Int, total: Int, loss: Double? = nil, tokensPerSecond: Double? = nil,
        remainingSeconds: Double? = nil
    ) {
        self.label = label; self.step = step; self.total = total; self.loss = loss
        self.tokensPerSecond = tokensPerSecond; self.remainingSeconds = remainingSeconds
    }
}

/// What the artifact store did for one expensive stage.
public struct StageReport: Codable, Equatable, Sendable {
    public enum Outcome: String, Codable, Sendable { case reused, computed, recomputed }
    public var name: String
    public var key: String
    public var outcome: Outcome
    public var seconds: Double
    /// Why a stored artifact was not used (it failed to load), when it was not.
    public var warning: String?
    public init(
        name: String, key: String, outcome: Outcome, seconds: Double, warning: String? = nil
    ) {
        self.name = name; self.key = key; self.outcome = outcome; self.seconds = seconds
        self.warning = warning
    }
}

/// A stepper session the report turns into its own step-through page, linked from the lesson.
public struct StepThroughOutput: Codable, Equatable, Sendable {
    public let name: String
    public let title: String
    public let recording: StepRecording

    public init(name: String, title: String, recording: StepRecording) {
        self.name = name; self.title = title; self.recording = recording
    }
}

public enum LessonEvent: Codable, Equatable, Sendable {
    case cellBegan(Int)
    case text(String)
    case figure(name: String, figure: Figure)
    case table(Table)
    case metric(Metric)
    case expectation(ExpectationResult)
    case progress(ProgressReport)
    case stage(StageReport)
    case stepThrough(StepThroughOutput)
    /// The lesson read a published model (by name) whose weights hash to `fingerprint`.
    case modelUsed(name: String, fingerprint: String)
    /// The lesson published a model under `name` whose weights hash to `fingerprint`.
    case modelPublished(name: String, fingerprint: String)
    /// The lesson's last line ran: a child that exits without it stopped early (`exit(0)`).
    case ended

    public static let marker: Character = "\u{1E}"

    /// The line that carries this event. `key` is the run's secret (see `parse`).
    public func line(key: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return String(Self.marker) + key + json
    }

    /// The event on a line, nil for ordinary output. Events and a lesson's own prints share
    /// standard output (so their order is kept); only lines that start with the marker and
    /// the run's random key, which the engine makes and the lesson never sees, are events:
    /// a print cannot forge one, even by accident.
    public static func parse(_ line: Substring, key: String) -> LessonEvent? {
        guard line.first == marker, line.dropFirst().hasPrefix(key) else { return nil }
        return try? JSONDecoder().decode(
            LessonEvent.self, from: Data(line.dropFirst(1 + key.count).utf8))
    }
}
