import Foundation
import Testing
@testable import Course

@Suite struct InterrogationTests {
    static let world = World(seed: 2024, scale: 0.3)
    static let people = Array(world.people.prefix(3))

    /// A small untrained chat model whose tokenizer has read the questions.
    static let assistant: LanguageModel = {
        let text = String(repeating: people.flatMap { p in
            PersonFact.Kind.allCases.map { Interrogation.question($0, p) + " " + PersonFact($0, of: p).statement + ". " }
        }.joined(), count: 6)
        let tokenizer = try! BPETrainer.train(text: text, vocabularySize: 400, specialTokens: CourseData.specialTokens)
        let config = GPTConfig(vocabularySize: tokenizer.vocabularySize, contextLength: 96, layerCount: 1, headCount: 2,
                               embeddingWidth: 16)
        return try! LanguageModel(name: "fixture", model: GPT(config: config, seed: 3), tokenizer: tokenizer, chatFormat: .course)
    }()

    @Test func theStandardSettingsAreLessonNinesDefaults() {
        #expect(Interrogation.Settings.standard(quick: false) == .init(samples: 3, temperature: 0.5, knownAt: 2))
        #expect(Interrogation.Settings.standard(quick: true) == .init(samples: 2, temperature: 0.5, knownAt: 1))
    }

    @Test func itAsksTheFourKindsOfQuestionOfTheFinetuningSet() {
        let p = Self.people[0]
        #expect(PersonFact.Kind.allCases.map { Interrogation.question($0, p) } == [
            "Where was \(p.name) born?", "When was \(p.name) born?", "What did \(p.name) do?",
            "Who was the mother of \(p.name)?",
        ])
    }

    @Test func aFactIsKnownWhenEnoughSamplesStateIt() {
        let p = Self.people[0]
        let fact = PersonFact(.birthplace, of: p)
        let replies = ["\(p.name) was born in \(p.birthplace).", "\(p.name) was born in Nowhere.",
                       "I think \(p.name) was born in \(p.birthplace)."]
        #expect(Interrogation.isKnown(fact, replies: replies, knownAt: 2))
        #expect(!Interrogation.isKnown(fact, replies: replies, knownAt: 3))
        #expect(!Interrogation.isKnown(fact, replies: ["\(p.birthplace)!", "born in somewhere"], knownAt: 1))
    }

    @Test func theKnownFactsAreReadPerPersonAndKindInOrder() {
        let people = Array(Self.people.prefix(2)), kinds = PersonFact.Kind.allCases
        // One reply per question, stating its own fact: all known.
        var replies = people.flatMap { p in kinds.map { [PersonFact($0, of: p).statement] } }
        #expect(Interrogation.known(from: replies, people: people, knownAt: 1)
                == [people[0].name: Set(kinds), people[1].name: Set(kinds)])
        // Each stating the next question's fact: none.
        replies = Array(replies.dropFirst()) + [replies[0]]
        let shifted = Interrogation.known(from: replies, people: people, knownAt: 1)
        #expect(shifted[people[0].name] == [] && shifted[people[1].name] == [])
        // The second person's mother, stated twice: known at 2.
        replies[2 * kinds.count - 1] = Array(repeating: PersonFact(.mother, of: people[1]).statement, count: 2)
        let known = Interrogation.known(from: replies, people: people, knownAt: 2)
        #expect(known == [people[0].name: [], people[1].name: [.mother]])
    }

    /// The samples are the replies lesson 9 always sampled: each question repeated `samples`
    /// times, one batch, seed 1, 24 tokens; grouped by question, person by person.
    @Test func theSamplesAreOneBatchOfRepeatedQuestions() throws {
        let settings = Interrogation.Settings(samples: 2, temperature: 0.8, knownAt: 1)
        let result = try Interrogation.interrogate(Assistant(Self.assistant), people: Self.people, settings: settings)
        let asks = Self.people.flatMap { p in
            PersonFact.Kind.allCases.flatMap { Array(repeating: [Message(.user, Interrogation.question($0, p))], count: 2) }
        }
        let expected = try Assistant(Self.assistant).replies(to: asks, settings: SamplingSettings(temperature: 0.8),
                                                             maxTokens: 24, seed: 1).map(\.text)
        #expect(result.replies.count == Self.people.count * 4)
        #expect(result.replies.allSatisfy { $0.count == 2 })
        #expect(result.replies.flatMap { $0 } == expected)
        #expect(result.answerCount == expected.count)
        #expect(result.known == Interrogation.known(from: result.replies, people: Self.people, knownAt: 1))
        #expect(result.settings == settings && result.seconds > 0)
    }

    @Test func inventedNamesAreNobodysAndTheSearchFindsNothing() {
        let world = Self.world
        let index = SearchIndex(documents: world.people.map { "\($0.name) was born in \($0.birthplace)." })
        let names = Interrogation.inventedNames(in: world, index: index, count: 12)
        #expect(names.count == 12 && Set(names).count == 12)
        #expect(names.allSatisfy { name in !world.people.contains { $0.name == name } && index.search(name).isEmpty })
        #expect(names.allSatisfy { $0.split(separator: " ").count == 2 })
        #expect(Interrogation.inventedNames(in: world, index: index, count: 12) == names)
        #expect(Array(Interrogation.inventedNames(in: world, index: index, count: 20).prefix(12)) == names)
    }
}
