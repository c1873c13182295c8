// What the lessons and the stepper show of a tokenizer: a text as its tokens (ids with the
// byte span each covers, for a token strip), the merge history (which two tokens made each
// new one, for a graph), and compression in bytes per token.

extension Tokenizer {
    /// One token of an encoded text.
    public struct Piece: Equatable, Sendable {
        public let token: Int
        /// Where the token's bytes sit in the text's UTF-8.
        public let byteRange: Range<Int>
        /// The token's bytes made readable (see `Tokenizer.display`).
        public let label: String
        public let isSpecial: Bool
    }

    /// The text as its tokens, in order, each with its byte span.
    public func pieces(of text: String, allowedSpecial: AllowedSpecial = .none) -> [Piece] {
        var offset = 0
        return encode(text, allowedSpecial: allowedSpecial).map { token in
            let bytes = tokenBytes[token]!
            defer { offset += bytes.count }
            return Piece(
                token: token, byteRange: offset..<offset + bytes.count, label: Self.display(bytes),
                isSpecial: specialName(of: token) != nil)
        }
    }

    /// A token's bytes made readable; special tokens as their names.
    public func label(of token: Int) -> String {
        if let name = specialName(of: token) { return name }
        return (tokenBytes[safe: token] ?? nil).map(Self.display) ?? "<unknown \(token)>"
    }

    /// The first `count` merges as labelled edges: left + right → token.
    public func mergeHistory(
        first count: Int
    ) -> [(left: String, right: String, token: String, merge: Merge)] {
        merges.prefix(count).map {
            (label(of: $0.left), label(of: $0.right), label(of: $0.token), $0)
        }
    }

    /// UTF-8 bytes per token over `text` (higher is better compression); 0 for an empty text.
    public func bytesPerToken(_ text: String) -> Double {
        let tokens = encode(text).count
        return tokens == 0 ? 0 : Double(text.utf8.count) / Double(tokens)
    }
}

extension Tokenizer {
    /// How this tokenizer differs from `other` (the first difference, in words), or nil when
    /// both give every text the same ids: same split pattern, byte tokens, merges and specials.
    public func difference(from other: Tokenizer) -> String? {
        if pattern != other.pattern {
            return
                "it splits text with the \(pattern.rawValue) pattern, not \(other.pattern.rawValue)"
        }
        if byteTokens != other.byteTokens { return "its byte tokens have other ids" }
        if let rank = (0..<min(merges.count, other.merges.count)).first(where: {
            merges[$0] != other.merges[$0]
        }) {
            func show(_ m: Merge) -> String { "\(m.left) + \(m.right) → \(m.token)" }
            return "merge \(rank) is \(show(merges[rank])), not \(show(other.merges[rank]))"
        }
        if merges.count != other.merges.count {
            return "it has \(merges.count) merges, not \(other.merges.count)"
        }
        if specialTokens != other.specialTokens {
            let mine = specialTokens.sorted { $0.value < $1.value }.map { "\($0.key)=\($0.value)" }
            let theirs = other.specialTokens.sorted { $0.value < $1.value }.map {
                "\($0.key)=\($0.value)"
            }
            return
                "its special tokens are \(mine.joined(separator: " ")), not \(theirs.joined(separator: " "))"
        }
        return nil
    }
}
