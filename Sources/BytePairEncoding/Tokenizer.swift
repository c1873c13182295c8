// A byte-level BPE tokenizer: text → bytes → chunks (the split pattern) → tokens, by
// applying the learned merges in rank order inside each chunk; and back. Any byte string
// round-trips, invalid UTF-8 included. Token ids need not follow byte values or merge order
// (GPT-2's vocab.json and tiktoken's rank files number them their own way), so the byte →
// token map, the merges and each token's bytes are all explicit. Special tokens (such as
// <|endoftext|>) have ids but no merges: they are recognised only where a caller allows them.

import Foundation

/// Two tokens that combine into a third; a merge's rank is its position in `Tokenizer.merges`.
public struct Merge: Codable, Equatable, Hashable, Sendable {
    public let left: Int
    public let right: Int
    public let token: Int

    public init(left: Int, right: Int, token: Int) {
        self.left = left; self.right = right; self.token = token
    }
}

public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case unknownToken(Int)
    case inconsistent(String)

    public var description: String {
        switch self {
        case .unknownToken(let id): return "token id \(id) is not in the vocabulary"
        case .inconsistent(let problem): return "inconsistent tokenizer: \(problem)"
        }
    }
}

public final class Tokenizer: @unchecked Sendable {   // immutable after init
    public let pattern: SplitPattern
    /// Merges in rank order (earlier merges apply first).
    public let merges: [Merge]
    /// Special token text → id.
    public let specialTokens: [String: Int]
    /// The token for each byte value.
    public let byteTokens: [Int]
    /// Bytes of every token id; nil for ids the vocabulary leaves unused.
    let tokenBytes: [[UInt8]?]
    /// (left, right) → entry, with that merge's rank and result token.
    let mergeIndex: PairMap
    let mergeRanks: [Int32]
    let mergeResults: [Int32]
    let byteTokens32: [Int32]

    /// Ids run from 0 to `vocabularySize − 1` (a model's embedding needs this many rows).
    public var vocabularySize: Int { tokenBytes.count }

    /// Builds and checks a tokenizer: every byte has a token, every merge joins two known
    /// tokens into one whose bytes are theirs concatenated, ids do not collide. Without
    /// `vocabulary`, each merge's halves must be defined before it (trained and GPT-2 files);
    /// with it (tiktoken files list every token's bytes), merges may come in any order.
    public init(
        pattern: SplitPattern, byteTokens: [Int], merges: [Merge],
        specialTokens: [String: Int] = [:],
        vocabulary: [Int: [UInt8]]? = nil
    ) throws {
        guard byteTokens.count == 256 else {
            throw TokenizerError.inconsistent("\(byteTokens.count) byte tokens, need 256")
        }
        let allIDs =
            byteTokens + merges.flatMap { [$0.left, $0.right, $0.token] }
            + Array(specialTokens.values) + Array(vocabulary?.keys ?? [:].keys)
        guard allIDs.allSatisfy({ $0 >= 0 && $0 < 1 << 30 }) else {
            throw TokenizerError.inconsistent("a token id is negative or too large")
        }
        // Ids index an array: one token numbered 1,000,000,000 in a file would allocate 8 GB
        // (the fuzzer found it in a tokenizer.json). Real vocabularies run from 0 with few gaps.
        let defined = Set(allIDs).count, largest = allIDs.max() ?? 0
        guard largest < 2 * defined + 1024 else {
            throw TokenizerError.inconsistent(
                "token id \(largest) is far beyond the \(defined) tokens defined (ids run from 0 with few gaps)")
        }
        var bytes = [[UInt8]?](repeating: nil, count: largest + 1)
        for (id, tokenBytes) in vocabulary ?? [:] { bytes[id] = tokenBytes }
        for (value, id) in byteTokens.enumerated() {
            if vocabulary == nil {
                guard bytes[id] == nil else {
                    throw TokenizerError.inconsistent("token \(id) is given to two bytes")
                }
            } else {
                guard bytes[id] == [UInt8(value)] else {
                    throw TokenizerError.inconsistent("token \(id) is not byte \(value)")
                }
            }
            bytes[id] = [UInt8(value)]
        }
        var index = PairMap(capacity: merges.count)
        var ranks: [Int32] = [], results: [Int32] = []
        ranks.reserveCapacity(merges.count); results.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            guard let left = bytes[merge.left], let right = bytes[merge.right] else {
                throw TokenizerError.inconsistent(
                    "merge \(rank) joins \(merge.left) and \(merge.right), which are not defined before it"
                )
            }
            if let existing = bytes[merge.token], existing != left + right {
                throw TokenizerError.inconsistent(
                    "merge \(rank) makes token \(merge.token) from different bytes than it has")
            }
            bytes[merge.token] = left + right
            // The first (lowest-rank) merge of a pair wins.
            if index.findOrInsert(PairMap.key(Int32(merge.left), Int32(merge.right))).inserted {
                ranks.append(Int32(rank)); results.append(Int32(merge.token))
            }
        }
        for (text, id) in specialTokens {
            // Names are printed on terminals and pages: a control character (ESC, a C1 CSI) or
            // a bidi override in one would reach them as a command, not as text.
            if let bad = text.unicodeScalars.first(where: Self.isControlOrBidi) {
                throw TokenizerError.inconsistent(
                    "special token \(text.debugDescription) holds the control character U+\(String(format: "%04X", bad.value))"
                )
            }
            guard text.utf8.count <= 256 else {
                throw TokenizerError.inconsistent(
                    "special token \(text.prefix(40).debugDescription)… is longer than 256 bytes")
            }
            guard bytes[id] == nil || vocabulary?[id] == Array(text.utf8) else {
                throw TokenizerError.inconsistent("special token \(text) reuses id \(id)")
            }
            bytes[id] = Array(text.utf8)
        }
        self.pattern = pattern
        self.merges = merges
        self.specialTokens = specialTokens
        self.byteTokens = byteTokens
        self.byteTokens32 = byteTokens.map { Int32($0) }
        self.tokenBytes = bytes
        self.mergeIndex = index
        self.mergeRanks = ranks
        self.mergeResults = results
    }

    /// The bytes of one token (a special token's are its UTF-8 text).
    public func bytes(of token: Int) throws -> [UInt8] {
        guard let bytes = tokenBytes[safe: token] ?? nil else {
            throw TokenizerError.unknownToken(token)
        }
        return bytes
    }

    /// C0 and C1 controls, DEL and the bidirectional formatting characters: what must never
    /// reach a terminal raw (special-token names here, `TerminalText` for everything printed).
    public static func isControlOrBidi(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x061C:
            return true
        default: return false
        }
    }

    /// The special token with this id, if it is one.
    public func specialName(of token: Int) -> String? {
        specialTokens.first { $0.value == token }?.key
    }

    // MARK: Decoding

    /// The bytes of a token sequence, exactly (a token may end in the middle of a character).
    public func decode(_ tokens: [Int]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(tokens.count * 4)
        for token in tokens {
            guard let bytes = tokenBytes[safe: token] ?? nil else {
                throw TokenizerError.unknownToken(token)
            }
            out.append(contentsOf: bytes)
        }
        return out
    }

    /// The text of a token sequence; bytes that are not valid UTF-8 become U+FFFD.
    public func decodeText(_ tokens: [Int]) throws -> String {
        String(decoding: try decode(tokens), as: UTF8.self)
    }

    /// The text with each byte that is not part of a whole UTF-8 character shown as "⟨e2⟩"
    /// rather than "�": a token may hold part of a character, and a sampled next token need not
    /// complete it, so a reader sees which bytes the model wrote.
    public func readableText(_ tokens: [Int]) throws -> String {
        Self.readable(try decode(tokens))
    }

    static func readable(_ bytes: [UInt8]) -> String {
        var out = "", i = 0
        while i < bytes.count {
            let lead = bytes[i]
            // The character's length by its lead byte's high bits (0 for a continuation byte).
            let length =
                switch lead {
                case ..<0x80: 1
                case 0xC0..<0xE0: 2
                case 0xE0..<0xF0: 3
                case 0xF0..<0xF8: 4
                default: 0
                }
            if length > 0, i + length <= bytes.count,
                let character = String(validating: bytes[i..<i + length], as: UTF8.self)
            {
                out += character; i += length
            } else {
                out += "⟨" + String(lead, radix: 16).leftPadded(to: 2) + "⟩"; i += 1
            }
        }
        return out
    }

    // MARK: Encoding

    /// Which special tokens `encode` recognises in text.
    public enum AllowedSpecial: Sendable {
        case none
        case all
        case only(Set<String>)
    }

    /// The tokens of `text`. Special tokens are recognised only where allowed; elsewhere
    /// "<|endoftext|>" is just text and gets ordinary tokens.
    public func encode(_ text: String, allowedSpecial: AllowedSpecial = .none) -> [Int] {
        var utf8 = text.utf8.withContiguousStorageIfAvailable { Array($0) } ?? Array(text.utf8)
        let specials: [(bytes: [UInt8], id: Int)]
        switch allowedSpecial {
        case .none: specials = []
        case .all: specials = specialTokens.map { (Array($0.key.utf8), $0.value) }
        case .only(let names):
            specials = specialTokens.filter { names.contains($0.key) }.map {
                (Array($0.key.utf8), $0.value)
            }
        }
        var out: [Int] = []
        out.reserveCapacity(utf8.count / 3)
        var cache = EncodingCache()
        utf8.withUnsafeMutableBufferPointer { buffer in
            let bytes = UnsafeBufferPointer(buffer)
            var start = 0
            // Ordinary text up to each special token, then the special token itself.
            while let (position, special) = Self.firstSpecial(specials, in: bytes, from: start) {
                encodeOrdinary(
                    UnsafeBufferPointer(rebasing: bytes[start..<position]), into: &out,
                    cache: &cache)
                out.append(special.id)
                start = position + special.bytes.count
            }
            encodeOrdinary(
                UnsafeBufferPointer(rebasing: bytes[start...]), into: &out, cache: &cache)
        }
        return out
    }

    /// The tokens of any byte string (no special tokens).
    public func encode(bytes: [UInt8]) -> [Int] {
        var out: [Int] = []
        var cache = EncodingCache()
        bytes.withUnsafeBufferPointer { encodeOrdinary($0, into: &out, cache: &cache) }
        return out
    }

    /// Earliest occurrence of any of `specials` at or after `start` (the longest wins a tie).
    static func firstSpecial(
        _ specials: [(bytes: [UInt8], id: Int)], in bytes: UnsafeBufferPointer<UInt8>,
        from start: Int
    ) -> (Int, (bytes: [UInt8], id: Int))? {
        guard !specials.isEmpty else { return nil }
        var position = start
        while position < bytes.count {
            var best: (bytes: [UInt8], id: Int)?
            for special in specials
            where special.bytes.count <= bytes.count - position
                && special.bytes.first == bytes[position]
            {
                if special.bytes.withUnsafeBufferPointer({
                    memcmp($0.baseAddress!, bytes.baseAddress! + position, $0.count) == 0
                }),
                    special.bytes.count > (best?.bytes.count ?? 0)
                {
                    best = special
                }
            }
            if let best { return (position, best) }
            position += 1
        }
        return nil
    }

    /// Chunks already encoded in this call: text repeats, so most chunks are looked up.
    struct EncodingCache {
        var table = ByteStringTable(capacity: 4096)
        var starts: [Int] = [0]
        var tokens: [Int32] = []
        static let maximumEntries = 1 << 20
    }

    func encodeOrdinary(
        _ bytes: UnsafeBufferPointer<UInt8>, into out: inout [Int], cache: inout EncodingCache
    ) {
        guard let base = bytes.baseAddress else { return }
        var parts: [Int32] = []
        pattern.forEachChunk(bytes) { range in
            let p = base + range.lowerBound, n = range.count
            if n == 1 { out.append(byteTokens[Int(p[0])]); return }
            if let entry = cache.table.find(p, n) {
                for i in cache.starts[entry]..<cache.starts[entry + 1] {
                    out.append(Int(cache.tokens[i]))
                }
                return
            }
            parts.removeAll(keepingCapacity: true)
            for i in 0..<n { parts.append(byteTokens32[Int(p[i])]) }
            applyMerges(&parts)
            for token in parts { out.append(Int(token)) }
            if cache.table.count < EncodingCache.maximumEntries {
                _ = cache.table.findOrInsert(p, n)
                cache.tokens.append(contentsOf: parts)
                cache.starts.append(cache.tokens.count)
            }
        }
    }

    /// Rank of merging `left` and `right`, or Int32.max when no merge joins them.
    @inline(__always)
    func rank(_ left: Int32, _ right: Int32) -> (rank: Int32, token: Int32) {
        guard let entry = mergeIndex.find(PairMap.key(left, right)) else { return (.max, -1) }
        return (mergeRanks[entry], mergeResults[entry])
    }

    /// BPE inside one chunk: repeatedly merge the adjacent pair with the lowest rank (the
    /// leftmost among equals), until no adjacent pair has a merge.
    func applyMerges(_ parts: inout [Int32]) {
        if parts.count > 256 { return applyMergesWithHeap(&parts) }
        // Short chunks (nearly all): keep each adjacent pair's rank and scan for the lowest.
        var ranks = (0..<parts.count - 1).map { rank(parts[$0], parts[$0 + 1]) }
        while true {
            var best = -1, bestRank = Int32.max
            for (i, r) in ranks.enumerated() where r.rank < bestRank { best = i; bestRank = r.rank }
            if best < 0 { return }
            parts[best] = ranks[best].token
            parts.remove(at: best + 1)
            ranks.remove(at: best)
            if best > 0 { ranks[best - 1] = rank(parts[best - 1], parts[best]) }
            if best < ranks.count { ranks[best] = rank(parts[best], parts[best + 1]) }
        }
    }

    /// The same merges for long chunks in O(n log n): a linked list of parts and a min-heap
    /// of (rank, position) candidates, re-checked when popped.
    func applyMergesWithHeap(_ parts: inout [Int32]) {
        let n = parts.count
        var next = Array(1...n), previous = Array(-1..<(n - 1))
        var alive = [Bool](repeating: true, count: n)
        var heap = BinaryHeap<RankOrder>()
        for i in 0..<(n - 1) {
            let r = rank(parts[i], parts[i + 1]).rank
            if r != .max { heap.push((r, i)) }
        }
        while let (r, i) = heap.pop() {
            guard alive[i], next[i] < n else { continue }
            let j = next[i]
            let current = rank(parts[i], parts[j])
            guard current.rank == r else { continue }   // stale: the pair changed since
            parts[i] = current.token
            alive[j] = false
            next[i] = next[j]
            if next[j] < n { previous[next[j]] = i }
            if previous[i] >= 0 {
                let left = rank(parts[previous[i]], parts[i]).rank
                if left != .max { heap.push((left, previous[i])) }
            }
            if next[i] < n {
                let right = rank(parts[i], parts[next[i]]).rank
                if right != .max { heap.push((right, i)) }
            }
        }
        parts = (0..<n).filter { alive[$0] }.map { parts[$0] }
    }
}

/// Merge candidates: lower rank first, then the leftmost position.
enum RankOrder: HeapOrder {
    static func before(_ a: (rank: Int32, position: Int), _ b: (rank: Int32, position: Int)) -> Bool
    {
        a.rank != b.rank ? a.rank < b.rank : a.position < b.position
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
