import Foundation
import Testing
@testable import BytePairEncoding

func temporaryDirectory(_ label: String = #function) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-bpe-\(label.filter(\.isLetter))-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

let probeTexts = awkwardInputs + [Array(trainingText.utf8), Array("Once upon a time, 1234 dogs'd've said: \"hello\"!\n\n".utf8)]

@Suite struct FileTests {
    let tokenizer = try! BPETrainer.train(text: trainingText, vocabularySize: 400, pattern: .gpt2, specialTokens: ["<|endoftext|>", "<|user_start|>"])

    func expectSameEncoding(_ a: Tokenizer, _ b: Tokenizer) throws {
        for bytes in probeTexts { #expect(a.encode(bytes: bytes) == b.encode(bytes: bytes)) }
        let text = "hi<|endoftext|>there<|user_start|>"
        #expect(a.encode(text, allowedSpecial: .all) == b.encode(text, allowedSpecial: .all))
    }

    @Test func ownFormatRoundTripsWithAHumanView() throws {
        let directory = temporaryDirectory()
        let url = directory.appendingPathComponent("course.tokenizer")
        try tokenizer.save(to: url)
        let loaded = try Tokenizer.load(from: url)
        #expect(loaded.merges == tokenizer.merges && loaded.specialTokens == tokenizer.specialTokens && loaded.pattern == .gpt2)
        try expectSameEncoding(tokenizer, loaded)
        let view = try String(contentsOf: directory.appendingPathComponent("course.vocab"), encoding: .utf8)
        #expect(view.contains("256 ["))
        #expect(view.contains("-> ["))
        #expect(view.contains("398 special <|endoftext|>"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["course.tokenizer", "course.vocab"])
    }

    @Test func gpt2FormatRoundTrips() throws {
        let directory = temporaryDirectory()
        try GPT2Files.save(tokenizer, to: directory)
        let merges = try String(contentsOf: directory.appendingPathComponent("merges.txt"), encoding: .utf8)
        #expect(merges.hasPrefix("#version: 0.2\n"))
        #expect(merges.contains("Ġ"))   // spaces are written as GPT-2's Ġ
        let loaded = try GPT2Files.load(from: directory)
        #expect(loaded.specialTokens == tokenizer.specialTokens)
        try expectSameEncoding(tokenizer, loaded)
    }

    @Test func gpt2ByteTableIsGPT2s() {
        #expect(GPT2Files.byteToCharacter[32] == "Ġ")
        #expect(GPT2Files.byteToCharacter[10] == "Ċ")
        #expect(GPT2Files.byteToCharacter[33] == "!")
        #expect(Set(GPT2Files.byteToCharacter).count == 256)
    }

    @Test func tiktokenFormatRoundTrips() throws {
        let url = temporaryDirectory().appendingPathComponent("course.tiktoken")
        try TiktokenFile.save(tokenizer, to: url)
        let loaded = try TiktokenFile.load(from: url, pattern: .gpt2, specialTokens: tokenizer.specialTokens)
        try expectSameEncoding(tokenizer, loaded)
    }

    @Test func windowsLineEndingsReadTheSame() throws {
        let directory = temporaryDirectory()
        let own = directory.appendingPathComponent("course.tokenizer")
        try tokenizer.save(to: own)
        func crlf(_ url: URL) throws {
            let text = try String(contentsOf: url, encoding: .utf8)
            try Data(text.replacingOccurrences(of: "\n", with: "\r\n").utf8).write(to: url)
        }
        try crlf(own)
        try expectSameEncoding(tokenizer, try Tokenizer.load(from: own))
        try GPT2Files.save(tokenizer, to: directory)
        try crlf(directory.appendingPathComponent("merges.txt"))
        try expectSameEncoding(tokenizer, try GPT2Files.load(from: directory))
        let ranks = directory.appendingPathComponent("course.tiktoken")
        try TiktokenFile.save(tokenizer, to: ranks)
        try crlf(ranks)
        try expectSameEncoding(tokenizer, try TiktokenFile.load(from: ranks, pattern: .gpt2, specialTokens: tokenizer.specialTokens))
    }

    @Test func specialTokenNamesHoldNoControlCharacters() throws {
        for name in ["<|\u{1B}]0;pwned\u{07}|>", "<|x\u{9B}2J|>", "<|\u{202E}txt|>"] {
            #expect(throws: TokenizerError.self) {
                try BPETrainer.train(text: trainingText, vocabularySize: 300, pattern: .gpt2, specialTokens: [name])
            }
        }
        let url = temporaryDirectory().appendingPathComponent("bad.tokenizer")
        let text = try { () throws -> String in
            try tokenizer.save(to: url)
            return try String(contentsOf: url, encoding: .utf8)
        }()
        try Data(text.replacingOccurrences(of: "<|user_start|>", with: "<|\u{1B}[2J|>").utf8).write(to: url)
        #expect(throws: TokenizerFileError.self) { try Tokenizer.load(from: url) }
    }

    // MARK: Malformed files: each names the file and, where there is one, the line.

    func ownFormatError(_ text: String) -> String {
        let url = temporaryDirectory().appendingPathComponent("bad.tokenizer")
        try! Data(text.utf8).write(to: url)
        do { _ = try Tokenizer.load(from: url); return "no error" } catch { return "\(error)" }
    }

    @Test func ownFormatErrors() {
        #expect(ownFormatError("").hasSuffix("bad.tokenizer: is empty (expected 'tokenwise-bpe 1')"))
        #expect(ownFormatError("hello\n").contains("bad.tokenizer:1: expected 'tokenwise-bpe 1'"))
        #expect(ownFormatError("tokenwise-bpe 1\npattern gpt5\n").contains("bad.tokenizer:2: unknown pattern 'gpt5'"))
        #expect(ownFormatError("tokenwise-bpe 1\npattern gpt4\nbytes identity\nmerge 1 2\n").contains("bad.tokenizer:4: expected 'merge LEFT RIGHT TOKEN'"))
        #expect(ownFormatError("tokenwise-bpe 1\npattern gpt4\nbytes identity\nspecial x y\n").contains("bad.tokenizer:4: expected 'special ID"))
        #expect(ownFormatError("tokenwise-bpe 1\npattern gpt4\nbytes 1 2 3\n").contains("bad.tokenizer:3:"))
        #expect(ownFormatError("tokenwise-bpe 1\npattern gpt4\nbytes identity\nmerge 256 1 257\n").contains("bad.tokenizer:4: merge joins 256 and 1"))
        #expect(ownFormatError("tokenwise-bpe 1\npattern gpt4\n").contains("no 'bytes' line"))
        #expect(ownFormatError("tokenwise-bpe 1\nfrobnicate\n").contains("bad.tokenizer:2: unknown entry 'frobnicate'"))
        let missing = URL(fileURLWithPath: "/nonexistent/x.tokenizer")
        #expect(throws: TokenizerFileError.self) { try Tokenizer.load(from: missing) }
    }

    func gpt2Error(vocabulary: String? = nil, merges: String? = nil) throws -> String {
        let directory = temporaryDirectory()
        try GPT2Files.save(tokenizer, to: directory)
        if let vocabulary { try Data(vocabulary.utf8).write(to: directory.appendingPathComponent("vocab.json")) }
        if let merges { try Data(merges.utf8).write(to: directory.appendingPathComponent("merges.txt")) }
        do { _ = try GPT2Files.load(from: directory); return "no error" } catch { return "\(error)" }
    }

    @Test func gpt2FileErrors() throws {
        #expect(try gpt2Error(vocabulary: "{\"a\": ").contains("vocab.json: is not a JSON object"))
        #expect(try gpt2Error(vocabulary: "{\"a\": 1}").contains("vocab.json: has no token for byte 0"))
        #expect(try gpt2Error(merges: "#version: 0.2\nĠ t h\n").contains("merges.txt:2: expected two tokens"))
        #expect(try gpt2Error(merges: "#version: 0.2\nĠ t\nzzzq qqq\n").contains("merges.txt:3: 'zzzq qqq' names a token missing"))
        #expect(try gpt2Error(merges: "#version: 0.2\n\u{2603} t\n").contains("merges.txt:2:") )
        #expect(try gpt2Error(merges: "").contains("merges.txt: holds no merges"))
        let merges = try String(contentsOf: { let d = temporaryDirectory(); try GPT2Files.save(tokenizer, to: d); return d.appendingPathComponent("merges.txt") }(), encoding: .utf8)
        let half = merges.split(separator: "\n").prefix(40).joined(separator: "\n") + "\n"
        #expect(try gpt2Error(merges: half).contains("merges.txt is truncated"))
    }

    @Test func tiktokenFileErrors() throws {
        let url = temporaryDirectory().appendingPathComponent("bad.tiktoken")
        func error(_ text: String) -> String {
            try! Data(text.utf8).write(to: url)
            do { _ = try TiktokenFile.load(from: url); return "no error" } catch { return "\(error)" }
        }
        #expect(error("QQ== 0\n!!!! 1\n").contains("bad.tiktoken:2: '!!!!' is not valid base64"))
        #expect(error("QQ==\n").contains("bad.tiktoken:1: expected 'BASE64 RANK'"))
        #expect(error("QQ== 0\nQQ== 1\n").contains("bad.tiktoken:2: token 'QQ==' is listed twice"))
        #expect(error("QQ== 0\n").contains("bad.tiktoken: has no token for byte 0"))
    }
}
