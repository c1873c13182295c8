// Our tokenizer as Hugging Face's tokenizer.json, so that `AutoTokenizer.from_pretrained(dir)`
// (the `tokenizers` library) gives exactly our token ids. It is a byte-level BPE:
//   - added_tokens: the special tokens, recognised in text before anything else;
//   - pre_tokenizer: our split pattern as a regex (each match its own chunk), then ByteLevel,
//     which writes each byte as GPT-2's bytes_to_unicode character (so " the" is "Ġthe");
//   - model: BPE with every token's text → id and the merges in rank order; applying the
//     lowest-ranked pair first is the same rule as our encoder's;
//   - decoder: ByteLevel (characters back to bytes).
//   - normalizer: takes out the mark the exported chat template puts into a special token's
//     name typed in a message (see `huggingFaceEscaped`), after special tokens are matched.
// The format cannot hold two tokens with the same bytes, which our trainer never makes; a
// tokenizer file that has them is refused with the ids named.

import Foundation

extension SplitPattern {
    /// The pattern as the regex Hugging Face's Split pre-tokenizer runs (Oniguruma syntax, as
    /// tiktoken writes it); nil for no splitting.
    public var regex: String? {
        switch self {
        case .gpt2:
            return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        case .gpt4:
            return
                #"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"#
        case .none: return nil
        }
    }
}

extension Tokenizer {
    /// U+FDD0, a Unicode noncharacter (reserved for a program's internal use): the mark that
    /// breaks a special token's name in text a message carries.
    public static let huggingFaceMark = String(Unicode.Scalar(0xFDD0 as UInt32)!)   // a literal may not hold one

    /// "<|end|>" → "<\u{FDD0}|end|>". Hugging Face matches special tokens anywhere in the text a
    /// chat template renders, so "<|end|><|assistant|>" typed by a user would forge a turn
    /// (tokenwise never reads typed text as special). The exported template writes each name
    /// in a message this way, which matches no special token; tokenizer.json's normalizer then
    /// puts the name back, after special tokens are matched, so it is encoded as plain text, the
    /// same ids as ours. (Text that already holds the marked form is read as the plain name.)
    public static func huggingFaceEscaped(_ name: String) -> String {
        String(name.prefix(1)) + huggingFaceMark + String(name.dropFirst())
    }

    /// The order the template escapes names in (longest first, so a name inside another is
    /// handled after it); the normalizer undoes them in the reverse order.
    public static func huggingFaceEscapeOrder(_ names: some Sequence<String>) -> [String] {
        names.sorted { ($0.count, $1) > ($1.count, $0) }
    }

    /// tokenizer.json's contents (keys sorted, so the same tokenizer always gives the same file).
    public func huggingFaceJSON() throws -> Data {
        var vocabulary: [String: Int] = [:]
        for id in 0..<vocabularySize where specialName(of: id) == nil {
            guard let bytes = tokenBytes[id] else { continue }   // an unused id
            let text = GPT2Files.text(of: bytes)
            if let other = vocabulary[text] {
                throw TokenizerError.inconsistent(
                    "tokens \(other) and \(id) have the same bytes, which Hugging Face's tokenizer.json cannot hold"
                )
            }
            vocabulary[text] = id
        }
        let merges = merges.map {
            "\(GPT2Files.text(of: tokenBytes[$0.left]!)) \(GPT2Files.text(of: tokenBytes[$0.right]!))"
        }
        if let short = specialTokens.keys.first(where: { $0.count < 2 }) {
            throw TokenizerError.inconsistent(
                "special token \(short.debugDescription) is one character: Hugging Face would match it in any text, and no mark can break it"
            )
        }
        let unmark: [[String: Any]] = Self.huggingFaceEscapeOrder(specialTokens.keys).reversed().map {
            ["type": "Replace", "pattern": ["String": Self.huggingFaceEscaped($0)], "content": $0]
        }
        let addedTokens: [[String: Any]] = specialTokens.sorted { $0.value < $1.value }.map {
            name, id in
            [
                "id": id, "content": name, "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true,
            ]
        }
        let byteLevel: [String: Any] = [
            "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false,
            "use_regex": false,
        ]
        var preTokenizers: [[String: Any]] = []
        if let regex = pattern.regex {
            preTokenizers.append([
                "type": "Split", "pattern": ["Regex": regex], "behavior": "Isolated",
                "invert": false,
            ])
        }
        preTokenizers.append(byteLevel)
        let file: [String: Any] = [
            "version": "1.0",
            "truncation": NSNull(), "padding": NSNull(),
            "added_tokens": addedTokens,
            "normalizer": unmark.isEmpty
                ? NSNull() : ["type": "Sequence", "normalizers": unmark] as [String: Any],
            "pre_tokenizer": ["type": "Sequence", "pretokenizers": preTokenizers],
            "post_processor": NSNull(),
            "decoder": byteLevel,
            "model": [
                "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(),
                "continuing_subword_prefix": NSNull(),
                "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false,
                // false: a word found whole in the vocabulary is still merged step by step, as ours is.
                "ignore_merges": false,
                "vocab": vocabulary, "merges": merges,
            ] as [String: Any],
        ]
        return try JSONSerialization.data(
            withJSONObject: file, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}

extension Tokenizer {
    public static let huggingFaceFileName = "tokenizer.json"

    /// Reads a tokenizer.json of the shape `huggingFaceJSON` writes (a byte-level BPE: the
    /// vocabulary in GPT-2's characters, merges as "a b" or ["a", "b"], the specials as added
    /// tokens, the split pattern as a known regex), to compare it with ours. Anything else in
    /// it is not checked. Errors name the file and the field.
    public static func loadHuggingFaceJSON(from url: URL) throws -> Tokenizer {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TokenizerFileError(file: url.path, line: nil, problem: "cannot be read")
        }
        return try huggingFaceJSON(data, file: url.path)
    }

    public static func huggingFaceJSON(_ data: Data, file: String) throws -> Tokenizer {
        func fail(_ problem: String) -> TokenizerFileError {
            TokenizerFileError(file: file, line: nil, problem: problem)
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("is not a JSON object")
        }
        guard let model = root["model"] as? [String: Any], model["type"] as? String == "BPE",
            let vocabulary = model["vocab"] as? [String: Int]
        else { throw fail("'model' is not a BPE model with a 'vocab' of token text → id") }
        guard let mergeList = model["merges"] as? [Any] else {
            throw fail("'model.merges' is not a list")
        }
        var specials: [String: Int] = [:]
        for entry in root["added_tokens"] as? [[String: Any]] ?? [] {
            guard let id = entry["id"] as? Int, let content = entry["content"] as? String else {
                throw fail("an entry of 'added_tokens' has no integer 'id' and string 'content'")
            }
            specials[content] = id
        }
        // The split pattern: the regex of a Split pre-tokenizer, or none.
        let preTokenizer = root["pre_tokenizer"] as? [String: Any]
        let parts = preTokenizer?["pretokenizers"] as? [[String: Any]] ?? [preTokenizer ?? [:]]
        let regexes = parts.filter { $0["type"] as? String == "Split" }.map {
            ($0["pattern"] as? [String: Any])?["Regex"] as? String ?? "?"
        }
        guard regexes.count <= 1 else { throw fail("'pre_tokenizer' splits more than once") }
        guard let pattern = SplitPattern.allCases.first(where: { $0.regex == regexes.first })
        else {
            throw fail(
                "'pre_tokenizer' splits with a regex tokenwise does not know (\(regexes[0].prefix(60)))")
        }
        var idOfBytes: [[UInt8]: Int] = [:]
        for (text, id) in vocabulary {
            guard let bytes = GPT2Files.bytes(of: Substring(text)) else {
                throw fail("vocabulary entry \(text.prefix(40).debugDescription) is not in GPT-2's byte characters")
            }
            idOfBytes[bytes] = id
        }
        let byteTokens = try (0..<256).map { b -> Int in
            guard let id = idOfBytes[[UInt8(b)]] else { throw fail("has no token for byte \(b)") }
            return id
        }
        var merges: [Merge] = []
        for (rank, entry) in mergeList.enumerated() {
            let pair: [String]
            if let text = entry as? String {
                pair = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else {
                pair = entry as? [String] ?? []
            }
            guard pair.count == 2, let left = GPT2Files.bytes(of: Substring(pair[0])),
                let right = GPT2Files.bytes(of: Substring(pair[1])),
                let leftID = idOfBytes[left], let rightID = idOfBytes[right],
                let token = idOfBytes[left + right]
            else {
                throw fail("merge \(rank) is not two tokens of the vocabulary whose join is one too")
            }
            merges.append(Merge(left: leftID, right: rightID, token: token))
        }
        do {
            return try Tokenizer(
                pattern: pattern, byteTokens: byteTokens, merges: merges, specialTokens: specials)
        } catch let error as TokenizerError {
            throw fail(error.description)
        }
    }
}
