// source-fingerprint OUTPUT MODULE=FILE ...: writes OUTPUT, a Swift file holding a hash of each
// source file ("Course/Finetuning.swift") and of each module (all its files, by name and
// contents), and a stamp of all the modules together that the engine reads from the built
// library's bytes (Toolchain.libraryHash). Run by the SourceFingerprints build plugin; the hash
// is ArtifactStore's FNV-1a.
import Foundation

func fnv(_ bytes: some Sequence<UInt8>, into h: inout UInt64) {
    for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
}
func hex(_ h: UInt64) -> String { String(format: "%016llx", h) }

let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: source-fingerprint OUTPUT MODULE=FILE ...\n".utf8))
    exit(2)
}
var files: [String: UInt64] = [:]
var modules: [String: [(name: String, contents: Data)]] = [:]
for argument in arguments.dropFirst() {
    guard let equals = argument.firstIndex(of: "=") else { continue }
    let module = String(argument[..<equals]),
        path = String(argument[argument.index(after: equals)...])
    guard let contents = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("source-fingerprint: cannot read \(path)\n".utf8))
        exit(1)
    }
    let name = module + "/" + URL(fileURLWithPath: path).lastPathComponent
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    fnv(contents, into: &h)
    files[name] = h
    modules[module, default: []].append((name, contents))
}
var moduleHashes: [String: UInt64] = [:]
for (module, sources) in modules {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for source in sources.sorted(by: { $0.name < $1.name }) {
        fnv(source.name.utf8, into: &h)
        fnv(source.contents, into: &h)
    }
    moduleHashes[module] = h
}
// Every module together, in name order: the code a lesson run against this library computes with.
var all: UInt64 = 0xCBF2_9CE4_8422_2325
for module in moduleHashes.keys.sorted() {
    fnv("\(module)=\(hex(moduleHashes[module]!))\n".utf8, into: &all)
}
func literal(_ table: [String: UInt64]) -> String {
    table.keys.sorted().map { "        \"\($0)\": \"\(hex(table[$0]!))\"," }.joined(separator: "\n")
}
let swift = """
    // Generated at build time by the SourceFingerprints plugin (Sources/source-fingerprint). Do not edit.
    enum SourceFingerprints {
        /// Each module of the library, hashed over all its source files.
        static let modules: [String: String] = [
    \(literal(moduleHashes))
        ]
        /// Each source file, as "Module/File.swift".
        static let files: [String: String] = [
    \(literal(files))
        ]
    }

    /// All the modules above as one string literal, which stays whole in the built library's
    /// bytes, where the lesson engine finds it without loading the library (its marker is
    /// `Toolchain.librarySourcesMarker`). Public, so the linker keeps it.
    #if DEBUG
    public let _tokenwiseLibrarySources = "tokenwise-library-sources:\(hex(all)):debug;"
    #else
    public let _tokenwiseLibrarySources = "tokenwise-library-sources:\(hex(all)):release;"
    #endif

    """
// Rewritten only when it changes, so an unchanged library is not recompiled.
if FileManager.default.contents(atPath: output) != Data(swift.utf8) {
    try Data(swift.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
}
