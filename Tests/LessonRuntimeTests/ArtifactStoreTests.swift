import Foundation
import LessonRuntime
import Testing

@Suite struct ArtifactStoreTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-artifacts-\(UUID().uuidString)")

    @Test func keysDependOnEveryInput() {
        let base = ArtifactStore.key(name: "model", inputs: ["layers": "4", "lr": "1e-3"])
        #expect(base == ArtifactStore.key(name: "model", inputs: ["lr": "1e-3", "layers": "4"]))   // order does not matter
        #expect(base != ArtifactStore.key(name: "model", inputs: ["layers": "6", "lr": "1e-3"]))
        #expect(base != ArtifactStore.key(name: "other", inputs: ["layers": "4", "lr": "1e-3"]))
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
        let key = ArtifactStore.key(name: "shared", inputs: ["n": "1000"])
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        // The stage's lock file stays (empty, and free once its holder is gone); nothing else.
        #expect(entries == [".\(key).lock", key], "no temporary folders left: \(entries)")
        // And it loads: a later request reuses it without computing.
        let reused = try ArtifactStore.stage("shared", inputs: ["n": "1000"], in: root) { () -> [Int] in
            Issue.record("recomputed a stored artifact"); return []
        }
        #expect(reused.count == 1000)
    }
}
