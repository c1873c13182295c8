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
    /// The tokens after the prompt, the stopping token included: the model's, and the tool
    /// results the runtime injected (each call's `injected` says where).
    public let tokens: [Int]
    /// The reply's text (special tokens left out): the model's words, each calculation as
    /// "13 - 8 = 5"; a search's passage is not part of it.
    public let text: String
    public let ending: Ending
    /// Messages left out from the front of the conversation to fit the context.
    public let droppedMessages: Int
    /// The tool calls the reply made, in order.
    public var calls: [ToolTrace] = []
    /// The reply's words and closed calls in order (what `message` keeps of a calculation).
    var parts: [TurnPart] = []

    /// The search the reply made, if it made one (the first, where it made several).
    public var search: ToolTrace? { calls.first { $0.tool == .search } }
    /// Every search the reply made, in order.
    public var searches: [ToolTrace] { calls.filter { $0.tool == .search } }

    /// One assistant turn that ends with the end token and writes no other turn.
    public var isWellFormed: Bool { ending == .endOfTurn }

    /// The reply as a message of the conversation, with its calls, so the next turn sees them.
    public var message: Message {
        let closed = calls.filter { $0.outcome != .unclosed }
        if closed.contains(where: { $0.tool == .calculator }) || closed.count > 1 {
            return Message(.assistant, parts: parts)
        }
        return Message(
            .assistant, text,
            search: search.flatMap {
                $0.outcome == .unclosed ? nil : SearchStep(query: $0.input, result: $0.result)
            })
    }
}

/// What happened when the model called a tool.
public struct ToolTrace: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        /// The tool returned a result.
        case found
        /// The tool found nothing (or the input was empty): the result says so.
        case nothing
        /// The call was not closed within the tool's `longestInput` tokens, or another special
        /// token interrupted it: the tool did not run, and the call's tokens stay in the reply
        /// as text.
        case unclosed
    }
    public let tool: Tool
    /// What the model wrote in the call: a search's query, a calculator's expression.
    public let input: String
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

    /// The room a prompt keeps for a reply of up to `maxTokens`: at most a quarter of the
    /// context, so a long limit does not push the conversation out.
    public func replyRoom(_ maxTokens: Int) -> Int {
        min(maxTokens, languageModel.model.config.contextLength / 4)
    }

    /// What to say when a system message leaves no room for even a one-character question and
    /// a reply of `maxTokens` (as `reply` reserves it): every message would be refused. Nil when
    /// it fits.
    public func roomProblem(system: String, maxTokens: Int) -> String? {
        let window = languageModel.model.config.contextLength
        let room = replyRoom(maxTokens)
        let shortest = chat.prompt([Message(.system, system), Message(.user, "?")]).count
        guard shortest + room > window else { return nil }
        return "the system message with a one-character question takes \(shortest) tokens; with "
            + "\(room) for the reply that is more than the model's context of \(window): shorten it"
    }

    /// The tools the assistant may call, each an input in and a result out (nil: nothing
    /// found). A model that opens a call of a tool it does not have is stopped there, as for any
    /// other special token.
    public var tools: [Tool: (String) -> String?] = [:]
    /// How many calls of each tool one reply may make, where it differs from the tool's
    /// `callsPerReply` (lesson 10 allows two searches for two-hop questions). Once a tool's calls
    /// are spent, its call token is masked out of the choice: the model must go on without it.
    public var callsAllowed: [Tool: Int] = [:]
    /// The calls of `tool` one reply may make.
    public func allowedCalls(_ tool: Tool) -> Int { callsAllowed[tool] ?? tool.callsPerReply }
    /// The search tool: a query in, the best passage out.
    public var searchTool: ((String) -> String?)? {
        get { tools[.search] }
        set { tools[.search] = newValue }
    }
    /// The longest query a search call may have before it counts as unclosed.
    public static let longestQuery = Tool.search.longestInput
    /// What the result says when the tool finds nothing.
    public static let noResult = "No results."
    /// Ends a result that had to be cut to fit the context.
    public static let cutNotice = " [cut to fit]"
    /// Tokens kept free after a result for the answer.
    public static let answerRoom = 24

    /// Samples the next assistant turn. `onText` receives the model's words as they grow
    /// (whole UTF-8 characters only); `onCall` each tool call, once its result is injected.
    public func reply(
        to messages: [Message], settings: SamplingSettings, maxTokens: Int = 48,
        using generator: inout SeededGenerator, isCancelled: () -> Bool = { false },
        onCall: (ToolTrace) -> Void = { _ in },
        onText: (String) -> Void = { _ in }
    ) throws -> Reply {
        try reply(
            to: messages, maxTokens: maxTokens,
            choose: { Sampling.sample(logits: $0, settings: settings, using: &generator) },
            isCancelled: isCancelled, onCall: onCall, onText: onText)
    }

    /// The reply with each token picked by `choose` from the step's logits, the call tokens of
    /// spent tools masked to -∞ (tests script it). Injected results do not count toward
    /// `maxTokens`; the model's own tokens do, its call tokens included.
    func reply(
        to messages: [Message], maxTokens: Int, choose: ([Float]) -> Int, isCancelled: () -> Bool,
        onCall: (ToolTrace) -> Void, onText: (String) -> Void
    ) throws -> Reply {
        let window = languageModel.model.config.contextLength
        let (prompt, dropped) = try self.prompt(for: messages, room: replyRoom(maxTokens))
        session.reset()
        var step = session.feed(prompt.map(Int32.init))!
        var written: [Int] = [], bytes: [UInt8] = [], pending: [UInt8] = []
        var ending = Reply.Ending.limit
        var calls: [ToolTrace] = [], parts: [TurnPart] = [], words: [UInt8] = []
        var open: (tool: Tool, at: Int)?   // an open call, and its position in `written`
        let specials = Set(languageModel.tokenizer.specialTokens.values)
        func emit(bytes tokenBytes: [UInt8]) {
            bytes += tokenBytes
            words += tokenBytes
            pending += tokenBytes
            if let text = String(validating: pending, as: UTF8.self) {
                onText(text); pending.removeAll()
            }
        }
        func emit(_ token: Int) {
            emit(bytes: (try? languageModel.tokenizer.bytes(of: token)) ?? [])
        }
        func closeWords() {
            if !words.isEmpty { parts.append(.text(String(decoding: words, as: UTF8.self))) }
            words.removeAll()
        }
        func abandonCall(before end: Int) {
            // Unclosed: the call's words become ordinary text of the reply.
            let (tool, start) = open!
            let input = Array(written[(start + 1)..<end])
            calls.append(
                ToolTrace(
                    tool: tool, input: chat.inputText(input), result: "", outcome: .unclosed,
                    truncated: false, injected: end..<end))
            input.forEach(emit)
            open = nil
        }
        var injectedCount = 0
        while written.count - injectedCount < maxTokens {
            if isCancelled() { ending = .interrupted; break }
            try Self.checkFinite(step.logits, of: languageModel, after: prompt.count + written.count)
            var logits = step.logits
            for (tool, _) in tools where calls.filter({ $0.tool == tool }).count >= allowedCalls(tool) {
                if let call = chat.calls[tool] { logits[call.open] = -.infinity }
            }
            let token = choose(logits)
            written.append(token)
            if let (tool, start) = open {
                if token == chat.calls[tool]!.close {
                    let input = chat.inputText(Array(written[(start + 1)..<(written.count - 1)]))
                    let trace = inject(
                        tool, input: input, into: &written, promptCount: prompt.count)
                    calls.append(trace)
                    open = nil
                    injectedCount += trace.injected.count
                    // A calculation is part of the reply's text, shown by `onCall`, not `onText`
                    // (a search's passage is not: its `text` is empty).
                    closeWords()
                    let call = ToolCall(tool, input: input, result: trace.result)
                    parts.append(.call(call))
                    bytes += Array(call.text.utf8)
                    onCall(trace)
                    guard prompt.count + written.count < window else { break }
                    step = session.feed(
                        written[(trace.injected.lowerBound - 1)...].map(Int32.init))!
                    continue
                }
                if specials.contains(token) || written.count - start > tool.longestInput {
                    abandonCall(before: written.count - 1)
                } else {
                    guard prompt.count + written.count < window else { break }
                    step = session.feed(Int32(token)); continue
                }
            }
            if token == chat.end { ending = .endOfTurn; break }
            if let tool = chat.tool(openedBy: token), tools[tool] != nil,
                calls.filter({ $0.tool == tool }).count < allowedCalls(tool)
            {
                open = (tool, written.count - 1)
            } else if specials.contains(token) {
                ending = .otherSpecialToken; break
            } else {
                emit(token)
            }
            guard prompt.count + written.count < window else { break }
            step = session.feed(Int32(token))
        }
        if open != nil { abandonCall(before: written.count) }
        if !pending.isEmpty { onText(String(decoding: pending, as: UTF8.self)) }
        closeWords()
        var reply = Reply(
            tokens: written, text: String(decoding: bytes, as: UTF8.self), ending: ending,
            droppedMessages: dropped)
        reply.calls = calls
        reply.parts = parts
        return reply
    }

    /// Logits that are not all finite numbers (weights that overflow) would be sampled as
    /// token 0 over and over (NUL characters): an error naming the model instead.
    static func checkFinite(_ logits: some Collection<Float>, of model: LanguageModel, after tokens: Int) throws {
        guard logits.allSatisfy(\.isFinite) else {
            throw AssistantError(
                description:
                    "\(model.name): gives NaN or infinite logits after \(tokens) tokens of context: its weights overflow, so it cannot reply"
            )
        }
    }

    /// Runs the tool and appends <|result|>…<|/result|> to `written`, cut to leave
    /// `answerRoom` tokens of the context for the answer.
    private func inject(
        _ tool: Tool, input: String, into written: inout [Int], promptCount: Int
    ) -> ToolTrace {
        let room =
            languageModel.model.config.contextLength - promptCount - written.count - Self.answerRoom
            - 2
        let block = chat.injection(input: input, run: tools[tool], room: room)
        let start = written.count
        written += block.tokens
        return ToolTrace(
            tool: tool, input: input, result: block.result, outcome: block.outcome,
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
