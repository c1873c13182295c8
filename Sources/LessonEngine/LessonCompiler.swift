// Compiling a lesson: the instrumented source goes to swiftc against the library's dynamic
// product. Binaries are cached by a hash of the instrumented source, the library build and
// the flags, so an unchanged lesson starts at once. Compiler errors come back as the
// compiler printed them, naming the lesson file and its own line numbers.

import LessonRuntime
import Foundation
import Transformer

public struct CompiledLesson: Sendable {
    public let binary: URL
    public let cached: Bool
    public let seconds: Double
}

public enum CompileResult: Sendable {
    case compiled(CompiledLesson)
    case failed(errors: [String], seconds: Double)
}

public struct LessonCompiler: Sendable {
    public let toolchain: Toolchain
    public let cacheDirectory: URL

    public func compile(_ lesson: LessonSource) throws -> CompileResult {
        let source = lesson.instrumented()
        let flags = toolchain.compilerFlags
        let key = ArtifactStore.hash(
            ([source, toolchain.libraryBuild] + flags).joined(separator: "\u{0}"))
        let directory = cacheDirectory.appendingPathComponent(key)
        let binary = directory.appendingPathComponent("lesson")
        if FileManager.default.isExecutableFile(atPath: binary.path) {
            return .compiled(CompiledLesson(binary: binary, cached: true, seconds: 0))
        }
        let start = Date()
        // Build in a private folder, then move the finished binary into place.
        let work = cacheDirectory.appendingPathComponent(
            ".\(key).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        )
        defer { try? FileManager.default.removeItem(at: work) }
        let main = work.appendingPathComponent("main.swift")
        try FileWriteError.naming(main.path) {
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            try Data(source.utf8).write(to: main)
        }
        let output = work.appendingPathComponent("lesson")
        let result = try Subprocess.run(
            toolchain.swiftc, [main.path] + flags + ["-o", output.path], directory: work)
        let seconds = Date().timeIntervalSince(start)
        guard result.status == 0 else {
            return .failed(
                errors: Self.errorLines(result.output + result.errorOutput, lesson: lesson),
                seconds: seconds)
        }
        try FileWriteError.naming(binary.path) {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        if rename(output.path, binary.path) != 0 {
            let code = errno
            if !FileManager.default.isExecutableFile(atPath: binary.path) {
                throw FileWriteError(path: binary.path, code: code)
            }
        }
        return .compiled(CompiledLesson(binary: binary, cached: false, seconds: seconds))
    }

    /// The compiler's error lines that name the lesson (and any other error, as a fallback).
    static func errorLines(_ text: String, lesson: LessonSource) -> [String] {
        let lines = text.split(separator: "\n").map(String.init)
        let errors = lines.filter { $0.contains(": error: ") }
        let own = errors.filter { $0.hasPrefix(lesson.displayPath + ":") }
        if !own.isEmpty { return own }
        return errors.isEmpty ? Array(lines.suffix(20)) : errors
    }
}
