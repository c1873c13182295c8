// GPT-2's tokenizer files (as published with the model and read by Hugging Face):
// vocab.json maps each token's text to its id, merges.txt lists the merges in rank order
// ("#version: 0.2", then "left right" per line). Token text is the token's bytes through
// GPT-2's bytes_to_unicode table: printable Latin-1 bytes stand for themselves, the other
// 68 bytes for U+0100 onwards (so a space is "Ġ"), which keeps every token free of spaces.
// Vocabulary entries made by no merge and no byte are special tokens (<|endoftext|>).

import Foundation

public enum GPT2Files {
    /// byte value → the character standing for it (GPT-2's bytes_to_unicode).
    public static let byteToCharacter: [Character] = {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        var table = [Character](repeating: " ", count: 256)
        for b in printable { table[b] = Character(Unicode.Scalar(UInt8(b))) }
        var next = 0
        for b in 0..<256 where !printable.contains(b) {
            table[b] = Character(Unicode.Scalar(UInt32(256 + next))!)
            next += 1
        }
        return table
    }()

    static let characterToByte: [Character: UInt8] = Dictionary(
        uniqueKeysWithValues: byteToCharacter.enumerated().map { ($1, UInt8($0)) })

    /// A token's bytes as GPT-2 writes them.
    public static func text(of bytes: [UInt8]) -> String {
        String(bytes.map { byteToCharacter[Int($0)] })
    }

    /// The bytes a GPT-2 token text stands for, or nil if a character is outside the table.
    public static func bytes(of text: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        for character in text {
            guard let b = characterToByte[character] else { return nil }
            out.append(b)
        }
        return out
    }

    /// Writes vocab.json and merges.txt into `directory`.
    public static func save(_ tokenizer: Tokenizer, to directory: URL) throws {
        var vocabulary: [String: Int] = [:]
        for id in 0..<tokenizer.vocabularySize {
            guard let bytes = tokenizer.tokenBytes[id] else { continue }
            vocabulary[tokenizer.specialName(of: id) ?? text(of: bytes)] = id
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try writeAtomically(
            try encoder.encode(vocabulary), to: directory.appendingPathComponent("vocab.json"))
        var lines = ["#version: 0.2"]
        for merge in tokenizer.merges {
            lines.append(
                "\(text(of: tokenizer.tokenBytes[merge.left]!)) \(text(of: tokenizer.tokenBytes[merge.right]!))"
            )
        }
        try writeAtomically(
            Data((lines.joined(separator: "\n") + "\n").utf8),
            to: directory.appendingPathComponent("merges.txt"))
    }

    /// Reads vocab.json and merges.txt from `directory`; they split text with GPT-2's pattern.
    public static func load(from directory: URL, pattern: SplitPattern = .gpt2) throws -> Tokenizer
    {
        let vocabularyURL = directory.appendingPathComponent("vocab.json")
        let mergesURL = directory.appendingPathComponent("merges.txt")
        func fail(_ url: URL, _ line: Int?, _ problem: String) -> TokenizerFileError {
            TokenizerFileError(file: url.path, line: line, problem: problem)
        }
        guard let vocabularyData = FileManager.default.contents(atPath: vocabularyURL.path) else {
            throw fail(vocabularyURL, nil, "cannot be read")
        }
        let vocabulary: [String: Int]
        do { vocabulary = try JSONDecoder().decode([String: Int].self, from: vocabularyData) } catch
        {
            throw fail(
                vocabularyURL, nil,
                "is not a JSON object of token text → id (\(error.localizedDescription))")
        }
        var bytesToID: [[UInt8]: Int] = [:]
        var unmapped: [String: Int] = [:]
        for (text, id) in vocabulary {
            if let bytes = bytes(of: Substring(text)) {
                bytesToID[bytes] = id
            } else {
                unmapped[text] = id
            }
        }
        var byteTokens: [Int] = []
        for b in 0..<256 {
            guard let id = bytesToID[[UInt8(b)]] else {
                throw fail(
                    vocabularyURL, nil, "has no token for byte \(b) ('\(byteToCharacter[b])')")
            }
            byteTokens.append(id)
        }
        guard let mergesData = FileManager.default.contents(atPath: mergesURL.path),
            let mergesText = String(data: mergesData, encoding: .utf8)
        else {
            throw fail(mergesURL, nil, "cannot be read as UTF-8 text")
        }
        var merges: [Merge] = []
        var produced = Set(byteTokens)
        for (index, line) in mergesText.fileLines.enumerated() {
            if line.isEmpty || (index == 0 && line.hasPrefix("#version")) { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw fail(
                    mergesURL, index + 1,
                    "expected two tokens separated by one space, found '\(line.prefix(60))'")
            }
            guard let left = bytes(of: parts[0]), let right = bytes(of: parts[1]) else {
                throw fail(
                    mergesURL, index + 1,
                    "'\(line.prefix(60))' uses a character outside GPT-2's byte table")
            }
            guard let leftID = bytesToID[left], let rightID = bytesToID[right] else {
                throw fail(
                    mergesURL, index + 1,
                    "'\(line.prefix(60))' names a token missing from vocab.json")
            }
            guard let merged = bytesToID[left + right] else {
                throw fail(
                    mergesURL, index + 1,
                    "the merge of '\(line.prefix(60))' is missing from vocab.json")
            }
            merges.append(Merge(left: leftID, right: rightID, token: merged))
            produced.insert(merged)
        }
        guard !merges.isEmpty else {
            throw fail(mergesURL, nil, "holds no merges: empty, or not GPT-2's merges.txt")
        }
        // Tokens neither a byte nor a merge result: special tokens (GPT-2's <|endoftext|>). An
        // ordinary token no merge makes means merges.txt is cut short or belongs to other files.
        var specials = unmapped
        for (bytes, id) in bytesToID where !produced.contains(id) {
            let text = String(decoding: bytes, as: UTF8.self)
            guard text.hasPrefix("<") && text.hasSuffix(">") && text.count > 2 else {
                throw fail(
                    mergesURL, nil,
                    "no merge makes token \(id) (\(text.debugDescription)) of vocab.json: merges.txt is truncated or belongs to another vocabulary"
                )
            }
            specials[text] = id
        }
        do {
            return try Tokenizer(
                pattern: pattern, byteTokens: byteTokens, merges: merges, specialTokens: specials)
        } catch let error as TokenizerError {
            throw fail(directory, nil, error.description)
        }
    }
}

/// tiktoken's rank files (cl100k_base.tiktoken …): one "BASE64 RANK" line per token, no
/// merge list. tiktoken merges the adjacent pair whose concatenation has the lowest rank,
/// so every split of a token into two tokens is a merge with that token's rank.
public enum TiktokenFile {
    public static func load(
        from url: URL, pattern: SplitPattern = .gpt4, specialTokens: [String: Int] = [:]
    ) throws -> Tokenizer {
        func fail(_ line: Int?, _ problem: String) -> TokenizerFileError {
            TokenizerFileError(file: url.path, line: line, problem: problem)
        }
        guard let data = FileManager.default.contents(atPath: url.path),
            let text = String(data: data, encoding: .utf8)
        else {
            throw fail(nil, "cannot be read as text")
        }
        var ranked: [(bytes: [UInt8], rank: Int)] = []
        var table = ByteStringTable(capacity: 1 << 16)
        var rankOfEntry: [Int] = []
        for (index, line) in text.fileLines.enumerated() {
            if line.isEmpty { continue }
            let parts = line.split(separator: " ")
            guard parts.count == 2, let rank = Int(parts[1]), rank >= 0 else {
                throw fail(index + 1, "expected 'BASE64 RANK', found '\(line.prefix(60))'")
            }
            guard let bytes = Data(base64Encoded: String(parts[0])), !bytes.isEmpty else {
                throw fail(index + 1, "'\(parts[0].prefix(40))' is not valid base64")
            }
            let array = [UInt8](bytes)
            let inserted = array.withUnsafeBufferPointer {
                table.findOrInsert($0.baseAddress!, $0.count).inserted
            }
            guard inserted else {
                throw fail(index + 1, "token '\(parts[0].prefix(40))' is listed twice")
            }
            rankOfEntry.append(rank)
            ranked.append((array, rank))
        }
        func rank(of bytes: ArraySlice<UInt8>) -> Int? {
            let entry = bytes.withUnsafeBufferPointer { table.find($0.baseAddress!, $0.count) }
            return entry.map { rankOfEntry[$0] }
        }
        var byteTokens: [Int] = []
        for b in 0..<256 {
            guard let r = rank(of: [UInt8(b)][...]) else {
                throw fail(nil, "has no token for byte \(b)")
            }
            byteTokens.append(r)
        }
        var merges: [Merge] = []
        for (bytes, token) in ranked.sorted(by: { $0.rank < $1.rank }) where bytes.count > 1 {
            for cut in 1..<bytes.count {
                if let left = rank(of: bytes[..<cut]), let right = rank(of: bytes[cut...]) {
                    merges.append(Merge(left: left, right: right, token: token))
                }
            }
        }
        let vocabulary = Dictionary(
            ranked.map { ($0.rank, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        guard vocabulary.count == ranked.count else { throw fail(nil, "two tokens share a rank") }
        do {
            return try Tokenizer(
                pattern: pattern, byteTokens: byteTokens, merges: merges,
                specialTokens: specialTokens,
                vocabulary: vocabulary)
        } catch let error as TokenizerError {
            throw fail(nil, error.description)
        }
    }

    /// Writes the rank file of a tokenizer whose token ids are its ranks.
    public static func save(_ tokenizer: Tokenizer, to url: URL) throws {
        var lines: [String] = []
        for id in 0..<tokenizer.vocabularySize where tokenizer.specialName(of: id) == nil {
            guard let bytes = tokenizer.tokenBytes[id] else { continue }
            lines.append("\(Data(bytes).base64EncodedString()) \(id)")
        }
        try writeAtomically(Data((lines.joined(separator: "\n") + "\n").utf8), to: url)
    }
}
