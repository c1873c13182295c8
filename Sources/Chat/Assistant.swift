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
    /// The tokens after the prompt, the stopping token included: the model's, and a search
    /// result's that the runtime injected (`search.injected` says which).
    public let tokens: [Int]
    /// The reply's text (special tokens left out); after a search, the answer that follows the
    /// result.
    public let text: String
    public let ending: Ending
    /// Messages left out from the front of the conversation to fit the context.
    public let droppedMessages: Int
    /// The search the reply made, if it made one.
    public var search: SearchTrace? = nil

    /// One assistant turn that ends with the end token and writes no other turn.
    public var isWellFormed: Bool { ending == .endOfTurn }

    /// The reply as a message of the conversation (with its search, so the next turn sees it).
    public var message: Message {
        Message(
            .assistant, text,
            search: search.flatMap {
                $0.outcome == .unclosed ? nil : SearchStep(query: $0.query, result: $0.result)
            })
    }
}

/// What happened when the model called the search tool.
public struct SearchTrace: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        /// The tool returned a passage.
        case found
        /// The tool found nothing (or the query was empty): the result says so.
        case nothing
        /// The call was not closed within `Assistant.longestQuery` tokens, or another special
        /// token interrupted it: no search ran, and the call's tokens stay in the reply as text.
        case unclosed
    }
    public let query: String
    /// The text injected as the result (cut to the room left, with `Assistant.cutNotice`).
    public let result: String
    public let outcome: Outcome
    public let truncated: Bool
    /// Positions in `Reply.tokens` of the injected tokens, <|result|> to <|/result|>.
    public let injected: Range<Int>
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
                throw AssistantError(
                    description:
                        "the last message and the system message take \(tokens.count) tokens; with \(room) for the reply that is more than the model's context of \(window): shorten them"
                )
            }
            // Whole turns: a conversation never starts with an answer to a dropped question.
            repeat {
                rest.removeFirst(); dropped += 1
            } while rest.first?.role == .assistant && rest.count > 1
        }
    }

    /// The search tool: a query in, the best passage out (nil: nothing found). Without one, a
    /// model that writes <|search|> is stopped there, as for any other special token.
    public var searchTool: ((String) -> String?)?
    /// The longest query a call may have before it counts as unclosed.
    public static let longestQuery = 16
    /// What the result says when the tool finds nothing.
    public static let noResult = "No results."
    /// Ends a result that had to be cut to fit the context.
    public static let cutNotice = " [cut to fit]"
    /// Tokens kept free after a result for the answer.
    public static let answerRoom = 24

    /// Samples the next assistant turn. `onText` receives the answer's text as it grows (whole
    /// UTF-8 characters only); `onSearch` the search, once its result is injected.
    public func reply(
        to messages: [Message], settings: SamplingSettings, maxTokens: Int = 48,
        using generator: inout SeededGenerator, isCancelled: () -> Bool = { false },
        onSearch: (SearchTrace) -> Void = { _ in },
        onText: (String) -> Void = { _ in }
    ) throws -> Reply {
        try reply(
            to: messages, maxTokens: maxTokens,
            choose: { Sampling.sample(logits: $0.logits, settings: settings, using: &generator) },
            isCancelled: isCancelled, onSearch: onSearch, onText: onText)
    }

    /// The reply with each token picked by `choose` (tests script it).
    func reply(
        to messages: [Message], maxTokens: Int, choose: (Step) -> Int, isCancelled: () -> Bool,
        onSearch: (SearchTrace) -> Void, onText: (String) -> Void
    ) throws -> Reply {
        let window = languageModel.model.config.contextLength
        let (prompt, dropped) = try self.prompt(for: messages, room: min(maxTokens, window / 4))
        session.reset()
        var step = session.feed(prompt.map(Int32.init))!
        var written: [Int] = [], bytes: [UInt8] = [], pending: [UInt8] = []
        var ending = Reply.Ending.limit
        var search: SearchTrace?
        var callStart: Int?   // position in `written` of an open <|search|>
        let specials = Set(languageModel.tokenizer.specialTokens.values)
        func emit(_ token: Int) {
            let tokenBytes = (try? languageModel.tokenizer.bytes(of: token)) ?? []
            bytes += tokenBytes
            pending += tokenBytes
            if let text = String(validating: pending, as: UTF8.self) {
                onText(text); pending.removeAll()
            }
        }
        func abandonCall(before end: Int) {
            // Unclosed: the call's words become ordinary text of the reply.
            let words = Array(written[(callStart! + 1)..<end])
            search = SearchTrace(
                query: chat.queryText(words), result: "", outcome: .unclosed,
                truncated: false, injected: end..<end)
            words.forEach(emit)
            callStart = nil
        }
        var injectedCount = 0
        while written.count - injectedCount < maxTokens {
            if isCancelled() { ending = .interrupted; break }
            let token = choose(step)
            written.append(token)
            if let start = callStart {
                if token == chat.searchCallEnd {
                    let query = chat.queryText(Array(written[(start + 1)..<(written.count - 1)]))
                    let trace = inject(query: query, into: &written, promptCount: prompt.count)
                    search = trace
                    callStart = nil
                    injectedCount = trace.injected.count
                    onSearch(trace)
                    guard prompt.count + written.count < window else { break }
                    step = session.feed(
                        written[(trace.injected.lowerBound - 1)...].map(Int32.init))!
                    continue
                }
                if specials.contains(token) || written.count - start > Self.longestQuery {
                    abandonCall(before: written.count - 1)
                } else {
                    guard prompt.count + written.count < window else { break }
                    step = session.feed(Int32(token)); continue
                }
            }
            if token == chat.end { ending = .endOfTurn; break }
            if token == chat.searchCall, searchTool != nil, search == nil {
                callStart = written.count - 1
            } else if specials.contains(token) {
                ending = .otherSpecialToken; break
            } else {
                emit(token)
            }
            guard prompt.count + written.count < window else { break }
            step = session.feed(Int32(token))
        }
        if callStart != nil { abandonCall(before: written.count) }
        if !pending.isEmpty { onText(String(decoding: pending, as: UTF8.self)) }
        var reply = Reply(
            tokens: written, text: String(decoding: bytes, as: UTF8.self), ending: ending,
            droppedMessages: dropped)
        reply.search = search
        return reply
    }

    /// Runs the tool and appends <|result|>…<|/result|> to `written`, cut to leave
    /// `answerRoom` tokens of the context for the answer.
    private func inject(query: String, into written: inout [Int], promptCount: Int) -> SearchTrace {
        let room =
            languageModel.model.config.contextLength - promptCount - written.count - Self.answerRoom
            - 2
        let block = chat.injection(query: query, tool: searchTool, room: room)
        let start = written.count
        written += block.tokens
        return SearchTrace(
            query: query, result: block.result, outcome: block.outcome,
            truncated: block.truncated, injected: start..<written.count)
    }

    /// The greedy reply's text to one user message (with an optional system message).
    public func answer(
        _ question: String, system: String? = nil, maxTokens: Int = 48
    ) throws -> Reply {
        var generator = SeededGenerator(seed: 0)
        let messages = (system.map { [Message(.system, $0)] } ?? []) + [Message(.user, question)]
        return try reply(to: messages, settings: .greedy, maxTokens: maxTokens, using: &generator)
    }
}
