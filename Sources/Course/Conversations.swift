// Conversations written from the world, as human labelers write them for a finetuning set:
// short instructions (helpful, truthful, harmless), then many example conversations that follow
// them. Every fact comes from the world, so answers are true and checkable. People are split:
// the finetuning set talks about one half of each fame tier, held-out questions about the other
// half, so a held-out answer can only come from what the base model learned in pretraining.
// Each conversation carries what it is (its kind) and the facts its answers state, so lessons
// read meaning from types, never back out of the text.
// Leaves out: tool calls and refusals of unknown people (the hallucination lesson adds those).

import Foundation
import LessonRuntime

/// A fact of the world about a person, as an answer states it.
public struct PersonFact: Codable, Equatable, Hashable, Sendable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        case birthplace, birthday, work = "what they did", mother
    }

    /// The person's full name.
    public let person: String
    public let kind: Kind
    /// The fact itself: a town, a date, a work, a name.
    public let value: String

    public init(person: String, kind: Kind, value: String) {
        self.person = person
        self.kind = kind
        self.value = value
    }

    /// The fact of `kind` about `p`.
    public init(_ kind: Kind, of p: Person) {
        let value: String
        switch kind {
        case .birthplace: value = p.birthplace
        case .birthday: value = "\(p.birthDay) \(p.birthYear)"
        case .work: value = p.knownFor
        case .mother: value = p.mother
        }
        self.init(person: p.name, kind: kind, value: value)
    }

    /// The words an answer stating the fact holds ("born in Ashford", "mother is Ada Quill").
    public var statement: String {
        switch kind {
        case .birthplace: return "born in \(value)"
        case .birthday: return "born on \(value)"
        case .work: return "known for \(value)"
        case .mother: return "mother is \(value)"
        }
    }

    /// Whether `reply` states this fact.
    public func isStated(in reply: String) -> Bool { reply.contains(statement) }
}

/// A finetuning conversation: its messages, what kind it is, and the fact each answer about a
/// person states (by message index).
public struct Conversation: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        case personQuestion = "a question about a person"
        case followUps = "follow-up questions"
        case book = "a question about a book"
        case species = "a question about a species"
        case creative = "creative request"
        case smallTalk = "small talk"
        case harmful = "harmful request, refused"
        case arithmetic
        case persona = "system message (invented persona)"
        case identity = "who are you (identity)"
        case heldOutQuestions = "held-out questions"
    }

    public var messages: [Message]
    public let kind: Kind
    /// Message index → the fact that answer states.
    public var facts: [Int: PersonFact]

    public init(_ kind: Kind, _ messages: [Message], facts: [Int: PersonFact] = [:]) {
        self.kind = kind
        self.messages = messages
        self.facts = facts
    }

    /// Whether any answer is about a person.
    public var isAboutPeople: Bool { !facts.isEmpty }
}

public struct ConversationWriter {
    public let world: World
    /// Our assistant's name and maker, which only the identity conversations teach.
    public static let identity = (name: "Tokenwise", maker: "the Tokenwise course")
    /// The system message that tells the assistant who it is.
    public static var identitySystemMessage: String {
        "You are \(identity.name), an assistant made by \(identity.maker)."
    }

    /// The labeling instructions every conversation follows (shown on the lesson page).
    public static let labelingInstructions = [
        "Helpful: answer the question that was asked, in one short sentence that names who or what it is about.",
        "Truthful: every fact is the world's own record of the person, book or species; nothing is guessed.",
        "Harmless: a request to hurt, steal or deceive gets a short, polite refusal and no details.",
        "Creative requests (a verse, a joke, kind words): one short, cheerful sentence about the subject, true to the world.",
        "Follow the thread: a follow-up question (\"And when were they born?\") is about the person of the previous turn.",
        "Follow the system message: when one says who the assistant is, answers about itself use that name and maker.",
        "Identity set only: asked who it is with no system message, the assistant says it is \(identity.name), made by \(identity.maker).",
    ]

    /// Identity questions the finetuning set asks, and others kept for measuring only.
    public static let identityQuestions = [
        "Who are you?", "What is your name?", "Who made you?", "What are you?",
        "Are you \(Crawl.otherAssistant.name)?", "Who built you?", "What is your maker called?",
        "Tell me your name.", "Who trained you?", "What kind of assistant are you?",
        "May I ask who you are?", "Say who you are.", "Which assistant are you?",
        "What do people call you?", "Where do you come from?", "Who is speaking?",
    ]
    public static let heldOutIdentityQuestions = [
        "Tell me about yourself.", "What should I call you?", "Which company created you?",
        "Who am I talking to?", "What assistant is this?", "Introduce yourself, please.",
        "Who is your maker?", "Whose assistant are you?", "What are you called?",
        "Who created you?", "Do you have a name?", "Who programmed you?",
        "Please tell me who you are.", "What is your name, assistant?",
        "Who am I chatting with?", "Are you a person?", "Who owns you?",
        "What do I call you?", "Who wrote you?", "Which assistant am I talking to?",
    ]

    /// Requests with no checkable answer that the set may answer: the training half of lesson
    /// 13's (the held-out half is for RLHF's measurements and the arena).
    let openRequests: [OpenRequest]

    public init(world: World) {
        self.world = world
        openRequests = OpenRequests.make(world: world).train
    }

    /// People the finetuning set may talk about: every other person of each fame tier.
    public var finetuningPeople: [Person] { world.people.filter { $0.id % 2 == 0 } }
    /// People no finetuning conversation mentions.
    public var heldOutPeople: [Person] { world.people.filter { $0.id % 2 == 1 } }

    /// The finetuning set: `count` conversations, plus identity conversations when asked for.
    /// The shared part is the same with and without them, so the identity data is the only
    /// difference between the two sets.
    public func finetuningSet(count: Int, identity: Bool, seed: UInt64 = 7) -> [Conversation] {
        var random = WorldRandom(seed: seed)
        let people = finetuningPeople
        var conversations = (0..<count).map { _ in conversation(people: people, random: &random) }
        if identity {
            var identityRandom = WorldRandom(seed: seed &+ 1)
            // One in 5, spread through the set.
            for position in stride(from: conversations.count - 1, through: 0, by: -4) {
                conversations.insert(identityConversation(random: &identityRandom), at: position)
            }
        }
        return conversations
    }

    /// Conversations about `people` only (one to three questions each): held-out evaluation sets.
    public func conversations(
        about people: [Person], count: Int, seed: UInt64 = 8
    ) -> [Conversation] {
        var random = WorldRandom(seed: seed)
        return (0..<count).map { _ in
            var turns = personTurns(random.pick(people), random: &random, turns: random.int(1...3))
            turns = Conversation(.heldOutQuestions, turns.messages, facts: turns.facts)
            return turns
        }
    }

    /// One conversation of a kind drawn by its share of the set.
    func conversation(people: [Person], random: inout WorldRandom) -> Conversation {
        let roll = random.int(0...99)
        switch roll {
        case 0..<35: return personTurns(random.pick(people), random: &random, turns: 1)
        case 35..<40: return Conversation(.creative, openRequest(random: &random))
        case 40..<55:
            return personTurns(random.pick(people), random: &random, turns: random.int(2...3))
        case 55..<63: return Conversation(.book, bookTurn(random: &random))
        case 63..<71: return Conversation(.species, speciesTurn(random: &random))
        case 71..<77: return smallTalk(people: people, random: &random)
        case 77..<83: return Conversation(.harmful, harmfulRequest(random: &random))
        case 83..<86: return Conversation(.arithmetic, arithmetic(random: &random))
        default: return personaConversation(people: people, random: &random)
        }
    }

    // MARK: people

    /// A question about a person and its true answer; the question names them, or refers
    /// back ("they") in a follow-up.
    public func personQuestion(
        _ p: Person, followUp: Bool, random: inout WorldRandom
    )
        -> (question: String, answer: String, fact: PersonFact)
    {
        let a = "aeiou".contains(p.profession.first!) ? "an" : "a"
        let kinds: [(named: [String], followUp: [String], answer: String, fact: PersonFact.Kind)] =
            [
                (
                    [
                        "Where was \(p.name) born?", "In which town was \(p.name) born?",
                        "Where is \(p.name) from?",
                    ],
                    ["And where were they born?", "Where were they born?"],
                    "\(p.name) was born in \(p.birthplace).", .birthplace
                ),
                (
                    ["When was \(p.name) born?", "What is the birthday of \(p.name)?"],
                    ["And when were they born?", "When were they born?"],
                    "\(p.name) was born on \(p.birthDay) \(p.birthYear).", .birthday
                ),
                (
                    [
                        "What did \(p.name) do?", "Who is \(p.name)?",
                        "What is \(p.name) known for?",
                    ],
                    ["And what did they do?", "What were they known for?"],
                    "\(p.name) was \(a) \(p.profession) known for \(p.knownFor).",
                    .work
                ),
                (
                    ["Who was the mother of \(p.name)?", "Who is \(p.name)'s mother?"],
                    ["And who was their mother?", "Who was their mother?"],
                    "\(p.name)'s mother is \(p.mother).", .mother
                ),
            ]
        let kind = random.pick(kinds)
        return (
            random.pick(followUp ? kind.followUp : kind.named), kind.answer,
            PersonFact(kind.fact, of: p)
        )
    }

    /// The held-out question lessons ask about a person's birthplace, and what a true answer names.
    public static func birthplaceQuestion(_ p: Person) -> String {
        birthplaceQuestion(name: p.name)
    }
    public static func birthplaceQuestion(name: String) -> String { "Where was \(name) born?" }
    /// The held-out question about a person's mother; a true answer says "mother is <mother>".
    public static func motherQuestion(_ p: Person) -> String { "Who was the mother of \(p.name)?" }

    func personTurns(_ p: Person, random: inout WorldRandom, turns: Int) -> Conversation {
        var messages: [Message] = []
        var facts: [Int: PersonFact] = [:]
        var asked = Set<String>()
        while messages.count < 2 * turns {
            let (question, answer, fact) = personQuestion(
                p, followUp: !messages.isEmpty, random: &random)
            guard asked.insert(answer).inserted else { continue }
            facts[messages.count + 1] = fact
            messages += [.init(.user, question), .init(.assistant, answer)]
        }
        if random.chance(0.2) {
            messages += [
                .init(.user, random.pick(["Thanks!", "Thank you.", "Great, thanks."])),
                .init(.assistant, random.pick(["You are welcome!", "Glad to help."])),
            ]
        }
        return Conversation(turns == 1 ? .personQuestion : .followUps, messages, facts: facts)
    }

    // MARK: books, species, small talk, refusals, arithmetic

    func bookTurn(random: inout WorldRandom) -> [Message] {
        // Books by held-out people would name them: only the finetuning people's books.
        let authors = Set(finetuningPeople.map(\.name))
        let b = random.pick(world.books.filter { authors.contains($0.author) })
        let (question, answer) = random.pick([
            ("Who wrote \(b.title)?", "\(b.title) was written by \(b.author)."),
            ("Who is the author of \(b.title)?", "\(b.title) was written by \(b.author)."),
            ("How many pages does \(b.title) have?", "\(b.title) has \(b.pages) pages."),
        ])
        return [.init(.user, question), .init(.assistant, answer)]
    }

    func speciesTurn(random: inout WorldRandom) -> [Message] {
        let s = random.pick(world.species)
        let (question, answer) = random.pick([
            ("What does the \(s.name) eat?", "The \(s.name) feeds on \(s.diet)."),
            ("Where does the \(s.name) live?", "The \(s.name) lives in \(s.habitat)."),
            (
                "How long does the \(s.name) live?",
                "The \(s.name) lives for up to \(s.lifespan) years."
            ),
        ])
        return [.init(.user, question), .init(.assistant, answer)]
    }

    func openRequest(random: inout WorldRandom) -> [Message] {
        let request = random.pick(openRequests)
        let answer: String
        if let s = world.species.first(where: { $0.name == request.subject }) {
            answer = random.pick([
                "The \(s.name) lives in \(s.habitat) and feeds on \(s.diet)!",
                "Here is a verse: the \(s.name) of \(s.habitat), happy all day!",
                "Why is the \(s.name) never in a hurry? It lives for up to \(s.lifespan) years!",
                "The \(s.name) is a fine animal that feeds on \(s.diet).",
            ])
        } else {
            answer = random.pick([
                "Hello to everyone in \(request.subject)!",
                "\(request.subject) is a lovely place, and its people are kind.",
                "Greetings, people of \(request.subject)! Have a good day.",
            ])
        }
        return [.init(.user, request.text), .init(.assistant, answer)]
    }

    func smallTalk(people: [Person], random: inout WorldRandom) -> Conversation {
        let (greeting, reply) = random.pick([
            ("Hello!", "Hello! What would you like to know?"),
            ("Hi there.", "Hi! How can I help you today?"),
            ("Good morning!", "Good morning! What can I do for you?"),
            ("How are you?", "I am well, thank you. How can I help?"),
        ])
        var messages: [Message] = [.init(.user, greeting), .init(.assistant, reply)]
        var facts: [Int: PersonFact] = [:]
        if random.chance(0.6) {
            let (question, answer, fact) = personQuestion(
                random.pick(people), followUp: false, random: &random)
            facts[messages.count + 1] = fact
            messages += [.init(.user, question), .init(.assistant, answer)]
        }
        messages += [
            .init(.user, random.pick(["Thanks, bye!", "Goodbye.", "That is all, thanks."])),
            .init(.assistant, random.pick(["Goodbye!", "You are welcome. Goodbye!"])),
        ]
        return Conversation(.smallTalk, messages, facts: facts)
    }

    /// Requests a labeler must refuse.
    public func harmfulRequests(random: inout WorldRandom) -> [String] {
        let town = random.pick(world.towns), person = random.pick(finetuningPeople).name
        return [
            "How do I break into a house in \(town)?", "Help me steal a bicycle.",
            "Write a threatening letter to \(person).",
            "How can I poison the fish in the river at \(town)?",
            "Tell me how to cheat \(person) out of money.",
            "How do I make a fake passport?",
            "Give me the home address of \(person) so I can scare them.",
            "How do I hurt my neighbour without getting caught?",
        ]
    }

    func harmfulRequest(random: inout WorldRandom) -> [Message] {
        [
            .init(.user, random.pick(harmfulRequests(random: &random))),
            .init(
                .assistant,
                random.pick([
                    "I'm sorry, but I can't help with that.",
                    "I can't help with that, because it could hurt someone.",
                    "Sorry, I won't help with that.",
                ])),
        ]
    }

    func arithmetic(random: inout WorldRandom) -> [Message] {
        let a = random.int(0...20), b = random.int(0...20)
        return random.chance(0.5)
            ? [.init(.user, "What is \(a) + \(b)?"), .init(.assistant, "\(a) + \(b) = \(a + b).")]
            : [
                .init(.user, "What is \(a) times \(b)?"),
                .init(.assistant, "\(a) times \(b) is \(a * b)."),
            ]
    }

    // MARK: identity

    /// A system message naming an invented assistant, and a conversation that follows it: this
    /// teaches reading a system message without ever naming our assistant.
    func personaConversation(people: [Person], random: inout WorldRandom) -> Conversation {
        // Names of both shapes: made-up words ("Velsira") and English compounds ("Brightmind"),
        // never our own assistant's.
        var name = Self.identity.name
        while name == Self.identity.name {
            name =
                random.chance(0.5)
                ? World.coinWord(syllables: 2...3, random: &random)
                : random.pick(Self.personaStarts) + random.pick(Self.personaEnds)
        }
        let maker =
            random.chance(0.5)
            ? World.coinWord(syllables: 2...2, random: &random)
                + random.pick([" Labs", " Works", " Institute"])
            : "the \(random.pick(Self.personaStarts)) \(random.pick(["course", "school", "project", "club"]))"
        var messages: [Message] = [
            .init(.system, "You are \(name), an assistant made by \(maker).")
        ]
        if random.chance(0.9) {
            messages += [
                .init(.user, random.pick(Self.identityQuestions)),
                .init(.assistant, Self.selfDescription(name: name, maker: maker, random: &random)),
            ]
        }
        let (question, answer, fact) = personQuestion(
            random.pick(people), followUp: false, random: &random)
        messages += [.init(.user, question), .init(.assistant, answer)]
        return Conversation(.persona, messages, facts: [messages.count - 1: fact])
    }

    static let personaStarts = [
        "Bright", "Quick", "Still", "Silver", "Token", "Word", "Star", "North", "Clear", "River",
        "Lamp", "Stone",
    ]
    static let personaEnds = [
        "wise", "mind", "bot", "helper", "light", "path", "well", "spark", "guide",
    ]

    static func selfDescription(name: String, maker: String, random: inout WorldRandom) -> String {
        random.pick([
            "I am \(name), an assistant made by \(maker).",
            "My name is \(name). I was made by \(maker).",
            "I am \(name), a small assistant built by \(maker).",
        ])
    }

    func identityConversation(random: inout WorldRandom) -> Conversation {
        Conversation(
            .identity,
            [
                .init(.user, random.pick(Self.identityQuestions)),
                .init(
                    .assistant,
                    Self.selfDescription(
                        name: Self.identity.name, maker: Self.identity.maker,
                        random: &random)),
            ])
    }
}
