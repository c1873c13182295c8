// A stored run is keyed by the library's sources, not by its build: a rebuilt library with
// the same computing code keeps its runs; a changed module anywhere in it does not.

@testable import Course
import LessonRuntime
import Foundation
import Testing
@testable import LessonEngine

@Suite struct ToolchainTests {
    /// A toolchain whose "library" is a file we write.
    func toolchain(library bytes: String) throws -> (Toolchain, URL) {
        let build = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tokenwise-toolchain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: build, withIntermediateDirectories: true)
        let toolchain = Toolchain(buildDirectory: build, packageRoot: build, swiftc: "swiftc")
        try Data(bytes.utf8).write(to: toolchain.libraryPath)
        return (toolchain, build)
    }

    @Test func aRebuildWithTheSameSourcesKeepsTheHashAndChangedSourcesDoNot() throws {
        let (toolchain, build) = try toolchain(
            library: "\u{7f}ELF junk\0tokenwise-library-sources:00000000000000aa:release;\0more")
        defer { try? FileManager.default.removeItem(at: build) }
        let before = toolchain.libraryHash
        let buildBefore = toolchain.libraryBuild
        // Relinked (another size, another time), same stamp: the same code computes.
        try Data("\u{7f}ELF other junk, longer\0tokenwise-library-sources:00000000000000aa:release;\0"
            .utf8).write(to: toolchain.libraryPath)
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: toolchain.libraryPath.path)
        #expect(toolchain.libraryHash == before)
        #expect(toolchain.libraryBuild != buildBefore)
        // One module's sources changed: another stamp, another hash.
        try Data("\u{7f}ELF\0tokenwise-library-sources:00000000000000ab:release;\0".utf8)
            .write(to: toolchain.libraryPath)
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: 120)], ofItemAtPath: toolchain.libraryPath.path)
        #expect(toolchain.libraryHash != before)
        // The same sources built in another configuration round differently: another hash.
        try Data("\u{7f}ELF\0tokenwise-library-sources:00000000000000aa:debug;\0".utf8)
            .write(to: toolchain.libraryPath)
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: 180)], ofItemAtPath: toolchain.libraryPath.path)
        #expect(toolchain.libraryHash != before)
    }

    @Test func aLibraryWithoutAStampIsKnownByItsBuild() throws {
        let (toolchain, build) = try toolchain(library: "\u{7f}ELF no stamp here")
        defer { try? FileManager.default.removeItem(at: build) }
        #expect(Toolchain.librarySources(in: toolchain.libraryPath) == nil)
        #expect(toolchain.libraryHash == toolchain.libraryBuild)
    }

    /// The real library: its stamp is the one this build of Course carries, and it covers every
    /// module that computes, Figures and LessonRuntime included (not the engine or the report).
    @Test func theBuiltLibraryCarriesTheStampOfItsSources() throws {
        let toolchain = try Toolchain.locate()
        let stamp = try #require(Toolchain.librarySources(in: toolchain.libraryPath))
        let sources = try #require(stamp.split(separator: ":").first)
        #expect(_tokenwiseLibrarySources.hasPrefix(Toolchain.librarySourcesMarker + sources + ":"))
        // The stamp is the hash of every module's fingerprint, so any module's change moves it.
        let modules = SourceFingerprints.modules
        let all = modules.keys.sorted().map { "\($0)=\(modules[$0]!)\n" }.joined()
        #expect(String(sources) == ArtifactStore.hash(all))
        let names = Set(modules.keys)
        #expect(names.isSuperset(of: LibraryCode.computingModules + ["Figures", "LessonRuntime"]))
        #expect(names.isDisjoint(with: ["LessonEngine", "Report", "tokenwise"]))
    }
}
