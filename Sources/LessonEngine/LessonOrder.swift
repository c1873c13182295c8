// Which lessons of the course must wait for which: a lesson that reads a published model runs
// after the lesson that publishes it, so `tokenwise report --jobs 2` runs the others side by
// side. Read from the sources, by the course's convention: a lesson publishes with
// `PublishedModel.name.publish(…)` and names a model it reads as `.name` (`PublishedModel.sft
// .model()`, `[.base, .sft]`); `Pretraining.baseModel` reads `base`. A false match only adds a
// wait, never removes one. Stages two lessons share need no order: the store's lock makes one
// compute and the other load.

import Foundation

public struct LessonOrder: Sendable {
    /// For each lesson (by index), the indices of the lessons it waits for.
    public let waitsFor: [Set<Int>]

    public init(_ lessons: [LessonSource]) {
        let published = lessons.map { Self.matches(#"PublishedModel\.(\w+)\.publish\("#, in: $0.text) }
        waitsFor = lessons.indices.map { index in
            let text = lessons[index].text
            var reads = Set(Self.matches(#"\.(\w+)\b"#, in: text))
            if text.contains("Pretraining.baseModel") { reads.insert("base") }
            return Set(
                (0..<index).filter { earlier in !reads.isDisjoint(with: published[earlier]) })
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

    /// The lessons that may start now: not started, everything they wait for finished. Those
    /// more lessons wait for (directly or through others) come first, so the longest chain of
    /// waits starts early; then course order.
    public func ready(started: Set<Int>, finished: Set<Int>) -> [Int] {
        let waitedOnBy = waitsFor.indices.map { dependents(of: $0).count }
        return waitsFor.indices
            .filter { !started.contains($0) && waitsFor[$0].isSubset(of: finished) }
            .sorted { (waitedOnBy[$1], $0) < (waitedOnBy[$0], $1) }
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
