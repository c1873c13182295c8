// Modules compiled with -Ounchecked lose the standard library's precondition: each one that
// checks anything must declare its own (AlwaysChecked.swift), or a release build reads past
// its buffers where a debug build would stop.

import Foundation
import Testing

struct AlwaysCheckedTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The targets Package.swift builds with `kernelSettings` (-Ounchecked in release).
    static func uncheckedModules() throws -> [String] {
        let manifest = try String(
            contentsOf: packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let target = try Regex(#"\.target\(name: "([A-Za-z]+)"[^\n]*swiftSettings: kernelSettings"#)
        return manifest.matches(of: target).compactMap { $0.output[1].substring.map(String.init) }
    }

    @Test func everyUncheckedModuleThatChecksKeepsItsChecks() throws {
        let modules = try Self.uncheckedModules()
        #expect(modules.contains("Autograd") && modules.contains("Transformer"))
        for module in modules {
            let folder = Self.packageRoot.appendingPathComponent("Sources/\(module)")
            let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
            let sources = try files.map { try String(contentsOf: $0, encoding: .utf8) }
            let checks = sources.contains { $0.contains("precondition(") }
            let declares = sources.contains { $0.contains("func precondition(") }
            #expect(!checks || declares, "\(module) calls precondition under -Ounchecked without declaring its own")
        }
    }
}
