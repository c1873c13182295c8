// The search tool's retrieval: an inverted index over the lines of the cleaned corpus, ranked
// with BM25 (Robertson and Zaragoza's Okapi weighting, as Lucene and Elasticsearch rank by
// default). A passage must hold every word of the query — a name the corpus never mentions
// finds nothing, rather than someone else's page — and among those, rarer words count for
// more and a word said again counts for less each time, in a shorter passage for more.

import Foundation

public struct SearchHit: Equatable, Sendable {
    /// The passage's index in `SearchIndex.passages`.
    public let passage: Int
    public let score: Double
}

public struct SearchIndex: Sendable {
    /// Term-frequency saturation and length normalisation: BM25's usual values.
    public static let k1 = 1.2, b = 0.75

    /// Every line of every document, in corpus order.
    public let passages: [String]
    /// term → (passage, how often the term occurs in it), passages ascending.
    private let postings: [String: [(passage: Int, count: Int)]]
    private let lengths: [Int]
    private let averageLength: Double

    public init(documents: [String]) {
        passages = documents.flatMap { document in
            document.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
        }
        var postings: [String: [(passage: Int, count: Int)]] = [:]
        var lengths: [Int] = []
        for (index, passage) in passages.enumerated() {
            let terms = Self.terms(passage)
            lengths.append(terms.count)
            var counts: [String: Int] = [:]
            for term in terms { counts[term, default: 0] += 1 }
            for (term, count) in counts { postings[term, default: []].append((index, count)) }
        }
        self.postings = postings
        self.lengths = lengths
        averageLength = Double(lengths.reduce(0, +)) / Double(max(1, lengths.count))
    }

    /// Lowercased runs of letters and digits: "Ada Quill's mother" → ada, quill, s, mother.
    public static func terms(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// How much a term tells apart: rare terms weigh more (BM25's smoothed idf, never negative).
    public func inverseDocumentFrequency(_ term: String) -> Double {
        let n = Double(postings[term]?.count ?? 0), N = Double(passages.count)
        return log((N - n + 0.5) / (n + 0.5) + 1)
    }

    /// The passages holding every query term, best first (at most `limit`). An empty query, or
    /// one with a word no passage holds, finds nothing.
    public func search(_ query: String, limit: Int = 5) -> [SearchHit] {
        // Sorted: a Set's order changes from process to process, and with it the order the
        // scores are summed in (their last bits).
        let queryTerms = Set(Self.terms(query)).sorted()
        guard !queryTerms.isEmpty else { return [] }
        var lists: [(weight: Double, postings: [(passage: Int, count: Int)])] = []
        for term in queryTerms {
            guard let list = postings[term] else { return [] }
            lists.append((inverseDocumentFrequency(term), list))
        }
        // Every term must match: walk the shortest list and look the others up (equal lengths
        // keep the terms' order: the sort is stable).
        lists.sort { $0.postings.count < $1.postings.count }
        let others = lists.dropFirst().map {
            Dictionary($0.postings.map { ($0.passage, $0.count) }, uniquingKeysWith: +)
        }
        let weights = lists.map(\.weight)
        var hits: [SearchHit] = []
        for (passage, firstCount) in lists[0].postings {
            var counts = [firstCount]
            for other in others {
                guard let count = other[passage] else { break }
                counts.append(count)
            }
            guard counts.count == lists.count else { continue }
            let norm = Self.k1 * (1 - Self.b + Self.b * Double(lengths[passage]) / averageLength)
            let score = zip(weights, counts).reduce(0.0) { total, pair in
                let f = Double(pair.1)
                return total + pair.0 * f * (Self.k1 + 1) / (f + norm)
            }
            hits.append(SearchHit(passage: passage, score: score))
        }
        // Ties go to the earlier passage, so results never depend on hashing order.
        hits.sort { $0.score != $1.score ? $0.score > $1.score : $0.passage < $1.passage }
        return Array(hits.prefix(limit))
    }

    /// The best passage's text, or nil when nothing matches.
    public func bestPassage(_ query: String) -> String? {
        search(query, limit: 1).first.map { passages[$0.passage] }
    }
}
