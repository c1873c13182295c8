// Learning the merges: start from the 256 byte values and repeatedly mint a token for the
// most frequent adjacent pair (Sennrich et al. 2016; GPT-2's byte-level variant). Fast
// because it never recounts the corpus: the text is split into chunks and identical chunks
// are counted once with a weight; pair counts are updated only where a merge touches them;
// a max-heap with lazy invalidation finds the next pair. Ties go to the smaller (left, right)
// ids, so training is deterministic.
// Leaves out: parallel counting, progress events (training takes well under a second).

import Foundation

public enum BPETrainer {
    /// A tokenizer whose vocabulary has exactly `vocabularySize` tokens: the 256 bytes, then
    /// merges in the order learned (token 256 + rank), then `specialTokens` (if the text runs out
    /// of pairs first, fewer merges are learned and the vocabulary is smaller).
    public static func train(
        text: String, vocabularySize: Int, pattern: SplitPattern = .gpt4,
        specialTokens: [String] = []
    ) throws -> Tokenizer {
        try train(
            bytes: Array(text.utf8), vocabularySize: vocabularySize, pattern: pattern,
            specialTokens: specialTokens)
    }

    public static func train(
        bytes: [UInt8], vocabularySize: Int, pattern: SplitPattern = .gpt4,
        specialTokens: [String] = []
    ) throws -> Tokenizer {
        let mergeCount = vocabularySize - 256 - specialTokens.count
        guard mergeCount >= 0 else {
            throw TokenizerError.inconsistent(
                "a vocabulary of \(vocabularySize) cannot hold the 256 bytes and \(specialTokens.count) special tokens"
            )
        }
        guard Set(specialTokens).count == specialTokens.count else {
            throw TokenizerError.inconsistent("a special token is listed twice")
        }
        let merges = learnMerges(bytes: bytes, count: mergeCount, pattern: pattern)
        let specials = Dictionary(
            uniqueKeysWithValues: specialTokens.enumerated().map { ($1, 256 + merges.count + $0) })
        return try Tokenizer(
            pattern: pattern, byteTokens: Array(0..<256), merges: merges, specialTokens: specials)
    }

    /// The first `count` merges for `bytes` (token ids: bytes 0–255, merge r makes 256 + r).
    static func learnMerges(bytes: [UInt8], count: Int, pattern: SplitPattern) -> [Merge] {
        var words = WordTable(bytes: bytes, pattern: pattern)
        var merges: [Merge] = []
        merges.reserveCapacity(count)
        while merges.count < count, let (left, right) = words.mostFrequentPair() {
            let token = Int32(256 + merges.count)
            words.merge(left, right, into: token, stamp: Int32(merges.count))
            merges.append(Merge(left: Int(left), right: Int(right), token: Int(token)))
        }
        return merges
    }
}

/// The unique chunks of the text as symbol sequences, with their counts, and the pair
/// statistics over them.
struct WordTable {
    // Symbols of every word, back to back; word w occupies symbols[start[w] ..< start[w] + length[w]].
    var symbols: [Int32] = []
    var start: [Int] = []
    var length: [Int] = []
    var weight: [Int] = []   // how often the chunk occurs in the text
    var lastStamp: [Int32] = []   // the merge that last rewrote this word (skips repeats in a list)

    var pairs = PairMap(capacity: 1 << 16)
    var pairCounts: [Int] = []   // by pair entry
    var pairWords: [[Int32]] = []   // by pair entry: words that contained the pair (may be stale)
    var heap = BinaryHeap<CountOrder>()

    init(bytes: [UInt8], pattern: SplitPattern) {
        // Count identical chunks once.
        var table = ByteStringTable(capacity: 1 << 14)
        var counts: [Int] = []
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            pattern.forEachChunk(buffer) { range in
                let (entry, inserted) = table.findOrInsert(base + range.lowerBound, range.count)
                if inserted { counts.append(0) }
                counts[entry] += 1
            }
        }
        for entry in 0..<table.count {
            let key = table.key(entry)
            start.append(symbols.count)
            length.append(key.count)
            weight.append(counts[entry])
            symbols.append(contentsOf: key.map { Int32($0) })
        }
        lastStamp = [Int32](repeating: -1, count: weight.count)
        // Initial pair counts.
        for w in 0..<weight.count {
            let s = start[w]
            for i in s..<s + length[w] - 1 { add(symbols[i], symbols[i + 1], weight[w], word: w) }
        }
        for entry in 0..<pairCounts.count where pairCounts[entry] > 0 {
            heap.push((pairCounts[entry], pairs.keys[entry]))
        }
    }

    /// Changes a pair's count by `delta`; a positive change remembers the word.
    @inline(__always)
    mutating func add(_ left: Int32, _ right: Int32, _ delta: Int, word: Int) {
        let (entry, inserted) = pairs.findOrInsert(PairMap.key(left, right))
        if inserted { pairCounts.append(0); pairWords.append([]) }
        pairCounts[entry] += delta
        if delta > 0 { pairWords[entry].append(Int32(word)) }
    }

    /// The pair with the highest count (ties: the smaller key), or nil when none is left.
    mutating func mostFrequentPair() -> (Int32, Int32)? {
        while let (count, key) = heap.pop() {
            guard let entry = pairs.find(key) else { continue }
            let current = pairCounts[entry]
            if current == count && current > 0 {
                return (
                    Int32(truncatingIfNeeded: key >> 32),
                    Int32(truncatingIfNeeded: key & 0xFFFF_FFFF)
                )
            }
            // Stale (the count went down since this entry was pushed): push the real count.
            if current > 0 && current < count { heap.push((current, key)) }
        }
        return nil
    }

    /// Replaces every (left, right) by `token` in the words that hold it, updating the counts
    /// of the pairs around each replacement.
    mutating func merge(_ left: Int32, _ right: Int32, into token: Int32, stamp: Int32) {
        guard let entry = pairs.find(PairMap.key(left, right)) else { return }
        let candidates = pairWords[entry]
        pairWords[entry] = []
        var increased: [UInt64] = []
        for word32 in candidates {
            let w = Int(word32)
            if lastStamp[w] == stamp { continue }
            lastStamp[w] = stamp
            let s = start[w], end = s + length[w], count = weight[w]
            var read = s, write = s
            while read < end {
                if read + 1 < end && symbols[read] == left && symbols[read + 1] == right {
                    if write > s {
                        let before = symbols[write - 1]
                        add(before, left, -count, word: w)
                        add(before, token, count, word: w)
                        increased.append(PairMap.key(before, token))
                    }
                    if read + 2 < end {
                        let after = symbols[read + 2]
                        add(right, after, -count, word: w)
                        add(token, after, count, word: w)
                        increased.append(PairMap.key(token, after))
                    }
                    add(left, right, -count, word: w)
                    symbols[write] = token
                    read += 2
                } else {
                    symbols[write] = symbols[read]
                    read += 1
                }
                write += 1
            }
            length[w] = write - s
        }
        // Pairs that grew need a heap entry with their new count (a stale lower one would
        // surface too late); pairs that shrank are corrected lazily when popped.
        increased.sort()
        var previous: UInt64?
        for key in increased where key != previous {
            previous = key
            if let e = pairs.find(key), pairCounts[e] > 0 { heap.push((pairCounts[e], key)) }
        }
    }
}

/// Pair candidates: higher count first, then the smaller pair key.
enum CountOrder: HeapOrder {
    static func before(_ a: (count: Int, key: UInt64), _ b: (count: Int, key: UInt64)) -> Bool {
        a.count != b.count ? a.count > b.count : a.key < b.key
    }
}

/// The slow, obvious trainer: recount every pair over every chunk before each merge.
/// The oracle for `BPETrainer` in tests (same tie-breaking: the smaller (left, right)).
public enum BPEReferenceTrainer {
    public static func learnMerges(bytes: [UInt8], count: Int, pattern: SplitPattern) -> [Merge] {
        var words: [[Int32]] = []
        bytes.withUnsafeBufferPointer { buffer in
            pattern.forEachChunk(buffer) { words.append(buffer[$0].map { Int32($0) }) }
        }
        var merges: [Merge] = []
        while merges.count < count {
            var counts: [UInt64: Int] = [:]
            for word in words where word.count > 1 {
                for i in 0..<(word.count - 1) {
                    counts[PairMap.key(word[i], word[i + 1]), default: 0] += 1
                }
            }
            guard
                let best = counts.max(by: {
                    $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key
                })
            else { break }
            let left = Int32(truncatingIfNeeded: best.key >> 32),
                right = Int32(truncatingIfNeeded: best.key & 0xFFFF_FFFF)
            let token = Int32(256 + merges.count)
            words = words.map { word in
                var out: [Int32] = [], i = 0
                while i < word.count {
                    if i + 1 < word.count && word[i] == left && word[i + 1] == right {
                        out.append(token); i += 2
                    } else {
                        out.append(word[i]); i += 1
                    }
                }
                return out
            }
            merges.append(Merge(left: Int(left), right: Int(right), token: Int(token)))
        }
        return merges
    }
}
