// The search tool's protocol, shared by the assistant's reply loop and the stepper: which
// tokens make a closed call, and the result block the runtime injects after it, cut to the
// room the context has left.

import Foundation

/// The result block for one search: <|result|>passage<|/result|>, and what it says.
public struct SearchInjection: Sendable, Equatable {
    public let tokens: [Int]
    /// The injected text (cut to fit, with `Assistant.cutNotice`).
    public let result: String
    public let outcome: SearchTrace.Outcome
    public let truncated: Bool
}

extension ChatTokens {
    /// The query tokens of the call that `tokens` ends by closing (… <|search|> q <|/search|>),
    /// or nil: the last token is not <|/search|>, the call holds a special token, or its query
    /// is longer than `Assistant.longestQuery` tokens.
    public func closedCallQuery(in tokens: [Int]) -> [Int]? {
        guard tokens.last == searchCallEnd, let open = tokens.dropLast().lastIndex(of: searchCall)
        else { return nil }
        let query = Array(tokens[(open + 1)..<(tokens.count - 1)])
        let specials = Set(tokenizer.specialTokens.values)
        guard query.count <= Assistant.longestQuery, !query.contains(where: specials.contains)
        else { return nil }
        return query
    }

    /// A call's query as text, without the spaces around it.
    public func queryText(_ query: [Int]) -> String {
        ((try? tokenizer.decodeText(query)) ?? "").trimmingCharacters(in: .whitespaces)
    }

    /// Runs `tool` on `query` (an empty query finds nothing) and builds the result block, its
    /// passage cut so that the whole block takes at most `room` + 2 tokens.
    public func injection(query: String, tool: ((String) -> String?)?, room: Int) -> SearchInjection
    {
        let found = query.isEmpty ? nil : tool?(query)
        var text = found ?? Assistant.noResult
        var body = tokenizer.encode(text)
        var truncated = false
        if body.count > room {
            // The passage's start, then the notice; with no room even for the notice, as much of it as fits.
            let notice = tokenizer.encode(Assistant.cutNotice)
            body =
                room >= notice.count
                ? Array(body.prefix(room - notice.count)) + notice
                : Array(notice.prefix(max(0, room)))
            text = (try? tokenizer.decodeText(body)) ?? text
            truncated = true
        }
        return SearchInjection(
            tokens: [searchResult] + body + [searchResultEnd], result: text,
            outcome: found == nil ? .nothing : .found, truncated: truncated)
    }
}
