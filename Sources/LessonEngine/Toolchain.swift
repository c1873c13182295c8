// Where the pieces for compiling a lesson are: swiftc, the library's dynamic product and its
// module files (in the build folder of the running tokenwise or test binary), and the C
// module maps (in the package's Sources). Lessons compile against the build they run beside.
// `make install` copies the same pieces into PREFIX/lib/tokenwise (with the course's lessons
// and the report's stylesheet) and marks that folder as the root, so an installed tokenwise
// finds them from PREFIX/bin.

import LessonRuntime
import Foundation

public struct Toolchain: Sendable {
    public let buildDirectory: URL
    public let packageRoot: URL
    public let swiftc: String

    public static let libraryName = "TokenwiseKit"

    /// Finds the build folder from the running executable (or TOKENWISE_BUILD_DIR).
    public static func locate() throws -> Toolchain {
        let environment = ProcessInfo.processInfo.environment
        let executable = URL(
            fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(
                atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        var candidates = [
            executable.deletingLastPathComponent(),
            executable.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("lib/tokenwise"),
        ]
        if let override = environment["TOKENWISE_BUILD_DIR"] {
            candidates.insert(URL(fileURLWithPath: override), at: 0)
        }
        // An .xctest bundle's binary sits one or more folders inside the build folder.
        candidates += (1...4).map { depth in
            (0..<depth).reduce(executable.deletingLastPathComponent()) { url, _ in
                url.deletingLastPathComponent()
            }
        }
        guard
            let build = candidates.first(where: {
                FileManager.default.fileExists(
                    atPath: $0.appendingPathComponent("lib\(libraryName).so").path)
            })
        else {
            throw LessonError(
                "cannot find lib\(libraryName).so beside \(executable.path): build it with `swift build -c release` (or `swift build --product \(libraryName)`)"
            )
        }
        var root = build
        while root.path != "/" && !isRoot(root) { root = root.deletingLastPathComponent() }
        // Built with --scratch-path outside the tree: the source tree it was built from.
        let sourceTree = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        if root.path == "/" && isRoot(sourceTree) { root = sourceTree }
        guard root.path != "/" else {
            throw LessonError(
                "cannot find the package (Package.swift) or an installed copy (\(installMarker)) above \(build.path): run tokenwise from its source tree, or install it with `make install`"
            )
        }
        let swiftc = environment["SWIFTC"] ?? Self.which("swiftc") ?? "swiftc"
        return Toolchain(buildDirectory: build, packageRoot: root, swiftc: swiftc)
    }

    /// Written by `make install` into PREFIX/lib/tokenwise; it holds the installed version.
    public static let installMarker = "tokenwise-install.txt"

    static func isRoot(_ folder: URL) -> Bool {
        [Self.installMarker, "Package.swift"].contains {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
        }
    }

    /// The version installed by `make install` (nil in a source tree).
    public var installedVersion: String? {
        (try? String(
            contentsOf: packageRoot.appendingPathComponent(Self.installMarker), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The course's lessons beside the library (the source tree's or the installed copy).
    public var courseLessons: URL { packageRoot.appendingPathComponent("lessons") }

    static func which(_ program: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    public var libraryPath: URL {
        buildDirectory.appendingPathComponent("lib\(Self.libraryName).so")
    }

    /// Identifies the code a lesson's run computes with: the sources of every module in the
    /// library (all but the engine, the report and the CLI), as the SourceFingerprints plugin
    /// stamped them into it, and its build configuration. A stored run stays valid while they
    /// are unchanged, so a change to how pages are drawn re-renders them without rerunning
    /// lessons. A library without the stamp (built before it existed) is identified by its build.
    public var libraryHash: String {
        Self.librarySources(in: libraryPath).map { ArtifactStore.hash("sources \($0)") }
            ?? libraryBuild
    }

    /// Identifies this build of the library file (path, size, modification time): what a
    /// compiled lesson was linked against.
    public var libraryBuild: String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: libraryPath.path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return ArtifactStore.hash("\(libraryPath.path) \(size) \(modified)")
    }

    /// What the stamp in the library's bytes starts with (see Sources/source-fingerprint).
    public static let librarySourcesMarker = "tokenwise-library-sources:"

    /// The stamp's text after the marker ("0123456789abcdef:release"), read from the library
    /// file without loading it; nil when the file has none. Read once per build of the file.
    static func librarySources(in library: URL) -> String? {
        let attributes = try? FileManager.default.attributesOfItem(atPath: library.path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let build = "\(library.path) \(size) \(modified)"
        if let known = stampLock.withLock({ stamps[build] }) { return known }
        var stamp: String?
        if let data = try? Data(contentsOf: library, options: .alwaysMapped),
            let start = data.range(of: Data(librarySourcesMarker.utf8))
        {
            let rest = data[start.upperBound...].prefix(64)
            if let end = rest.firstIndex(of: UInt8(ascii: ";")) {
                stamp = String(decoding: rest[..<end], as: UTF8.self)
            }
        }
        stampLock.withLock { stamps[build] = stamp }
        return stamp
    }

    private static let stampLock = NSLock()
    nonisolated(unsafe) private static var stamps: [String: String?] = [:]   // under stampLock

    public var compilerFlags: [String] {
        [
            "-Onone", "-suppress-warnings", "-module-name", "Lesson",
            "-I", buildDirectory.appendingPathComponent("Modules").path,
            "-I", packageRoot.appendingPathComponent("Sources/COpenBLAS").path,
            "-I", packageRoot.appendingPathComponent("Sources/CCairo").path,
            "-L", buildDirectory.path, "-l\(Self.libraryName)",
            "-Xlinker", "-rpath", "-Xlinker", buildDirectory.path,
        ]
    }
}
