import Course
import Foundation
import Testing

@Suite struct ArtifactStoreTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-artifacts-\(UUID().uuidString)")

    @Test func keysDependOnEveryInput() {
        let base = ArtifactStore.key(name: "model", inputs: ["layers": "4", "lr": "1e-3"])
        #expect(base == ArtifactStore.key(name: "model", inputs: ["lr": "1e-3", "layers": "4"]))   // order does not matter
        #expect(base != ArtifactStore.key(name: "model", inputs: ["layers": "6", "lr": "1e-3"]))
        #expect(base != ArtifactStore.key(name: "other", inputs: ["layers": "4", "lr": "1e-3"]))
    }

    @Test func keysDependOnTheSourcesThatComputeThem() throws {
        let transformer = try ArtifactStore.sourceFingerprint(["Transformer"])
        #expect(try ArtifactStore.sourceFingerprint(["Transformer", "Transformer"]) == transformer)
        #expect(try ArtifactStore.sourceFingerprint(["Transformer", "Course/Finetuning.swift"]) != transformer)
        #expect(try ArtifactStore.sourceFingerprint(["TinyWeb"]) != transformer)
        #expect(throws: ArtifactError.self) { try ArtifactStore.sourceFingerprint(["Course/NoSuchFile.swift"]) }
        // The same inputs computed by other code are another artifact, not a reuse.
        let first = try ArtifactStore.stage("coded", inputs: ["n": "1"], code: ["TinyWeb"], in: root) { 1 }
        let second = try ArtifactStore.stage("coded", inputs: ["n": "1"], code: ["Transformer"], in: root) { 2 }
        #expect(first == 1 && second == 2)
    }

    @Test func twoRunsAtOnceLeaveOneCompleteArtifact() throws {
        let group = DispatchGroup()
        nonisolated(unsafe) var results: [[Int]] = Array(repeating: [], count: 8)
        let lock = NSLock()
        for worker in 0..<8 {
            group.enter()
            DispatchQueue.global().async {
                let value = try? ArtifactStore.stage("shared", inputs: ["n": "1000"], in: root) { Array(0..<1000) }
                lock.lock(); results[worker] = value ?? []; lock.unlock()
                group.leave()
            }
        }
        group.wait()
        #expect(results.allSatisfy { $0 == Array(0..<1000) })
        let directory = root.appendingPathComponent("shared")
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(entries == [ArtifactStore.key(name: "shared", inputs: ["n": "1000"])], "no temporary folders left: \(entries)")
        // And it loads: a later request reuses it without computing.
        let reused = try ArtifactStore.stage("shared", inputs: ["n": "1000"], in: root) { () -> [Int] in
            Issue.record("recomputed a stored artifact"); return []
        }
        #expect(reused.count == 1000)
    }
}
