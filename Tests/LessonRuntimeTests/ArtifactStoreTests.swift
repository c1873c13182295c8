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

    /// Issue 34: kill -9 during a store left `.KEY.PID.RANDOM` folders that nobody removed.
    @Test func storingAStageSweepsWhatKilledStoresOfItLeft() throws {
        let key = ArtifactStore.key(name: "swept", inputs: ["i": "1"])
        let folder = root.appendingPathComponent("swept")
        let stale = folder.appendingPathComponent(".\(key).4242.31337")
        let other = folder.appendingPathComponent(".\(key).notes")
        for url in [stale, other] { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        let value: [Int] = try ArtifactStore.stage("swept", inputs: ["i": "1"], in: root) { [1, 2, 3] }
        #expect(value == [1, 2, 3])
        #expect(!FileManager.default.fileExists(atPath: stale.path), "a killed store's folder was left")
        #expect(FileManager.default.fileExists(atPath: other.path), "only staging names are swept")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(".\(key).lock").path))
    }

    /// Issue 34: a stage that could not be stored (a read-only or full disk) showed Foundation's
    /// text; now the stage's folder and the reason in words.
    @Test func aStageThatCannotBeStoredNamesItsFolderAndWhy() throws {
        let key = ArtifactStore.key(name: "unstorable", inputs: [:])
        let folder = root.appendingPathComponent("unstorable").appendingPathComponent(key)
        do {
            _ = try ArtifactStore.stage(
                "unstorable", inputs: [:], in: root, load: { _ in 0 },
                save: { _, directory in try Data().write(to: directory.appendingPathComponent("gone/value")) },
                compute: { 1 })
            Issue.record("the store did not fail")
        } catch {
            #expect("\(error)" == "cannot write \(folder.path): No such file or directory")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path))
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
