// Our tokenizer files, two side by side (minbpe's habit): NAME.tokenizer for the program, a
// short line-based text format, and NAME.vocab for people, every token shown as text with
// the merge that made it. Both are written atomically. A malformed file is a
// `TokenizerFileError` naming the file and the line.
//
//   tokenwise-bpe 1
//   pattern gpt4
//   bytes identity                 (or: bytes ID0 ID1 … ID255)
//   special 4096 "<|endoftext|>"   (zero or more; the text is a JSON string)
//   merge 101 32 256               (left right token, in rank order)

import Foundation

public struct TokenizerFileError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let line: Int?
    public let problem: String

    public var description: String {
        if let line { return "\(file):\(line): \(problem)" }
        return "\(file): \(problem)"
    }
}

extension Tokenizer {
    static let formatHeader = "tokenwise-bpe 1"

    /// The machine-readable text of this tokenizer.
    public func serialized() -> String {
        var lines = [Self.formatHeader, "pattern \(pattern.rawValue)"]
        lines.append(
            byteTokens == Array(0..<256)
                ? "bytes identity" : "bytes " + byteTokens.map(String.init).joined(separator: " "))
        for (text, id) in specialTokens.sorted(by: { $0.value < $1.value }) {
            let quoted = String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
            lines.append("special \(id) \(quoted)")
        }
        for merge in merges { lines.append("merge \(merge.left) \(merge.right) \(merge.token)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `url` (the machine file) and the human view beside it with the extension .vocab.
    public func save(to url: URL) throws {
        try writeAtomically(Data(serialized().utf8), to: url)
        try writeAtomically(
            Data(vocabularyView().utf8),
            to: url.deletingPathExtension().appendingPathExtension("vocab"))
    }

    /// Reads a file written by `save`.
    public static func load(from url: URL) throws -> Tokenizer {
        let path = url.path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerFileError(file: path, line: nil, problem: "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerFileError(file: path, line: nil, problem: "is not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    /// Reads the text `serialized` writes; errors name `file`.
    public static func parse(_ text: String, file: String) throws -> Tokenizer {
        var pattern: SplitPattern?
        var byteTokens: [Int]?
        var specials: [String: Int] = [:]
        var merges: [Merge] = []
        var defined = Set<Int>()   // ids a merge may use: bytes and earlier merges
        var sawHeader = false
        for (index, line) in text.fileLines.enumerated() {
            let lineNumber = index + 1
            func fail(_ problem: String) -> TokenizerFileError {
                TokenizerFileError(file: file, line: lineNumber, problem: problem)
            }
            if line.isEmpty { continue }
            if !sawHeader {
                guard line == formatHeader else {
                    throw fail("expected '\(formatHeader)', found '\(line.prefix(40))'")
                }
                sawHeader = true
                continue
            }
            let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            switch fields[0] {
            case "pattern":
                guard fields.count == 2, let p = SplitPattern(rawValue: String(fields[1])) else {
                    throw fail(
                        "unknown pattern '\(fields.dropFirst().joined(separator: " "))' (expected one of \(SplitPattern.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                pattern = p
            case "bytes":
                let rest = line.dropFirst("bytes ".count)
                if rest == "identity" {
                    byteTokens = Array(0..<256)
                } else {
                    let ids = rest.split(separator: " ").map { Int($0) }
                    guard ids.count == 256, ids.allSatisfy({ $0 != nil }) else {
                        throw fail("'bytes' needs 'identity' or 256 token ids")
                    }
                    byteTokens = ids.map { $0! }
                }
                defined.formUnion(byteTokens!)
            case "special":
                guard fields.count == 3, let id = Int(fields[1]),
                    let name = try? JSONDecoder().decode(String.self, from: Data(fields[2].utf8))
                else {
                    throw fail("expected 'special ID \"TEXT\"'")
                }
                specials[name] = id
            case "merge":
                let numbers = line.split(separator: " ").dropFirst().map { Int($0) }
                guard numbers.count == 3, let left = numbers[0], let right = numbers[1],
                    let token = numbers[2]
                else {
                    throw fail("expected 'merge LEFT RIGHT TOKEN' with three token ids")
                }
                // Checked here, not only by Tokenizer.init, so the error can name the line.
                guard defined.contains(left), defined.contains(right) else {
                    throw fail(
                        "merge joins \(left) and \(right), but \(defined.contains(left) ? right : left) is not a byte or an earlier merge"
                    )
                }
                merges.append(Merge(left: left, right: right, token: token))
                defined.insert(token)
            default:
                throw fail("unknown entry '\(fields[0].prefix(40))'")
            }
        }
        guard sawHeader else {
            throw TokenizerFileError(
                file: file, line: nil, problem: "is empty (expected '\(formatHeader)')")
        }
        guard let pattern else {
            throw TokenizerFileError(file: file, line: nil, problem: "has no 'pattern' line")
        }
        guard let byteTokens else {
            throw TokenizerFileError(file: file, line: nil, problem: "has no 'bytes' line")
        }
        do {
            return try Tokenizer(
                pattern: pattern, byteTokens: byteTokens, merges: merges, specialTokens: specials)
        } catch let error as TokenizerError {
            throw TokenizerFileError(file: file, line: nil, problem: error.description)
        }
    }

    /// The human view: one line per token, id first; merged tokens show their parts.
    ///   104 [h]
    ///   256 [t][h] -> [th]
    public func vocabularyView() -> String {
        var madeBy: [Int: Merge] = [:]
        for merge in merges where madeBy[merge.token] == nil { madeBy[merge.token] = merge }
        var lines: [String] = []
        for id in 0..<vocabularySize {
            guard let bytes = tokenBytes[id] else { continue }
            if let name = specialName(of: id) {
                lines.append("\(id) special \(name)")
            } else if let merge = madeBy[id] {
                lines.append(
                    "\(id) [\(Self.display(tokenBytes[merge.left]!))][\(Self.display(tokenBytes[merge.right]!))] -> [\(Self.display(bytes))]"
                )
            } else {
                lines.append("\(id) [\(Self.display(bytes))]")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Bytes as readable text: valid UTF-8 as itself, control characters and bytes that are
    /// not (part of) valid UTF-8 as \xNN escapes. "hello\n" → "hello\x0A".
    public static func display(_ bytes: [UInt8]) -> String {
        var out = ""
        var i = 0
        bytes.withUnsafeBufferPointer { buffer in
            let reader = CharacterReader(
                bytes: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, end: buffer.count)
            while i < buffer.count {
                let b = buffer[i]
                if b < 0x80 {
                    out +=
                        (b < 0x20 || b == 0x7F)
                        ? String(format: "\\x%02X", b) : String(UnicodeScalar(b))
                    i += 1
                } else if let (scalar, length) = reader.decodeMultibyte(at: i) {
                    let character = Unicode.Scalar(scalar)!
                    // C1 controls and invisible formatting characters get escapes too.
                    if character.properties.generalCategory == .control
                        || character.properties.generalCategory == .format
                    {
                        out += String(format: "\\u{%X}", scalar)
                    } else {
                        out.unicodeScalars.append(character)
                    }
                    i += length
                } else {
                    out += String(format: "\\x%02X", b)
                    i += 1
                }
            }
        }
        return out
    }
}

/// Writes a whole file or nothing: a temporary file beside the target, then a rename. (This
/// module depends on nothing, so it keeps its own copy of Transformer's `AtomicFile.write`;
/// failures carry their POSIX code, which the callers' `FileWriteError` puts into words.)
func writeAtomically(_ data: Data, to url: URL) throws {
    let directory = url.deletingLastPathComponent()
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let temporary = directory.appendingPathComponent(
        ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max)).tmp"
    )
    do {
        try data.write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else {
            throw NSError(domain: NSPOSIXErrorDomain, code: Int(errno), userInfo: [NSFilePathErrorKey: url.path])
        }
    } catch {
        try? FileManager.default.removeItem(at: temporary)
        throw error
    }
}
