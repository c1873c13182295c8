import Foundation
import Testing
@testable import TinyWeb

@Suite struct SearchIndexTests {
    let index = SearchIndex(documents: [
        "Ada Quill was born in Marrow.\nAda Quill's mother is Bea Quill.",
        "Tom Reed was born in Pell.\nA street in Marrow carries the name Ada Quill.",
        "Ada Quill was born in Marrow on 3 May 1900. Ada liked maps and maps and maps.",
    ])

    @Test func everyLineIsAPassage() {
        #expect(index.passages.count == 5)
        #expect(index.passages[1] == "Ada Quill's mother is Bea Quill.")
    }

    @Test func aPassageMustHoldEveryWordOfTheQuery() {
        let hits = index.search("Ada Quill born")
        #expect(Set(hits.map(\.passage)) == [0, 4])
        #expect(index.search("Tom born").map(\.passage) == [2])
    }

    @Test func aShortPassageOutranksALongOne() {
        // Passage 4 says "Ada" twice, but in 17 words against 6: saturation and length
        // normalisation rank the short one first.
        #expect(index.search("Ada Quill born").map(\.passage) == [0, 4])
        #expect(index.bestPassage("Quill mother") == "Ada Quill's mother is Bea Quill.")
    }

    @Test func emptyOrUnknownQueriesFindNothing() {
        #expect(index.search("").isEmpty && index.search("  ,. ").isEmpty)
        #expect(index.search("Orson Kovacs").isEmpty)
        #expect(index.search("Ada Kovacs").isEmpty)   // one unknown word is enough
        #expect(index.bestPassage("nobody") == nil)
    }

    @Test func theScoreIsBM25() {
        // "pell" is in one of 5 passages, which has 6 terms; the passages hold 45 terms in all.
        let hit = index.search("Pell")[0]
        let idf = log((5 - 1 + 0.5) / (1 + 0.5) + 1)
        let norm = 1.2 * (1 - 0.75 + 0.75 * 6 / (45.0 / 5))
        #expect(abs(hit.score - idf * 1 * 2.2 / (1 + norm)) < 1e-12)
    }

    @Test func termsAreLowercasedRunsOfLettersAndDigits() {
        #expect(SearchIndex.terms("Ada Quill's 3 MAPS!") == ["ada", "quill", "s", "3", "maps"])
    }
}
