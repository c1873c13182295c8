// Pre-tokenization: text is cut into chunks before BPE, and merges never cross a chunk
// boundary (so " dog" and "dog." do not share a token with the punctuation). These are
// GPT-2's and GPT-4's (cl100k_base) split patterns implemented exactly, as hand-written
// scanners over UTF-8 bytes instead of a regex engine (one pass, no backtracking, no
// allocation). The patterns, as tiktoken writes them:
//   GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   GPT-4: '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+
// Alternatives are tried in order at each position, as a regex engine does.

public enum SplitPattern: String, Codable, Sendable, CaseIterable {
    case gpt2
    case gpt4
    /// No splitting: the whole text is one chunk (BPE as in the original paper).
    case none

    /// Calls `body` with the byte range of every chunk of `bytes`, in order; together they
    /// cover the input exactly.
    public func forEachChunk(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let reader = CharacterReader(bytes: base, end: bytes.count)
        var start = 0
        while start < bytes.count {
            let end: Int
            switch self {
            case .gpt2: end = Self.gpt2ChunkEnd(reader, start)
            case .gpt4: end = Self.gpt4ChunkEnd(reader, start)
            case .none: end = bytes.count
            }
            body(start..<end)
            start = end
        }
    }

    /// The chunks of a string, as strings (invalid UTF-8 cannot occur in a Swift string).
    public func split(_ text: String) -> [String] {
        var utf8 = Array(text.utf8)
        var chunks: [String] = []
        utf8.withUnsafeMutableBufferPointer { buffer in
            let bytes = UnsafeBufferPointer(buffer)
            forEachChunk(bytes) { chunks.append(String(decoding: bytes[$0], as: UTF8.self)) }
        }
        return chunks
    }

    // MARK: GPT-2

    static func gpt2ChunkEnd(_ r: CharacterReader, _ i: Int) -> Int {
        let b = r.bytes
        // 's|'t|'re|'ve|'m|'ll|'d  (lower case only)
        if b[i] == UInt8(ascii: "'"), i + 1 < r.end {
            switch b[i + 1] {
            case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
                return i + 2
            case UInt8(ascii: "r"), UInt8(ascii: "v"):
                if i + 2 < r.end && b[i + 2] == UInt8(ascii: "e") { return i + 3 }
            case UInt8(ascii: "l"):
                if i + 2 < r.end && b[i + 2] == UInt8(ascii: "l") { return i + 3 }
            default: break
            }
        }
        let (first, firstLength) = r.character(at: i)
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
        var runClass = first, runStart = i
        if b[i] == UInt8(ascii: " "), let next = r.characterClass(at: i + 1), next != .whitespace {
            runClass = next
            runStart = i + 1
        }
        if runClass != .whitespace {
            return run(of: runClass, in: r, from: runStart)
        }
        // \s+(?!\S) then \s+: a whitespace run, leaving its last character to the next chunk
        // when a non-space follows (so " word" keeps its space).
        let end = run(of: .whitespace, in: r, from: i)
        if end < r.end && end - i > firstLength {
            return lastCharacterStart(in: r, from: i, to: end)
        }
        return end
    }

    // MARK: GPT-4 (cl100k_base)

    static func gpt4ChunkEnd(_ r: CharacterReader, _ i: Int) -> Int {
        let b = r.bytes
        // '(?i:[sdmt]|ll|ve|re)
        if b[i] == UInt8(ascii: "'"), i + 1 < r.end {
            let c1 = b[i + 1] >= 0x80 ? b[i + 1] : b[i + 1] | 0x20   // ASCII lower case
            switch c1 {
            case UInt8(ascii: "s"), UInt8(ascii: "d"), UInt8(ascii: "m"), UInt8(ascii: "t"):
                return i + 2
            case UInt8(ascii: "l"), UInt8(ascii: "v"), UInt8(ascii: "r"):
                if i + 2 < r.end {
                    let c2 = b[i + 2] | 0x20
                    if (c1 == UInt8(ascii: "l") && c2 == UInt8(ascii: "l"))
                        || (c1 != UInt8(ascii: "l") && c2 == UInt8(ascii: "e"))
                    {
                        return i + 3
                    }
                }
            case 0xC5:
                // Unicode case folding makes 's' also match U+017F (ſ, long s: C5 BF).
                if i + 2 < r.end && b[i + 1] == 0xC5 && b[i + 2] == 0xBF { return i + 3 }
            default: break
            }
        }
        let (first, firstLength) = r.character(at: i)
        // [^\r\n\p{L}\p{N}]?+\p{L}+
        if first == .letter { return run(of: .letter, in: r, from: i) }
        let isLineBreak = b[i] == 0x0A || b[i] == 0x0D
        if first != .number && !isLineBreak && r.characterClass(at: i + firstLength) == .letter {
            return run(of: .letter, in: r, from: i + firstLength)
        }
        // \p{N}{1,3}
        if first == .number {
            var end = i + firstLength, count = 1
            while count < 3, end < r.end {
                let (cls, length) = r.character(at: end)
                guard cls == .number else { break }
                end += length
                count += 1
            }
            return end
        }
        // ` ?[^\s\p{L}\p{N}]++[\r\n]*`
        var symbolsStart: Int?
        if first == .other {
            symbolsStart = i
        } else if b[i] == UInt8(ascii: " "), r.characterClass(at: i + 1) == .other {
            symbolsStart = i + 1
        }
        if let symbolsStart {
            var end = run(of: .other, in: r, from: symbolsStart)
            while end < r.end && (b[end] == 0x0A || b[end] == 0x0D) { end += 1 }
            return end
        }
        // Only whitespace is left. \s*[\r\n]: up to the last line break of the run.
        let end = run(of: .whitespace, in: r, from: i)
        var lastBreak = end - 1
        while lastBreak >= i && b[lastBreak] != 0x0A && b[lastBreak] != 0x0D { lastBreak -= 1 }
        if lastBreak >= i { return lastBreak + 1 }
        // \s+(?!\S), then \s+
        if end < r.end && end - i > firstLength {
            return lastCharacterStart(in: r, from: i, to: end)
        }
        return end
    }

    // MARK: Helpers

    /// The end of the run of characters of class `cls` starting at `i`.
    @inline(__always)
    static func run(of cls: CharacterClass, in r: CharacterReader, from i: Int) -> Int {
        var end = i
        while end < r.end {
            let (c, length) = r.character(at: end)
            guard c == cls else { break }
            end += length
        }
        return end
    }

    /// Where the last character of [from, to) starts (UTF-8 continuation bytes are 10xxxxxx;
    /// whitespace runs contain only valid characters, so stepping back over them is safe).
    @inline(__always)
    static func lastCharacterStart(in r: CharacterReader, from: Int, to end: Int) -> Int {
        var k = end - 1
        while k > from && r.bytes[k] & 0xC0 == 0x80 { k -= 1 }
        return k
    }
}
