// The tools' protocol, shared by the assistant's reply loop and the stepper: which tokens open
// and close a call of each tool, and the result block the runtime injects after a closed call,
// cut to the room the context has left. Search and the calculator differ only in their call
// tokens and bounds; their results share one block, <|result|>…<|/result|>.

import Foundation

/// A tool the assistant can call.
public enum Tool: String, Codable, Sendable, CaseIterable {
    case search, calculator

    /// The longest input, in tokens, before a call counts as unclosed.
    public var longestInput: Int { self == .search ? 16 : 32 }
    /// How many calls of it one reply may make by default: one search (then it answers), a
    /// calculation per step. `Assistant.callsAllowed` sets another budget.
    public var callsPerReply: Int { self == .search ? 1 : 16 }
}

/// One call inside an assistant turn: what the model wrote, and what the tool gave back.
public struct ToolCall: Codable, Equatable, Sendable {
    public var tool: Tool
    public var input: String
    public var result: String
    public init(_ tool: Tool, input: String, result: String) {
        self.tool = tool; self.input = input; self.result = result
    }

    /// How a calculation reads in the reply's text: "13 - 8 = 5". (A search's passage is not
    /// part of the reply's text.)
    public var text: String { tool == .calculator ? "\(input) = \(result)" : "" }
}

/// The result block for one call: <|result|>…<|/result|>, and what it says.
public struct ToolInjection: Sendable, Equatable {
    public let tokens: [Int]
    /// The injected text (cut to fit, with `Assistant.cutNotice`).
    public let result: String
    public let outcome: ToolTrace.Outcome
    public let truncated: Bool
}

extension ChatTokens {
    /// The tool whose call `token` opens, if the format has one.
    public func tool(openedBy token: Int) -> Tool? {
        calls.first { $0.value.open == token }?.key
    }

    /// The tool and input tokens of the call that `tokens` ends by closing
    /// (… <|calc|> 13 - 8 <|/calc|>), or nil: the last token closes no call, the call holds a
    /// special token, or its input is longer than the tool's `longestInput`.
    public func closedCall(in tokens: [Int]) -> (tool: Tool, input: [Int])? {
        guard let last = tokens.last,
            let (tool, pair) = calls.first(where: { $0.value.close == last }),
            let open = tokens.dropLast().lastIndex(of: pair.open)
        else { return nil }
        let input = Array(tokens[(open + 1)..<(tokens.count - 1)])
        let specials = Set(tokenizer.specialTokens.values)
        guard input.count <= tool.longestInput, !input.contains(where: specials.contains)
        else { return nil }
        return (tool, input)
    }

    /// A call's input as text, without the spaces around it.
    public func inputText(_ input: [Int]) -> String {
        ((try? tokenizer.decodeText(input)) ?? "").trimmingCharacters(in: .whitespaces)
    }

    /// Runs `run` on `input` (an empty input, or no tool, gives `Assistant.noResult`) and
    /// builds the result block, its text cut so that the whole block takes at most `room` + 2
    /// tokens.
    public func injection(input: String, run: ((String) -> String?)?, room: Int) -> ToolInjection {
        let found = input.isEmpty ? nil : run?(input)
        var text = found ?? Assistant.noResult
        var body = tokenizer.encode(text)
        var truncated = false
        if body.count > room {
            // The result's start, then the notice; with no room even for the notice, as much of it as fits.
            let notice = tokenizer.encode(Assistant.cutNotice)
            body =
                room >= notice.count
                ? Array(body.prefix(room - notice.count)) + notice
                : Array(notice.prefix(max(0, room)))
            text = (try? tokenizer.decodeText(body)) ?? text
            truncated = true
        }
        return ToolInjection(
            tokens: [searchResult] + body + [searchResultEnd], result: text,
            outcome: found == nil ? .nothing : .found, truncated: truncated)
    }
}
