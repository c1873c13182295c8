// Where the pieces for compiling a lesson are: swiftc, the library's dynamic product and its
// module files (in the build folder of the running tokenwise or test binary), and the C
// module maps (in the package's Sources). Lessons compile against the build they run beside.

import Course
import Foundation

public struct Toolchain: Sendable {
    public let buildDirectory: URL
    public let packageRoot: URL
    public let swiftc: String

    public static let libraryName = "TokenwiseKit"

    /// Finds the build folder from the running executable (or TOKENWISE_BUILD_DIR).
    public static func locate() throws -> Toolchain {
        let environment = ProcessInfo.processInfo.environment
        let executable = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        var candidates = [executable.deletingLastPathComponent()]
        if let override = environment["TOKENWISE_BUILD_DIR"] { candidates.insert(URL(fileURLWithPath: override), at: 0) }
        // An .xctest bundle's binary sits one or more folders inside the build folder.
        candidates += (1...4).map { depth in (0..<depth).reduce(executable.deletingLastPathComponent()) { url, _ in url.deletingLastPathComponent() } }
        guard let build = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent("lib\(libraryName).so").path) }) else {
            throw LessonError("cannot find lib\(libraryName).so beside \(executable.path): build it with `swift build -c release` (or `swift build --product \(libraryName)`)")
        }
        var root = build
        while root.path != "/" && !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root = root.deletingLastPathComponent()
        }
        guard root.path != "/" else { throw LessonError("cannot find the package (Package.swift) above \(build.path)") }
        let swiftc = environment["SWIFTC"] ?? Self.which("swiftc") ?? "swiftc"
        return Toolchain(buildDirectory: build, packageRoot: root, swiftc: swiftc)
    }

    static func which(_ program: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    public var libraryPath: URL { buildDirectory.appendingPathComponent("lib\(Self.libraryName).so") }

    /// Identifies the library build: size and modification time of the dynamic library.
    public var libraryHash: String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: libraryPath.path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return ArtifactStore.hash("\(libraryPath.path) \(size) \(modified)")
    }

    public var compilerFlags: [String] {
        ["-Onone", "-suppress-warnings", "-module-name", "Lesson",
         "-I", buildDirectory.appendingPathComponent("Modules").path,
         "-I", packageRoot.appendingPathComponent("Sources/COpenBLAS").path,
         "-I", packageRoot.appendingPathComponent("Sources/CCairo").path,
         "-L", buildDirectory.path, "-l\(Self.libraryName)",
         "-Xlinker", "-rpath", "-Xlinker", buildDirectory.path]
    }
}


