// How a conversation becomes tokens for a chat model, and which of those tokens a finetune
// learns from. Each turn is a role token, the turn's text as ordinary tokens, and an end
// token (the shape of ChatML and of Llama's header tokens, with our own names):
//   <|endoftext|><|system|>You are …<|end|><|user|>Where was Ada born?<|end|><|assistant|>…<|end|>
// Turn text is always encoded as plain text: a user who types "<|user|>" gets the characters,
// never the special token. A model directory records its format in chat_format.json, so every
// tool wraps a conversation the way the model was trained. An assistant turn may search first:
//   <|assistant|><|search|>Ada Quill born<|/search|><|result|>…passage…<|/result|>Ada was born in …<|end|>
// The model writes the call; the runtime writes the result (never a training target). A
// calculator call works the same way. A reply may make several calls (a calculation per step; a
// second search, where the runtime allows one, for a two-hop question):
//   <|assistant|><|calc|>13 - 8<|/calc|><|result|>5<|/result|>. The answer is 5.<|end|>

import BytePairEncoding
import Foundation
import Transformer

public enum Role: String, Codable, Sendable, CaseIterable {
    case system, user, assistant
}

public struct Message: Codable, Equatable, Sendable {
    public var role: Role
    public var text: String
    /// An assistant turn may search before it answers: its query, and the passage the search
    /// tool returned (which the model is given, never trained to write).
    public var search: SearchStep?
    /// An assistant turn that called tools as it went (the calculator, a step at a time): its
    /// text and calls in order. `text` is then what the reply reads as ("13 - 8 = 5. …").
    public var parts: [TurnPart]?
    public init(_ role: Role, _ text: String, search: SearchStep? = nil) {
        self.role = role; self.text = text; self.search = search
    }
    public init(_ role: Role, parts: [TurnPart]) {
        self.role = role
        self.text = parts.map(\.text).joined()
        self.parts = parts
    }
}

/// A stretch of an assistant turn: words the model writes, or a tool call.
public enum TurnPart: Codable, Equatable, Sendable {
    case text(String)
    case call(ToolCall)

    public var text: String {
        switch self {
        case .text(let text): return text
        case .call(let call): return call.text
        }
    }
}

/// One search call inside an assistant turn.
public struct SearchStep: Codable, Equatable, Sendable {
    public var query: String
    public var result: String
    public init(query: String, result: String) { self.query = query; self.result = result }
}

public struct ChatFormatError: Error, CustomStringConvertible {
    public let description: String
}

public struct ChatFormat: Codable, Equatable, Sendable {
    /// A name for the format, stored with the model ("tokenwise-chat-1").
    public var name: String
    /// The token every conversation starts from (the pretraining document separator).
    public var start: String
    public var system: String
    public var user: String
    public var assistant: String
    /// Closes every turn; generation stops when the assistant writes it.
    public var end: String
    /// A search call the assistant writes, and the result the runtime injects (reserved).
    public var searchCall: String
    public var searchCallEnd: String
    public var searchResult: String
    public var searchResultEnd: String
    /// A calculator call (its result is injected in the same result block as a search's). A
    /// format stored before the calculator existed has none.
    public var calculatorCall: String?
    public var calculatorCallEnd: String?

    /// The course's format.
    public static let course = ChatFormat(
        name: "tokenwise-chat-1", start: "<|endoftext|>", system: "<|system|>", user: "<|user|>",
        assistant: "<|assistant|>",
        end: "<|end|>", searchCall: "<|search|>", searchCallEnd: "<|/search|>",
        searchResult: "<|result|>", searchResultEnd: "<|/result|>", calculatorCall: "<|calc|>",
        calculatorCallEnd: "<|/calc|>")

    /// The special tokens this format needs beyond the document separator, in id order.
    public var specialTokens: [String] {
        [system, user, assistant, end, searchCall, searchCallEnd, searchResult, searchResultEnd]
            + [calculatorCall, calculatorCallEnd].compactMap { $0 }
    }

    public func roleToken(_ role: Role) -> String {
        switch role {
        case .system: return system
        case .user: return user
        case .assistant: return assistant
        }
    }

    public static let fileName = "chat_format.json"

    /// Reads `directory`/chat_format.json; a model without one is not a chat model.
    public static func load(from directory: URL) throws -> ChatFormat {
        let file = directory.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw ChatFormatError(
                description:
                    "\(directory.path): has no \(fileName), so it is not a chat model (a base model continues documents; lesson 7 finetunes one into 'sft')"
            )
        }
        if let key = JSONDuplicateKeys.first(in: data) {
            throw ChatFormatError(
                description:
                    "\(file.path): the key '\(TerminalText.sanitize(String(key.prefix(80)), keepingNewlines: false))' is given twice; keep one")
        }
        let format: ChatFormat
        do { format = try JSONDecoder().decode(ChatFormat.self, from: data) } catch {
            throw ChatFormatError(description: "\(file.path): is not a chat format (\(error))")
        }
        if let (first, second, token) = format.collision {
            throw ChatFormatError(
                description:
                    "\(file.path): \(first) and \(second) are both \(TerminalText.sanitize(String(token.prefix(80)), keepingNewlines: false)); every role and marker needs its own token"
            )
        }
        return format
    }

    /// Two parts of the format that share a token (user = assistant, end = start, end =
    /// search): a conversation written with them cannot be read back, so a file with one is refused.
    var collision: (String, String, String)? {
        let parts: [(String, String?)] = [
            ("start", start), ("system", system), ("user", user), ("assistant", assistant),
            ("end", end), ("searchCall", searchCall), ("searchCallEnd", searchCallEnd),
            ("searchResult", searchResult), ("searchResultEnd", searchResultEnd),
            ("calculatorCall", calculatorCall), ("calculatorCallEnd", calculatorCallEnd),
        ]
        var seen: [String: String] = [:]
        for case let (name, token?) in parts {
            if let earlier = seen[token] { return (earlier, name, token) }
            seen[token] = name
        }
        return nil
    }

    public func save(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(
            try encoder.encode(self), to: directory.appendingPathComponent(Self.fileName))
    }
}

/// A conversation as the model reads it: token ids, and per token whether a finetune learns to
/// predict it (1: the assistant's words and its end token; 0: everything the assistant is given).
public struct RenderedChat: Equatable, Sendable {
    public var tokens: [Int]
    /// weights[i] belongs to tokens[i]: the loss of predicting tokens[i] from tokens[..<i].
    public var weights: [Float]
    public init(tokens: [Int], weights: [Float]) { self.tokens = tokens; self.weights = weights }
}

/// The chat format bound to a tokenizer's ids.
public struct ChatTokens: Sendable {
    public let format: ChatFormat
    public let tokenizer: Tokenizer
    public let start: Int, end: Int
    /// <|search|> <|/search|> <|result|> <|/result|>.
    public let searchCall: Int, searchCallEnd: Int, searchResult: Int, searchResultEnd: Int
    /// The tokens that open and close each tool's call (no calculator in an older format).
    public let calls: [Tool: (open: Int, close: Int)]
    private let roles: [Role: Int]

    public init(format: ChatFormat, tokenizer: Tokenizer) throws {
        func id(_ name: String) throws -> Int {
            guard let id = tokenizer.specialTokens[name] else {
                throw ChatFormatError(
                    description:
                        "the tokenizer has no special token \(name) that chat format \(format.name) needs"
                )
            }
            return id
        }
        self.format = format
        self.tokenizer = tokenizer
        start = try id(format.start)
        end = try id(format.end)
        searchCall = try id(format.searchCall)
        searchCallEnd = try id(format.searchCallEnd)
        searchResult = try id(format.searchResult)
        searchResultEnd = try id(format.searchResultEnd)
        var calls: [Tool: (open: Int, close: Int)] = [.search: (searchCall, searchCallEnd)]
        if let open = format.calculatorCall, let close = format.calculatorCallEnd {
            calls[.calculator] = (try id(open), try id(close))
        }
        self.calls = calls
        roles = Dictionary(
            uniqueKeysWithValues: try Role.allCases.map { ($0, try id(format.roleToken($0))) })
    }

    public func role(_ role: Role) -> Int { roles[role]! }

    /// A whole conversation, with the finetuning weights.
    public func render(_ messages: [Message]) -> RenderedChat {
        var tokens = [start], weights: [Float] = [0]
        func append(_ part: [Int], learned: Bool) {
            tokens += part; weights += Array(repeating: learned ? 1 : 0, count: part.count)
        }
        for message in messages {
            let learned = message.role == .assistant
            append([role(message.role)], learned: false)
            if let search = message.search {
                // The model learns to write the call; the result is the runtime's, so none
                // of it is a target (the answer after it is).
                append(searchCallTokens(query: search.query), learned: learned)
                append(resultTokens(search.result), learned: false)
            }
            if let parts = message.parts {
                for part in parts {
                    switch part {
                    case .text(let text): append(tokenizer.encode(text), learned: learned)
                    case .call(let call):
                        append(callTokens(call.tool, input: call.input), learned: learned)
                        append(resultTokens(call.result), learned: false)
                    }
                }
                append([end], learned: learned)
                continue
            }
            append(tokenizer.encode(message.text) + [end], learned: learned)   // plain text: never a special token
        }
        return RenderedChat(tokens: tokens, weights: weights)
    }

    /// <|search|>query<|/search|>
    public func searchCallTokens(query: String) -> [Int] { callTokens(.search, input: query) }

    /// <|calc|>13 - 8<|/calc|>, or the call of another tool (which the format must have).
    public func callTokens(_ tool: Tool, input: String) -> [Int] {
        guard let call = calls[tool] else {
            preconditionFailure("chat format \(format.name) has no call tokens for \(tool)")
        }
        return [call.open] + tokenizer.encode(input) + [call.close]
    }

    /// <|result|>passage<|/result|>, as the runtime injects it.
    public func resultTokens(_ passage: String) -> [Int] {
        [searchResult] + tokenizer.encode(passage) + [searchResultEnd]
    }

    /// The tokens that ask for the next assistant turn: the conversation, then <|assistant|>.
    public func prompt(_ messages: [Message]) -> [Int] {
        render(messages).tokens + [role(.assistant)]
    }
}
