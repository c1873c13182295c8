import Foundation
import Testing
@testable import Course

@Suite struct ConversationWriterTests {
    let writer = ConversationWriter(world: World(seed: 5, scale: 0.3))

    @Test func heldOutPeopleNeverAppearInTheFinetuningSet() {
        let text = writer.finetuningSet(count: 400, identity: true).flatMap { $0.messages.map(\.text) }.joined(separator: "\n")
        for person in writer.heldOutPeople { #expect(!text.contains(person.name), "\(person.name) is held out") }
        #expect(writer.finetuningPeople.contains { text.contains($0.name) })
    }

    @Test func identityConversationsAreTheOnlyDifference() {
        let without = writer.finetuningSet(count: 300, identity: false).map(\.messages)
        let with = writer.finetuningSet(count: 300, identity: true).map(\.messages)
        let name = ConversationWriter.identity.name
        #expect(!without.contains { $0.contains { $0.text.contains(name) } })
        let extra = with.filter { $0.contains { $0.text.contains(name) } }
        #expect(extra.count == with.count - without.count && !extra.isEmpty)
        #expect(with.filter { !$0.contains { $0.text.contains(name) } } == without)
    }

    @Test func answersAreTheWorldsFacts() {
        var random = WorldRandom(seed: 1)
        for person in writer.finetuningPeople.prefix(20) {
            let (question, answer, fact) = writer.personQuestion(person, followUp: false, random: &random)
            #expect(question.contains(person.name) && answer.hasPrefix(person.name))
            #expect(fact.person == person.name && fact.isStated(in: answer), "\(answer)")
            #expect(fact == PersonFact(fact.kind, of: person))
        }
    }

    @Test func heldOutIdentityQuestionsAreNeverTrainedOn() {
        let asked = Set(writer.finetuningSet(count: 600, identity: true).flatMap { $0.messages.filter { $0.role == .user }.map(\.text) })
        for question in ConversationWriter.heldOutIdentityQuestions { #expect(!asked.contains(question)) }
    }
}

@Suite struct TypedConversationTests {
    let writer = ConversationWriter(world: World(seed: 5, scale: 0.3))

    /// Each answer's fact is the one its text states, and only answers about people carry one.
    @Test func factsAreWhatTheAnswersSay() {
        let names = Set(writer.world.people.map(\.name))
        for conversation in writer.finetuningSet(count: 500, identity: true) {
            for (index, message) in conversation.messages.enumerated() where message.role == .assistant {
                let opening = message.text.split(separator: " ").prefix(2).joined(separator: " ")
                let aboutPerson = names.contains(opening) || names.contains(String(opening.dropLast(2)))
                if let fact = conversation.facts[index] {
                    #expect(fact.isStated(in: message.text) && message.text.hasPrefix(fact.person), "\(message.text)")
                } else {
                    #expect(!aboutPerson, "an answer about a person without its fact: \(message.text)")
                }
            }
            #expect(conversation.facts.keys.allSatisfy { conversation.messages[$0].role == .assistant })
        }
    }

    @Test func kindsAreTheGeneratorsOwn() {
        let set = writer.finetuningSet(count: 500, identity: true)
        let kinds = Set(set.map(\.kind))
        #expect(kinds.isSuperset(of: [.personQuestion, .followUps, .book, .species, .harmful, .persona, .identity]))
        #expect(set.filter { $0.kind == .identity }.allSatisfy { $0.messages[1].text.contains(ConversationWriter.identity.name) })
        #expect(set.filter { $0.kind == .persona }.allSatisfy { $0.messages[0].role == .system })
        #expect(set.filter { $0.kind == .followUps }.allSatisfy { $0.facts.count >= 2 })
        let heldOut = writer.conversations(about: writer.heldOutPeople, count: 50)
        #expect(heldOut.allSatisfy { $0.kind == .heldOutQuestions && !$0.facts.isEmpty })
    }
}
