import Foundation
import Testing
@testable import BytePairEncoding

/// A small training text with repetition, numbers, code and several scripts.
let trainingText: String = {
    var parts: [String] = []
    for i in 0..<40 {
        parts.append("The quick brown fox jumps over the lazy dog \(i * 37). It's the dog's day; they'll see.\n")
        parts.append("def add(a, b):\n    return a + b  # \(i)\n")
        parts.append("Café naïve résumé — 日本語のテキスト。नमस्ते दुनिया 👋🏽\n")
    }
    return parts.joined()
}()

let awkwardInputs: [[UInt8]] = [
    [],
    [0x41],
    Array(0...255),
    [0xFF, 0xFE, 0xC3, 0x28, 0xE2, 0x82, 0xF0, 0x9F, 0x98],            // invalid UTF-8
    Array("👩‍👩‍👧‍👦🇯🇵👋🏽😀".utf8),                                          // emoji sequences
    Array("中文字符和日本語のテキスト".utf8),
    Array("नमस्ते दुनिया, यह एक परीक्षण है".utf8),
    Array(String(repeating: " ", count: 300).utf8),
    Array(String(repeating: "\n", count: 100).utf8) + Array("\r\n\t \u{00A0}\u{3000}".utf8),
    Array("12345678901234567890 3.14159 -42 1e10".utf8),
    Array("I'm you're He'S THEY'LL we'VE she'd it's DON'T".utf8),
    Array("<|endoftext|> not special here".utf8),
]

@Suite struct TokenizerTests {
    /// Issue 32: a sample cut in the middle of a character showed "�"; its bytes show instead.
    @Test func readableTextShowsTheBytesOfAPartialCharacter() {
        #expect(Tokenizer.readable(Array("né €".utf8)) == "né €")
        #expect(Tokenizer.readable([0x61, 0xE2, 0x82, 0x62]) == "a⟨e2⟩⟨82⟩b")
        #expect(Tokenizer.readable([0xC3]) == "⟨c3⟩")
        #expect(Tokenizer.readable(Array("€".utf8) + [0xF0, 0x9F]) == "€⟨f0⟩⟨9f⟩")
        #expect(Tokenizer.readable([0xED, 0xA0, 0x80]) == "⟨ed⟩⟨a0⟩⟨80⟩")   // a surrogate is not UTF-8
    }

    static let tokenizers: [Tokenizer] = SplitPattern.allCases.map {
        try! BPETrainer.train(text: trainingText, vocabularySize: 400, pattern: $0, specialTokens: ["<|endoftext|>"])
    }

    @Test(arguments: awkwardInputs.indices)
    func bytesRoundTrip(index: Int) throws {
        for tokenizer in Self.tokenizers {
            let tokens = tokenizer.encode(bytes: awkwardInputs[index])
            #expect(try tokenizer.decode(tokens) == awkwardInputs[index], "pattern \(tokenizer.pattern)")
            #expect(tokens.allSatisfy { $0 < tokenizer.vocabularySize && tokenizer.specialName(of: $0) == nil })
        }
    }

    @Test func textRoundTripAndCompression() throws {
        for tokenizer in Self.tokenizers {
            let tokens = tokenizer.encode(trainingText)
            #expect(try tokenizer.decodeText(tokens) == trainingText)
            #expect(tokens.count < trainingText.utf8.count / 2, "\(tokenizer.pattern): \(tokens.count) tokens")
        }
    }

    @Test func vocabularyHasExactlyTheRequestedSize() {
        for tokenizer in Self.tokenizers {
            #expect(tokenizer.vocabularySize == 400)
            #expect(tokenizer.merges.count == 400 - 256 - 1)
            #expect(tokenizer.specialTokens == ["<|endoftext|>": 399])
        }
    }

    @Test func specialTokensOnlyWhereAllowed() throws {
        let tokenizer = Self.tokenizers[1]
        let text = "hello<|endoftext|>world"
        let plain = tokenizer.encode(text)
        #expect(!plain.contains(399))
        #expect(try tokenizer.decodeText(plain) == text)
        let allowed = tokenizer.encode(text, allowedSpecial: .all)
        #expect(allowed.filter { $0 == 399 }.count == 1)
        #expect(try tokenizer.decodeText(allowed) == text)
        #expect(tokenizer.encode(text, allowedSpecial: .only([])) == plain)
        #expect(tokenizer.encode(text, allowedSpecial: .only(["<|endoftext|>"])) == allowed)
    }

    @Test func aLoneTokenEndingMidCharacterDecodesToItsBytes() throws {
        // A byte-level tokenizer with no merges: "é" is two tokens, each half a character.
        let tokenizer = try BPETrainer.train(text: "", vocabularySize: 256)
        let tokens = tokenizer.encode("é")
        #expect(tokens == [0xC3, 0xA9])
        #expect(try tokenizer.decode([tokens[0]]) == [0xC3])
        #expect(try tokenizer.decodeText([tokens[0]]) == "\u{FFFD}")   // replacement only when text is asked for
        #expect(throws: TokenizerError.unknownToken(256)) { try tokenizer.decode([256]) }
    }

    @Test func longChunksUseTheHeapPathWithTheSameResult() throws {
        // With no split pattern a whole text is one chunk: the O(n log n) merge path.
        let tokenizer = try BPETrainer.train(text: trainingText, vocabularySize: 400, pattern: .none)
        let text = String(trainingText.prefix(2000))
        var parts = Array(text.utf8).map { Int32($0) }
        var quadratic = parts
        tokenizer.applyMergesWithHeap(&parts)
        // Reference: the quadratic scan, applied without the length cut-off.
        while true {
            var best = -1, bestRank = Int32.max
            for i in 0 ..< quadratic.count - 1 {
                let r = tokenizer.rank(quadratic[i], quadratic[i + 1]).rank
                if r < bestRank { best = i; bestRank = r }
            }
            if best < 0 { break }
            quadratic[best] = tokenizer.rank(quadratic[best], quadratic[best + 1]).token
            quadratic.remove(at: best + 1)
        }
        #expect(parts == quadratic)
        #expect(try tokenizer.decodeText(tokenizer.encode(text)) == text)
    }

    @Test func piecesCoverTheTextWithByteSpans() {
        let tokenizer = Self.tokenizers[1]
        let text = "The dog's day 👋🏽"
        let pieces = tokenizer.pieces(of: text)
        #expect(pieces.first?.byteRange.lowerBound == 0)
        #expect(pieces.last?.byteRange.upperBound == text.utf8.count)
        #expect(zip(pieces, pieces.dropFirst()).allSatisfy { $0.byteRange.upperBound == $1.byteRange.lowerBound })
        #expect(pieces.map(\.token) == tokenizer.encode(text))
        #expect(tokenizer.bytesPerToken(text) == Double(text.utf8.count) / Double(pieces.count))
        let history = tokenizer.mergeHistory(first: 3)
        #expect(history.count == 3)
        #expect(history[0].token == history[0].left + history[0].right)
    }

    @Test func displayEscapesWhatCannotBeSeen() {
        #expect(Tokenizer.display(Array("a\nb\t".utf8)) == "a\\x0Ab\\x09")
        #expect(Tokenizer.display([0xFF, 0x41]) == "\\xFFA")
        #expect(Tokenizer.display(Array("é日👋".utf8)) == "é日👋")
        #expect(Tokenizer.display(Array("\u{200B}".utf8)) == "\\u{200B}")
    }
}

@Suite struct TrainerTests {
    @Test(arguments: SplitPattern.allCases)
    func fastTrainerMatchesTheReference(pattern: SplitPattern) {
        let bytes = Array(trainingText.prefix(3000).utf8)
        let fast = BPETrainer.learnMerges(bytes: bytes, count: 150, pattern: pattern)
        let reference = BPEReferenceTrainer.learnMerges(bytes: bytes, count: 150, pattern: pattern)
        #expect(fast == reference)
    }

    @Test func overlappingPairsAreCountedCorrectly() {
        let bytes = Array("aaaa aaa aa a aaaaa".utf8)
        #expect(BPETrainer.learnMerges(bytes: bytes, count: 5, pattern: .gpt2) ==
                BPEReferenceTrainer.learnMerges(bytes: bytes, count: 5, pattern: .gpt2))
    }

    @Test func trainingIsDeterministic() throws {
        let a = try BPETrainer.train(text: trainingText, vocabularySize: 500)
        let b = try BPETrainer.train(text: trainingText, vocabularySize: 500)
        #expect(a.merges == b.merges)
        #expect(a.serialized() == b.serialized())
    }

    @Test func runningOutOfPairsStopsEarly() throws {
        let tokenizer = try BPETrainer.train(text: "ab ab", vocabularySize: 1000)
        #expect(tokenizer.merges.count < 5)
        #expect(tokenizer.encode("ab ab").count == 2)
    }

    /// Found by the hftokenizer fuzz target: one token numbered 1e9 allocated 8 GB (out of memory).
    @Test func anIdFarBeyondTheVocabularyIsRefusedBeforeAllocating() {
        #expect(throws: TokenizerError.self) {
            try Tokenizer(pattern: .gpt2, byteTokens: Array(0..<256), merges: [], specialTokens: ["<|x|>": 1_000_000_000])
        }
        #expect(throws: TokenizerFileError.self) {
            try Tokenizer.parse("tokenwise-bpe 1\npattern gpt2\nbytes identity\nspecial 900000000 \"<|x|>\"\n", file: "t")
        }
        #expect((try? Tokenizer(pattern: .gpt2, byteTokens: Array(0..<256), merges: [], specialTokens: ["<|x|>": 1000])) != nil)
    }

    @Test func impossibleSizesAreErrors() {
        #expect(throws: TokenizerError.self) { try BPETrainer.train(text: "x", vocabularySize: 200) }
        #expect(throws: TokenizerError.self) { try BPETrainer.train(text: "x", vocabularySize: 300, specialTokens: ["a", "a"]) }
    }
}

@Suite struct TokenizerDifferenceTests {
    @Test func sameTrainingGivesNoDifferenceAndAnotherVocabularyNamesTheFirstMerge() throws {
        let text = String(repeating: "the cat sat on the mat. ", count: 20)
        let a = try BPETrainer.train(text: text, vocabularySize: 280, specialTokens: ["<|endoftext|>"])
        let b = try BPETrainer.train(text: text, vocabularySize: 280, specialTokens: ["<|endoftext|>"])
        #expect(a.difference(from: b) == nil)
        let other = try BPETrainer.train(text: String(repeating: "a dog ran. ", count: 20), vocabularySize: 280, specialTokens: ["<|endoftext|>"])
        #expect(a.difference(from: other)?.hasPrefix("merge 0 is ") == true)
        let longer = try BPETrainer.train(text: trainingText, vocabularySize: 300)
        let shorter = try BPETrainer.train(text: trainingText, vocabularySize: 280)
        #expect(longer.difference(from: shorter) == "it has 44 merges, not 24")
        let noSpecial = try BPETrainer.train(text: text, vocabularySize: 280)
        #expect(a.difference(from: noSpecial)?.contains("special tokens") == true)
    }
}

@Suite struct HuggingFaceTokenizerJSONTests {
    @Test func vocabularyMergesAndSpecialsAreWrittenInGPT2sCharacters() throws {
        let tokenizer = try BPETrainer.train(text: String(repeating: "the cat sat on the mat. ", count: 20), vocabularySize: 280,
                                             specialTokens: ["<|endoftext|>"])
        let json = try JSONSerialization.jsonObject(with: tokenizer.huggingFaceJSON()) as! [String: Any]
        let model = json["model"] as! [String: Any]
        let vocabulary = model["vocab"] as! [String: Int]
        #expect(vocabulary.count == tokenizer.vocabularySize - 1)   // all but the special token
        #expect(vocabulary["Ġ"] == 32 && vocabulary["a"] == 97)
        let merges = model["merges"] as! [String]
        #expect(merges.count == tokenizer.merges.count && merges.allSatisfy { $0.split(separator: " ").count == 2 })
        let added = json["added_tokens"] as! [[String: Any]]
        #expect(added.count == 1 && added[0]["content"] as? String == "<|endoftext|>" && added[0]["special"] as? Bool == true)
        #expect(model["ignore_merges"] as? Bool == false)
        let split = ((json["pre_tokenizer"] as! [String: Any])["pretokenizers"] as! [[String: Any]])[0]
        #expect((split["pattern"] as? [String: String])?["Regex"] == SplitPattern.gpt4.regex)
    }

    /// Issue 34: the normalizer puts back a special token's name the chat template marked in a
    /// message, after special tokens are matched; a one-character special cannot be marked.
    @Test func theNormalizerUndoesTheTemplatesMarksAndOneCharacterSpecialsAreRefused() throws {
        let tokenizer = try BPETrainer.train(text: String(repeating: "the cat sat on the mat. ", count: 20), vocabularySize: 280,
                                             specialTokens: ["<|endoftext|>", "<|end|>"])
        let json = try JSONSerialization.jsonObject(with: tokenizer.huggingFaceJSON()) as! [String: Any]
        let steps = (json["normalizer"] as! [String: Any])["normalizers"] as! [[String: Any]]
        #expect(steps.map { ($0["pattern"] as! [String: String])["String"]! } == ["<\(Tokenizer.huggingFaceMark)|end|>", "<\(Tokenizer.huggingFaceMark)|endoftext|>"])
        #expect(steps.map { $0["content"] as! String } == ["<|end|>", "<|endoftext|>"])
        #expect(Tokenizer.huggingFaceEscapeOrder(["<|end|>", "<|endoftext|>"]) == ["<|endoftext|>", "<|end|>"])
        let short = try BPETrainer.train(text: String(repeating: "the cat sat on the mat. ", count: 20), vocabularySize: 280, specialTokens: ["§"])
        #expect(throws: TokenizerError.self) { try short.huggingFaceJSON() }
    }

    /// Our own tokenizer.json reads back as the same tokenizer (merges as "a b" or ["a", "b"]).
    @Test func ourTokenizerJSONReadsBackAsTheSameTokenizer() throws {
        let tokenizer = try BPETrainer.train(text: trainingText, vocabularySize: 300, specialTokens: ["<|endoftext|>"])
        let data = try tokenizer.huggingFaceJSON()
        #expect(try Tokenizer.huggingFaceJSON(data, file: "t.json").difference(from: tokenizer) == nil)
        var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        var model = object["model"] as! [String: Any]
        model["merges"] = (model["merges"] as! [String]).map { $0.split(separator: " ").map(String.init) }
        object["model"] = model
        #expect(try Tokenizer.huggingFaceJSON(JSONSerialization.data(withJSONObject: object), file: "t.json").difference(from: tokenizer) == nil)
        model["merges"] = Array((model["merges"] as! [[String]]).dropLast())
        object["model"] = model
        #expect(try Tokenizer.huggingFaceJSON(JSONSerialization.data(withJSONObject: object), file: "t.json").difference(from: tokenizer)?.contains("merges, not") == true)
        #expect(throws: TokenizerFileError.self) { try Tokenizer.huggingFaceJSON(Data("[]".utf8), file: "t.json") }
    }

    @Test func twoTokensWithTheSameBytesAreRefused() throws {
        let tokenizer = try Tokenizer(pattern: .gpt4, byteTokens: Array(0..<256),
                                      merges: [Merge(left: 97, right: 98, token: 256), Merge(left: 256, right: 99, token: 257),
                                               Merge(left: 98, right: 99, token: 258), Merge(left: 97, right: 258, token: 259)])
        #expect(throws: TokenizerError.self) { try tokenizer.huggingFaceJSON() }
    }
}
