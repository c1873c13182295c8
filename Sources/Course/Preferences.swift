// The course's stand-in for human raters (lesson 13). Requests that no program can verify
// ("Write a short verse about the vole."), and a hidden, deterministic preference over the
// replies: on topic, true to the world, short, not repetitive, finished, cheerful, made of
// real words. No model ever sees the scores; the reward model learns from the orderings they
// give, as a reward model learns from people who order rollouts.

import Foundation
import LessonRuntime

/// A request with no checkable answer, about one species or town of the world.
public struct OpenRequest: Codable, Hashable, Sendable {
    public let text: String
    /// The species or town it is about.
    public let subject: String
    /// True things about the subject a good reply may mention (a species' habitat and diet).
    public let facts: [String]
}

public enum OpenRequests {
    static let speciesTemplates = [
        "Write a short verse about the %@.", "Tell me a joke about the %@.",
        "Say something nice about the %@.",
    ]
    static let townTemplates = [
        "Write a greeting for the people of %@.", "Say something nice about %@.",
    ]

    /// Every template for every species and town; subjects alternate between the training half
    /// and the held-out half, so no held-out request is about a subject the training saw.
    public static func make(world: World) -> (train: [OpenRequest], heldOut: [OpenRequest]) {
        var train: [OpenRequest] = [], heldOut: [OpenRequest] = []
        for (index, species) in world.species.enumerated() {
            let requests = speciesTemplates.map {
                OpenRequest(
                    text: $0.replacingOccurrences(of: "%@", with: species.name),
                    subject: species.name,
                    facts: [species.habitat, species.diet])
            }
            if index % 2 == 0 { train += requests } else { heldOut += requests }
        }
        for (index, town) in world.towns.enumerated() {
            let requests = townTemplates.map {
                OpenRequest(
                    text: $0.replacingOccurrences(of: "%@", with: town), subject: town, facts: [])
            }
            if index % 2 == 0 { train += requests } else { heldOut += requests }
        }
        return (train, heldOut)
    }
}

/// The hidden preference. Its rules are shown on lesson 13's page; the models only ever see
/// which of two replies it preferred. It knows the words of the world (the corpus and the
/// finetuning conversations), as a person knows their language.
public struct HumanPreference: Sendable {
    /// Every word the texts it was made from contain.
    public let vocabulary: Set<String>

    public init(texts: [String]) {
        var vocabulary = Set<String>()
        for text in texts { vocabulary.formUnion(Self.words(text)) }
        self.vocabulary = vocabulary
    }

    /// The course's stand-in: it knows the words of the tiny web's corpus and of lesson 7's
    /// finetuning conversations.
    public static func course(world: World, corpus: Corpus) -> HumanPreference {
        let conversations = ConversationWriter(world: world).finetuningSet(
            count: 3000, identity: true)
        return HumanPreference(
            texts: corpus.documents.map(\.text) + conversations.flatMap { $0.messages.map(\.text) })
    }

    public static let rules = [
        "names the subject it was asked about: +2",
        "says something true of it (a species' habitat or diet, as the world has it): +1",
        "finishes its turn: otherwise −3",
        "short: −1 under 4 words, −0.1 for every word over 20",
        "not repetitive: −4 × the share of its word pairs that repeat an earlier pair",
        "cheerful: +0.5 for an exclamation mark",
        "made of words: −1 for each word found nowhere in the tiny web or the finetuning conversations (a fragment such as \"de\")",
    ]

    /// Lowercased runs of letters and digits.
    public static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    /// The score of `reply` to `request` (higher is better).
    public func score(_ reply: String, endedTurn: Bool, for request: OpenRequest) -> Double {
        let text = reply.lowercased()
        let words = Self.words(reply)
        var score = 0.0
        if text.contains(request.subject.lowercased()) { score += 2 }
        if request.facts.contains(where: { text.contains($0.lowercased()) }) { score += 1 }
        if !endedTurn { score -= 3 }
        if words.count < 4 { score -= 1 }
        score -= 0.1 * Double(max(0, words.count - 20))
        score -= 4 * Self.repeatedPairShare(words)
        if reply.contains("!") { score += 0.5 }
        score -= Double(words.filter { !vocabulary.contains($0) }.count)
        return score
    }

    /// The share of a text's adjacent word pairs that already occurred earlier in it.
    public static func repeatedPairShare(_ words: [String]) -> Double {
        guard words.count > 2 else { return 0 }
        var seen = Set<String>(), repeats = 0
        for i in 1..<words.count where !seen.insert(words[i - 1] + " " + words[i]).inserted {
            repeats += 1
        }
        return Double(repeats) / Double(words.count - 1)
    }
}
