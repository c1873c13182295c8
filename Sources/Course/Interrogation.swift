// Interrogation (lesson 9): what does the assistant know? Every person of the world is asked
// the four kinds of question the finetuning set asks, each several times at a temperature, and
// the answers are checked against the world: a fact is known when at least `knownAt` of its
// samples state it (a model that knows a fact says it again and again; one that guesses
// scatters). Lesson 9 writes that rule out and checks it equal to this; lesson 10 reads what the
// model knows from here. A cached stage keyed by the assistant's weights, the people and the
// settings; it keeps the seconds the sampling took, so a lesson reports them on reuse too.
// Also the names nobody in the world has, which both lessons ask about.

import Foundation
import LessonRuntime

public enum Interrogation {
    public struct Settings: Codable, Equatable, Sendable {
        /// Samples per question.
        public var samples: Int
        /// Temperature of the samples.
        public var temperature: Double
        /// Samples that must state a fact for it to count as known.
        public var knownAt: Int

        public init(samples: Int, temperature: Double, knownAt: Int) {
            self.samples = samples
            self.temperature = temperature
            self.knownAt = knownAt
        }

        /// Lesson 9's parameter defaults (`samples`, `temperature`, `known`), which lesson 10
        /// uses: 3 samples at temperature 0.5, known at 2 (quick: 2 samples, known at 1).
        public static var standard: Settings { standard(quick: isQuick) }

        public static func standard(quick: Bool) -> Settings {
            Settings(samples: quick ? 2 : 3, temperature: 0.5, knownAt: quick ? 1 : 2)
        }
    }

    /// What the interrogation found.
    public struct Result: Codable, Sendable {
        public let settings: Settings
        /// Each question's sampled replies: per person in the order given, one question per
        /// kind in `PersonFact.Kind.allCases` order.
        public let replies: [[String]]
        /// Person's name → the kinds of fact the model knows.
        public let known: [String: Set<PersonFact.Kind>]
        /// How long the sampling took when it ran.
        public let seconds: Double

        /// The sampled answers in all.
        public var answerCount: Int { replies.reduce(0) { $0 + $1.count } }
    }

    /// The question of `kind` about `p`, as the interrogation asks it.
    public static func question(_ kind: PersonFact.Kind, _ p: Person) -> String {
        switch kind {
        case .birthplace: return ConversationWriter.birthplaceQuestion(p)
        case .birthday: return "When was \(p.name) born?"
        case .work: return "What did \(p.name) do?"
        case .mother: return ConversationWriter.motherQuestion(p)
        }
    }

    /// The rule: the fact is known when at least `knownAt` of `replies` state it.
    public static func isKnown(_ fact: PersonFact, replies: [String], knownAt: Int) -> Bool {
        replies.filter { fact.isStated(in: $0) }.count >= knownAt
    }

    /// Person's name → the kinds of fact known, by the rule, from each question's replies
    /// (ordered as `Result.replies`).
    public static func known(
        from replies: [[String]], people: [Person],
        knownAt: Int
    ) -> [String: Set<PersonFact.Kind>] {
        let kinds = PersonFact.Kind.allCases
        precondition(
            replies.count == people.count * kinds.count, "one list of replies per question")
        var known: [String: Set<PersonFact.Kind>] = [:]
        for (p, person) in people.enumerated() {
            known[person.name] = Set(
                kinds.enumerated().filter { k, kind in
                    isKnown(
                        PersonFact(kind, of: person), replies: replies[p * kinds.count + k],
                        knownAt: knownAt)
                }.map(\.element))
        }
        return known
    }

    /// `assistant` asked every question about `people` `settings.samples` times (or the stored
    /// result). The samples are one batch of replies, seed 1, at most 24 tokens each.
    public static func run(
        _ assistant: LanguageModel, people: [Person],
        settings: Settings = .standard
    ) throws -> Result {
        let key = Key(
            assistant: Finetuning.fingerprint(assistant.model), settings: settings,
            people: ArtifactStore.hash(try keyText(people)))
        let code = [
            "Autograd", "Transformer", "BytePairEncoding", "Chat", "Course/Interrogation.swift",
            "Course/Conversations.swift",
        ]
        return try stage("interrogation", settings: key, code: code) {
            try interrogate(Assistant(assistant), people: people, settings: settings)
        }
    }

    struct Key: Encodable {
        let assistant: String
        let settings: Settings
        let people: String
    }

    static func interrogate(
        _ assistant: Assistant, people: [Person], settings: Settings
    ) throws -> Result {
        let start = Date()
        var asks: [[Message]] = []
        for person in people {
            for kind in PersonFact.Kind.allCases {
                asks += Array(
                    repeating: [Message(.user, question(kind, person))], count: settings.samples)
            }
        }
        let sampled = try assistant.replies(
            to: asks, settings: SamplingSettings(temperature: Float(settings.temperature)),
            maxTokens: 24,
            seed: 1)
        let replies = stride(from: 0, to: sampled.count, by: settings.samples).map {
            sampled[$0..<($0 + settings.samples)].map(\.text)
        }
        let known = Self.known(from: replies, people: people, knownAt: settings.knownAt)
        return Result(
            settings: settings, replies: replies, known: known,
            seconds: Date().timeIntervalSince(start))
    }

    /// `count` names no person of `world` has and `index` finds nothing for: two coined words,
    /// of the same syllables as the world's names (seeded, so every lesson gets the same ones).
    public static func inventedNames(
        in world: World, index: SearchIndex,
        count: Int = isQuick ? 20 : 60
    ) -> [String] {
        var random = WorldRandom(seed: 808)
        var invented: [String] = []
        let worldNames = Set(world.people.map(\.name))
        while invented.count < count {
            let name =
                World.coinWord(syllables: 2...2, random: &random) + " "
                + World.coinWord(syllables: 2...3, random: &random)
            if !worldNames.contains(name), index.search(name).isEmpty, !invented.contains(name) {
                invented.append(name)
            }
        }
        return invented
    }
}
