// The functions a lesson calls: `param` for a hyperparameter, `show` for a figure, table or
// text, `metric` and `expect` for the report card, `progress` for long work. They write
// events for the engine (see LessonEvent); run outside the engine they still work, and print
// the same events as readable lines.

import Figures
import Stepper
import Foundation

/// The lesson's environment, set by the engine: parameter overrides, quick mode, the store.
public enum LessonContext {
    /// Parameter values given with --set (text, converted by `param`).
    public static let overrides: [String: String] = {
        guard let json = ProcessInfo.processInfo.environment["TOKENWISE_PARAMS"],
            let data = json.data(using: .utf8),
            let values = try? JSONDecoder().decode([String: String].self, from: data)
        else { return [:] }
        return values
    }()

    /// Whether the lesson runs with its small settings (CI, a first look).
    public static let isQuick = ProcessInfo.processInfo.environment["TOKENWISE_QUICK"] == "1"

    /// A hash of the running lesson's code, prose left out ("" outside the engine): a stage that
    /// runs the lesson's own algorithm puts it among its inputs, so editing the code recomputes.
    public static let codeHash = ProcessInfo.processInfo.environment["TOKENWISE_CODE_HASH"] ?? ""

    /// Where expensive stages keep their artifacts.
    public static let artifactDirectory = URL(
        fileURLWithPath: ProcessInfo.processInfo.environment["TOKENWISE_ARTIFACTS"]
            ?? ".tokenwise/artifacts")

    /// Whether the engine is reading our events (otherwise they print as plain lines).
    static let underEngine = ProcessInfo.processInfo.environment["TOKENWISE_ENGINE"] == "1"

    /// The run's event key, taken out of the environment as the lesson starts, so that the
    /// lesson's code and the programs it starts do not see it (see `LessonEvent.parse`).
    /// `unsetenv` alone left it in /proc/self/environ, which shows the environment block the
    /// process started with: its bytes are overwritten in place first.
    static let eventKey: String = {
        let name = "TOKENWISE_EVENT_KEY"
        let key = ProcessInfo.processInfo.environment[name] ?? ""
        if let value = getenv(name) { memset(value, 0x30, strlen(value)) }
        unsetenv(name)
        return key
    }()

    static let once: Void = {
        setvbuf(stdout, nil, _IOLBF, 0); _ = eventKey
        followEngine()
    }()

    /// Under the engine the lesson dies with it: kill -9 of `tokenwise run` once left the lesson
    /// running, storing and publishing after the kill. A watcher kills the lesson and every
    /// program it started (found through /proc: Foundation's Process gives each child a session
    /// of its own, out of reach of a process-group kill) as soon as the engine, its parent, is
    /// gone — polled, because Linux's parent-death signal follows the thread that started the
    /// child, not the process, and the engine starts lessons from passing threads.
    static func followEngine() {
        guard underEngine,
            let text = ProcessInfo.processInfo.environment["TOKENWISE_ENGINE_PID"],
            let engine = pid_t(text)
        else { return }
        unsetenv("TOKENWISE_ENGINE_PID")   // a program the lesson starts is not watched against it
        _ = setpgid(0, 0)   // fails harmlessly where the lesson already leads a session
        let watcher = Thread {
            while getppid() == engine { usleep(50_000) }
            for pid in descendants(of: getpid()) { kill(pid, SIGKILL) }
            if getpgrp() == getpid() { kill(0, SIGKILL) }   // our own group only, never a shell's
            _exit(137)
        }
        watcher.start()
    }

    /// Every process below `root`, from Linux's /proc/PID/task/TID/children lists.
    static func descendants(of root: pid_t) -> [pid_t] {
        var found: [pid_t] = [], queue = [root]
        while let pid = queue.popLast() {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            for task in tasks {
                let list = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? ""
                let children = list.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                found += children
                queue += children
            }
        }
        return found
    }

    package static func emit(_ event: LessonEvent) {
        _ = once
        if underEngine {
            print(event.line(key: eventKey))
        } else {
            switch event {
            case .modelUsed, .modelPublished: break   // only the engine keeps them
            case .stage, .progress:
                // Bookkeeping, not output: a command's stdout (`tokenwise chat` in a script) stays clean.
                FileHandle.standardError.write(Data((readable(event) + "\n").utf8))
            default:
                print(readable(event))
            }
        }
        fflush(stdout)
    }

    static func readable(_ event: LessonEvent) -> String {
        switch event {
        case .cellBegan(let index): return "── cell \(index) ──"
        case .text(let text): return text
        case .figure(let name, let figure): return "[figure \(name): \(figure.title)]"
        case .table(let table):
            return
                ([table.title, table.columns.joined(separator: " | ")]
                + table.rows.map { $0.joined(separator: " | ") }).joined(separator: "\n")
        case .metric(let m): return "\(m.name): \(m.value) \(m.unit)"
        case .expectation(let e): return "\(e.verdict) \(e.claim) — \(e.measured)"
        case .progress(let p): return "\(p.label) \(p.step)/\(p.total)"
        case .stage(let s):
            return "stage \(s.name): \(s.outcome.rawValue) (\(String(format: "%.1f", s.seconds)) s)"
        case .stepThrough(let s):
            return "[step-through page \(s.name): \(s.recording.frames.count) frames]"
        case .modelUsed(let name, let fingerprint): return "model \(name) (\(fingerprint))"
        case .modelPublished(let name, let fingerprint): return "published \(name) (\(fingerprint))"
        case .ended: return "── end ──"
        }
    }
}

/// A hyperparameter: `--set name=value` overrides `defaultValue`; `quick` replaces it under
/// `--quick`. The engine reads these calls from the source (so `tokenwise list` can show
/// them without running anything): the name, default, doc, quick value and range must be
/// literals.
public func param<T: LosslessStringConvertible & Comparable>(
    _ name: String, _ defaultValue: T, _ doc: String,
    quick: T? = nil, in range: ClosedRange<T>? = nil
) -> T {
    if let text = LessonContext.overrides[name] {
        // The engine validated the value already; a direct run with a bad value stops here.
        guard let value = T(text) else {
            fatalError("parameter \(name): '\(text)' is not a valid \(T.self)")
        }
        if let range, !range.contains(value) {
            fatalError("parameter \(name): \(value) is outside \(range)")
        }
        return value
    }
    if LessonContext.isQuick, let quick { return quick }
    return defaultValue
}

/// Bool parameters (true/false).
public func param(_ name: String, _ defaultValue: Bool, _ doc: String, quick: Bool? = nil) -> Bool {
    if let text = LessonContext.overrides[name] {
        guard let value = Bool(text) else {
            fatalError("parameter \(name): '\(text)' is not true or false")
        }
        return value
    }
    if LessonContext.isQuick, let quick { return quick }
    return defaultValue
}

/// Whether the lesson runs with its small settings.
public var isQuick: Bool { LessonContext.isQuick }

/// Shows a figure in the current cell; `name` makes its file name (default: from the title).
public func show(_ figure: Figure, name: String? = nil) {
    let slug =
        name
        ?? figure.title.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.reduce(into: "")
    { out, c in
        if !(c == "-" && out.hasSuffix("-")) { out.append(c) }
    }
    LessonContext.emit(.figure(name: slug.isEmpty ? "figure" : slug, figure: figure))
}

public func show(_ table: Table) { LessonContext.emit(.table(table)) }

/// Text for the current cell (as `print`, but also under the engine's own formatting).
public func show(_ text: String) { LessonContext.emit(.text(text)) }

/// Records a stepper session; the report writes it as a step-through page and links it here.
public func showStepThrough(_ recording: StepRecording, name: String, title: String) {
    LessonContext.emit(
        .stepThrough(StepThroughOutput(name: name, title: title, recording: recording)))
}

/// A key number for the report card.
public func metric(_ name: String, _ value: Double, unit: String = "") {
    LessonContext.emit(.metric(Metric(name: name, value: value, unit: unit)))
}

/// Records a claim with its measurement: passes when `measured` is below `threshold`.
@discardableResult
public func expect(
    _ claim: String, _ measured: Double, below threshold: Double, _ thresholdName: String = ""
) -> Bool {
    compare(
        claim, measured, threshold, thresholdName, passed: measured < threshold, signs: ("<", "≥"))
}

/// Records a claim with its measurement: passes when `measured` is above `threshold`.
@discardableResult
public func expect(
    _ claim: String, _ measured: Double, above threshold: Double, _ thresholdName: String = ""
) -> Bool {
    compare(
        claim, measured, threshold, thresholdName, passed: measured > threshold, signs: (">", "≤"))
}

/// Emits a claim that compares a measurement with a threshold: "2.31 < 3.40 (bigram baseline)".
private func compare(
    _ claim: String, _ measured: Double, _ threshold: Double, _ thresholdName: String, passed: Bool,
    signs: (held: String, failed: String)
) -> Bool {
    let name = thresholdName.isEmpty ? "" : " (\(thresholdName))"
    let sign = passed ? signs.held : signs.failed
    LessonContext.emit(
        .expectation(
            ExpectationResult(
                claim: claim,
                measured: "\(displayNumber(measured)) \(sign) \(displayNumber(threshold))\(name)",
                passed: passed, value: measured, threshold: threshold)))
    return passed
}

/// What became of a claim: whether its measurement met the threshold, and whether it was
/// checked at all (quick mode's models are too small to behave like anything: shown, not checked).
public struct Verdict: Sendable, Equatable {
    public let held: Bool
    public let checked: Bool
    /// Checked and not held: the report card shows it failed, and the page says why.
    public var failed: Bool { checked && !held }
}

/// The unit a claim's measurement is printed in: a share's difference reads "+12 points", a
/// share "57%", never a bare fraction beside a label in points.
public enum ClaimUnit: Sendable {
    case number
    /// A difference of two shares, printed in percentage points ("+12 points").
    case points
    /// A share, printed as a percentage ("57%").
    case percent
    /// A count with a name ("+3.2 tokens").
    case named(String)

    public func format(_ value: Double) -> String {
        switch self {
        case .number: return displayNumber(value)
        case .points: return String(format: "%+.1f points", value * 100)
        case .percent: return String(format: "%.1f%%", value * 100)
        case .named(let unit): return String(format: "%+.2f ", value) + unit
        }
    }
}

/// A claim about a trained model's behaviour: asserted with the full-size models, shown as a
/// number only with the quick ones (too small to behave like anything). When it fails, `story`
/// (if any) is shown in the cell to say why; a story that needs later measurements is shown
/// by the lesson itself where they exist (`if verdict.failed { … }`).
@discardableResult
public func claim(
    _ text: String, _ measured: Double, above threshold: Double, _ thresholdName: String = "",
    unit: ClaimUnit = .number, ifFails story: String? = nil
) -> Verdict {
    let held = measured > threshold
    let name = thresholdName.isEmpty ? "" : " (\(thresholdName))"
    let sign = isQuick ? "vs" : held ? ">" : "≤"
    LessonContext.emit(
        .expectation(
            ExpectationResult(
                claim: text,
                measured: "\(unit.format(measured)) \(sign) \(unit.format(threshold))\(name)",
                passed: held, checked: !isQuick, value: measured, threshold: threshold)))
    if !isQuick, !held, let story { show(story) }
    return Verdict(held: held, checked: !isQuick)
}

/// Records a yes/no claim with a description of what was measured.
@discardableResult
public func expect(_ claim: String, _ passed: Bool, measured: String) -> Bool {
    LessonContext.emit(
        .expectation(ExpectationResult(claim: claim, measured: measured, passed: passed)))
    return passed
}

/// Reports progress of long work (the terminal shows a bar; the page does not keep it).
public func progress(
    _ label: String, step: Int, of total: Int, loss: Double? = nil, tokensPerSecond: Double? = nil,
    remainingSeconds: Double? = nil
) {
    LessonContext.emit(
        .progress(
            ProgressReport(
                label: label, step: step, total: total, loss: loss,
                tokensPerSecond: tokensPerSecond, remainingSeconds: remainingSeconds)))
}

/// Called by the instrumented lesson where each prose block begins.
public func _beginCell(_ index: Int) { LessonContext.emit(.cellBegan(index)) }
/// Added by the engine after the lesson's last line (see `LessonEvent.ended`).
public func _endLesson() { if LessonContext.underEngine { LessonContext.emit(.ended) } }

/// A measured number as people read it: whole numbers whole (14420, not 1.442e+04), the rest
/// to four significant digits (0.3762, 42.57). Claims and the report both use it.
public func displayNumber(_ value: Double) -> String {
    if abs(value) >= 1000 && abs(value) < 1e15 { return String(Int(value.rounded())) }
    if value == value.rounded() { return String(Int(value)) }
    return String(format: "%.4g", value)
}
