// Our tokenizer as Hugging Face's tokenizer.json, so that `AutoTokenizer.from_pretrained(dir)`
// (the `tokenizers` library) gives exactly our token ids. It is a byte-level BPE:
//   - added_tokens: the special tokens, recognised in text before anything else;
//   - pre_tokenizer: our split pattern as a regex (each match its own chunk), then ByteLevel,
//     which writes each byte as GPT-2's bytes_to_unicode character (so " the" is "Ġthe");
//   - model: BPE with every token's text → id and the merges in rank order; applying the
//     lowest-ranked pair first is the same rule as our encoder's;
//   - decoder: ByteLevel (characters back to bytes).
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
            "normalizer": NSNull(),
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
