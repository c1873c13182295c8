// Expected splits derived by hand from the two patterns (see SplitPattern.swift), alternative
// by alternative, as a backtracking regex engine tries them.

import Testing
@testable import BytePairEncoding

@Suite struct SplitPatternTests {
    static let gpt2Cases: [(String, [String])] = [
        ("Hello world", ["Hello", " world"]),
        ("I'm don't you'll we've they're she'd it's", ["I", "'m", " don", "'t", " you", "'ll", " we", "'ve", " they", "'re", " she", "'d", " it", "'s"]),
        ("DON'T", ["DON", "'", "T"]),                          // contractions are lower case only
        ("hello   world", ["hello", "  ", " world"]),           // a run leaves its last space to the word
        ("a\n\nb", ["a", "\n", "\n", "b"]),
        ("x  ", ["x", "  "]),                                   // at the end the whole run stays
        ("123456 apples", ["123456", " apples"]),
        (" 42", [" 42"]),
        ("hi!!! ok", ["hi", "!!!", " ok"]),
        ("email@example.com", ["email", "@", "example", ".", "com"]),
        ("   leading", ["  ", " leading"]),
        ("tab\tthere", ["tab", "\t", "there"]),
        ("café naïve", ["café", " naïve"]),
        ("日本語テキスト", ["日本語テキスト"]),
        ("नमस्ते", ["नमस", "्", "त", "े"]),                     // virama and vowel sign are marks, not letters
        ("hi 👋🏽!", ["hi", " 👋🏽!"]),
        ("$100.50", ["$", "100", ".", "50"]),
        ("  \n  x", ["  \n ", " x"]),
        ("x'ſ", ["x", "'", "ſ"]),
        ("A\u{00A0}B", ["A", "\u{00A0}", "B"]),
        ("", []),
    ]

    static let gpt4Cases: [(String, [String])] = [
        ("Hello world", ["Hello", " world"]),
        ("I'm DON'T You'LL", ["I", "'m", " DON", "'T", " You", "'LL"]),   // contractions in any case
        ("123456 apples", ["123", "456", " apples"]),                      // digits in threes
        ("1234567", ["123", "456", "7"]),
        (" 42", [" ", "42"]),                                              // a space never joins a number
        ("hi!!! ok", ["hi", "!!!", " ok"]),
        ("a\n\nb", ["a", "\n\n", "b"]),                                    // line breaks stay together
        ("hello   world", ["hello", "  ", " world"]),
        ("x  ", ["x", "  "]),
        ("  \n  x", ["  \n", " ", " x"]),                                  // up to the last line break
        ("\tthere", ["\tthere"]),                                          // one non-letter may lead a word
        ("hello.\n\nworld", ["hello", ".\n\n", "world"]),                   // punctuation takes its line breaks
        ("$100.50", ["$", "100", ".", "50"]),
        ("email@example.com", ["email", "@example", ".com"]),
        ("नमस्ते", ["नमस", "्त", "े"]),
        ("hi 👋🏽!", ["hi", " 👋🏽!"]),
        ("a\r\nb", ["a", "\r\n", "b"]),
        ("don't", ["don", "'t"]),
        ("x'ſ", ["x", "'ſ"]),                                              // (?i) folds ſ to s
        ("A\u{00A0}B", ["A", "\u{00A0}B"]),
        ("", []),
    ]

    @Test(arguments: gpt2Cases.indices)
    func gpt2Splits(index: Int) {
        let (text, expected) = Self.gpt2Cases[index]
        #expect(SplitPattern.gpt2.split(text) == expected, "\(text.debugDescription)")
    }

    @Test(arguments: gpt4Cases.indices)
    func gpt4Splits(index: Int) {
        let (text, expected) = Self.gpt4Cases[index]
        #expect(SplitPattern.gpt4.split(text) == expected, "\(text.debugDescription)")
    }

    @Test func chunksCoverInvalidUTF8Exactly() {
        let bytes: [UInt8] = [0x61, 0xFF, 0xC3, 0x20, 0x62, 0xE2, 0x82, 0x0A, 0xF0, 0x9F, 0x98, 0x80, 0x80]
        for pattern in SplitPattern.allCases {
            var covered: [UInt8] = []
            bytes.withUnsafeBufferPointer { buffer in pattern.forEachChunk(buffer) { covered += buffer[$0] } }
            #expect(covered == bytes)
        }
    }

    @Test func noneKeepsTheWholeText() {
        #expect(SplitPattern.none.split("a b  c\n") == ["a b  c\n"])
    }
}
