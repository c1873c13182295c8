import Foundation
import Testing
@testable import Course

@Suite struct StagesTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-stages-\(UUID().uuidString)")

    @Test func keysDependOnTheSourcesThatComputeThem() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let transformer = try LibraryCode.fingerprint(["Transformer"])
        #expect(try LibraryCode.fingerprint(["Transformer", "Transformer"]) == transformer)
        #expect(try LibraryCode.fingerprint(["Transformer", "Course/Finetuning.swift"]) != transformer)
        #expect(try LibraryCode.fingerprint(["TinyWeb"]) != transformer)
        #expect(throws: ArtifactError.self) { try LibraryCode.fingerprint(["Course/NoSuchFile.swift"]) }
        // The same inputs computed by other code are another artifact, not a reuse.
        let first = try stage("coded", inputs: ["n": "1"], code: ["TinyWeb"], in: root) { 1 }
        let second = try stage("coded", inputs: ["n": "1"], code: ["Transformer"], in: root) { 2 }
        #expect(first == 1 && second == 2)
    }
}
