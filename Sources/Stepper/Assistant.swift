// A chat model answering a conversation: the conversation in the model's chat format, then
// tokens sampled one at a time until the assistant closes its turn. One API for lessons,
// `tokenwise chat` and measurements. A reply that writes another role's token (invents a
// user turn) or runs out of tokens is stopped and reported as such, never silently trimmed.
// When a conversation does not fit the context, the oldest turns go first (the system message
// stays), and the reply says how many were dropped.

import Autograd
import BytePairEncoding
import Foundation
import Transformer

public struct Reply: Sendable {
    public enum Ending: String, Sendable {
        /// The assistant wrote the end-of-turn token.
        case endOfTurn = "end of turn"
        /// It wrote another special token (a role, a new document) before ending its turn.
        case otherSpecialToken = "another special token"
        /// It reached the token limit or the end of the context.
        case limit = "token limit"
        /// The caller stopped it (Ctrl-C in `tokenwise chat`).
        case interrupted
    }
    /// The tokens the model wrote, the stopping token included.
    public let tokens: [Int]
    /// The reply's text (special tokens left out).
    public let text: String
    public let ending: Ending
    /// Messages left out from the front of the conversation to fit the context.
    public let droppedMessages: Int

    /// One assistant turn that ends with the end token and writes no other turn.
    public var isWellFormed: Bool { ending == .endOfTurn }
}

public struct AssistantError: Error, CustomStringConvertible {
    public let description: String
}

public final class Assistant {
    public let languageModel: LanguageModel
    public let chat: ChatTokens
    private let session: InferenceSession

    public init(_ languageModel: LanguageModel) throws {
        self.languageModel = languageModel
        chat = try languageModel.chatTokens()
        session = InferenceSession(model: languageModel.model)
    }

    /// The prompt for the next assistant turn, leaving `room` tokens for the reply: the oldest
    /// messages after the system message are dropped until it fits.
    public func prompt(for messages: [Message], room: Int) throws -> (tokens: [Int], dropped: Int) {
        let window = languageModel.model.config.contextLength
        let system = messages.prefix { $0.role == .system }
        var rest = Array(messages.dropFirst(system.count))
        var dropped = 0
        while true {
            let tokens = chat.prompt(Array(system) + rest)
            if tokens.count + room <= window { return (tokens, dropped) }
            guard rest.count > 1 else {
                throw AssistantError(description: "the last message and the system message take \(tokens.count) tokens; with \(room) for the reply that is more than the model's context of \(window): shorten them")
            }
            // Whole turns: a conversation never starts with an answer to a dropped question.
            repeat { rest.removeFirst(); dropped += 1 } while rest.first?.role == .assistant && rest.count > 1
        }
    }

    /// Samples the next assistant turn. `onText` receives the reply's text as it grows (whole
    /// UTF-8 characters only).
    public func reply(to messages: [Message], settings: SamplingSettings, maxTokens: Int = 48,
                      using generator: inout SeededGenerator, isCancelled: () -> Bool = { false },
                      onText: (String) -> Void = { _ in }) throws -> Reply {
        let window = languageModel.model.config.contextLength
        let (prompt, dropped) = try self.prompt(for: messages, room: min(maxTokens, window / 4))
        session.reset()
        var step = session.feed(prompt.map(Int32.init))!
        var written: [Int] = [], bytes: [UInt8] = [], pending: [UInt8] = []
        var ending = Reply.Ending.limit
        let specials = Set(languageModel.tokenizer.specialTokens.values)
        while written.count < maxTokens {
            if isCancelled() { ending = .interrupted; break }
            let token = Sampling.sample(logits: step.logits, settings: settings, using: &generator)
            written.append(token)
            if token == chat.end { ending = .endOfTurn; break }
            if specials.contains(token) { ending = .otherSpecialToken; break }
            let tokenBytes = (try? languageModel.tokenizer.bytes(of: token)) ?? []
            bytes += tokenBytes
            pending += tokenBytes
            if let text = String(validating: pending, as: UTF8.self) { onText(text); pending.removeAll() }
            guard prompt.count + written.count < window else { break }
            step = session.feed(Int32(token))
        }
        if !pending.isEmpty { onText(String(decoding: pending, as: UTF8.self)) }
        return Reply(tokens: written, text: String(decoding: bytes, as: UTF8.self), ending: ending, droppedMessages: dropped)
    }

    /// The greedy reply's text to one user message (with an optional system message).
    public func answer(_ question: String, system: String? = nil, maxTokens: Int = 48) throws -> Reply {
        var generator = SeededGenerator(seed: 0)
        let messages = (system.map { [Message(.system, $0)] } ?? []) + [Message(.user, question)]
        return try reply(to: messages, settings: .greedy, maxTokens: maxTokens, using: &generator)
    }
}
