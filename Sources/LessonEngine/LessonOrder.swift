// Which lessons of the course must wait for which: a lesson that reads a published model runs
// once the lesson that publishes it has published it (or has ended), so `tokenwise report` runs
// the others side by side, and a lesson starts from a model while its publisher goes on. Read
// from the sources, by the course's convention: a lesson publishes with
// `PublishedModel.name.publish(…)` and names a model it reads as `.name` (`PublishedModel.sft
// .model()`, `[.base, .sft]`); `Pretraining.baseModel` reads `base`. A false match only adds a
// wait, never removes one. Stages two lessons share need no order: the store's lock makes one
// compute and the other load.

import Foundation

public struct LessonOrder: Sendable {
    /// For each lesson (by index), the indices of the lessons it waits for.
    public let waitsFor: [Set<Int>]
    /// For each lesson, the models it reads (`modelKey`s), by the index of the lesson that
    /// publishes them.
    public let awaits: [[Int: Set<String>]]

    /// Each lesson's expected run time in seconds (0 where unknown), for the order in which
    /// ready lessons start.
    public let expectedSeconds: [Double]

    public init(_ lessons: [LessonSource], expectedSeconds: [Double]? = nil) {
        precondition(
            expectedSeconds.map { $0.count == lessons.count } ?? true,
            "one expected time per lesson: \(expectedSeconds?.count ?? 0) for \(lessons.count) lessons")
        self.expectedSeconds = expectedSeconds ?? lessons.map { _ in 0 }
        let published = lessons.map { Self.matches(#"PublishedModel\.(\w+)\.publish\("#, in: $0.text) }
        awaits = lessons.indices.map { index in
            let text = lessons[index].text
            var reads = Set(Self.matches(#"\.(\w+)\b"#, in: text))
            if text.contains("Pretraining.baseModel") { reads.insert("base") }
            var awaited: [Int: Set<String>] = [:]
            for earlier in 0..<index where !reads.isDisjoint(with: published[earlier]) {
                awaited[earlier] = Set(reads.intersection(published[earlier]).map { Self.modelKey($0) })
            }
            return awaited
        }
        waitsFor = awaits.map { Set($0.keys) }
    }

    /// A model's name as lessons write it (`workedCalculator`) and as the catalog holds it
    /// (`worked-calculator`; `worked-calculator-quick` in the quick course), made one key.
    public static func modelKey(_ name: String, quick: Bool = false) -> String {
        let name = quick && name.hasSuffix("-quick") ? String(name.dropLast("-quick".count)) : name
        return String(name.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    /// Whether `index` reads a model that a failed lesson did not publish in this run (`published`
    /// as in `ready`): it is not run then, rather than run on an old or missing model.
    public func readsUnpublishedModel(
        _ index: Int, failed: Set<Int>, published: [Int: Set<String>]
    ) -> Bool {
        awaits[index].contains { publisher, models in
            failed.contains(publisher) && !models.isSubset(of: published[publisher] ?? [])
        }
    }

    static func matches(_ pattern: String, in text: String) -> Set<String> {
        let expression = try! NSRegularExpression(pattern: pattern)
        let range = NSRange(text.startIndex..., in: text)
        return Set(
            expression.matches(in: text, range: range).compactMap {
                Range($0.range(at: 1), in: text).map { String(text[$0]) }
            })
    }

    /// The lessons that may start now: not started, each model they read published in this run
    /// (`published`: `modelKey`s by lesson) or its publisher finished. The longest expected
    /// chain first (a lesson's time and its longest line of dependents', as in list scheduling:
    /// the long poles start early, the short lessons fill the gaps); then those that more
    /// lessons wait for (directly or through others); then course order.
    public func ready(started: Set<Int>, finished: Set<Int>, published: [Int: Set<String>] = [:]) -> [Int] {
        let waitedOnBy = awaits.indices.map { dependents(of: $0).count }
        let chain = chainSeconds()
        return awaits.indices
            .filter { index in
                !started.contains(index)
                    && awaits[index].allSatisfy { publisher, models in
                        finished.contains(publisher) || models.isSubset(of: published[publisher] ?? [])
                    }
            }
            .sorted { (chain[$1], waitedOnBy[$1], $0) < (chain[$0], waitedOnBy[$0], $1) }
    }

    /// For each lesson, its expected time plus the longest expected chain of the lessons that
    /// wait for it (lessons wait only for earlier ones, so one pass from the end).
    func chainSeconds() -> [Double] {
        var chain = expectedSeconds
        for index in waitsFor.indices.reversed() {
            let longest = waitsFor.indices.filter { waitsFor[$0].contains(index) }.map { chain[$0] }.max() ?? 0
            chain[index] = expectedSeconds[index] + longest
        }
        return chain
    }

    /// Every lesson that waits for `index`, directly or through another.
    func dependents(of index: Int) -> Set<Int> {
        var found = Set<Int>(), frontier = [index]
        while let next = frontier.popLast() {
            for later in waitsFor.indices where waitsFor[later].contains(next) && !found.contains(later) {
                found.insert(later)
                frontier.append(later)
            }
        }
        return found
    }
}
