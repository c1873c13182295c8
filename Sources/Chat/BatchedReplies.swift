// Many replies at once, for measurements that ask hundreds of questions several times each
// (lesson 9 interrogates every person of the world; RL samples k solutions per problem). Each
// reply is a row of a `BatchedInferenceSession`: one feed reads a token into every unfinished
// row, so the matrix products are wide instead of one row each. The k samples of one
// conversation share its prompt: it is read once and its cache copied (prefix reuse).
// Sample j of conversation i draws from its own generator (seed + i·k + j), so a reply does not
// depend on its batch, and a greedy reply equals `Assistant.reply`'s (tested). With two cores free,
// the two halves of the conversations are generated side by side, one per core. No search tool:
// a <|search|> stops a reply like any other special token.

import Autograd
import Transformer

extension Assistant {
    /// One reply to each conversation.
    public func replies(
        to conversations: [[Message]], settings: SamplingSettings, maxTokens: Int = 32,
        seed: UInt64, rowLimit: Int = 256
    ) throws -> [Reply] {
        try samples(
            for: conversations, count: 1, settings: settings, maxTokens: maxTokens, seed: seed,
            rowLimit: rowLimit
        ).map { $0[0] }
    }

    /// `count` sampled replies to each conversation, at most `rowLimit` generated at once.
    public func samples(
        for conversations: [[Message]], count k: Int, settings: SamplingSettings,
        maxTokens: Int = 32,
        seed: UInt64, rowLimit: Int = 256
    ) throws -> [[Reply]] {
        precondition(k >= 1 && rowLimit >= 1, "count and rowLimit must be at least 1")
        // Enough rows for two cores: the first half of the conversations on one, the rest on the
        // other, as the trainer splits its batches (DataParallel.swift). Seeds follow each
        // conversation, not its batch, so the replies are the same.
        if Parallel.threadBudget > 1, conversations.count >= 2, conversations.count * k >= 32 {
            let half = (conversations.count + 1) / 2
            let (first, second) = try Parallel.both(
                {
                    try samples(
                        for: Array(conversations[..<half]), count: k, settings: settings,
                        maxTokens: maxTokens, seed: seed, rowLimit: rowLimit)
                },
                {
                    try samples(
                        for: Array(conversations[half...]), count: k, settings: settings,
                        maxTokens: maxTokens, seed: seed &+ UInt64(half * k), rowLimit: rowLimit)
                })
            return first + second
        }
        let model = languageModel.model, window = model.config.contextLength,
            V = model.config.vocabularySize
        let prompts = try conversations.map {
            try prompt(for: $0, room: replyRoom(maxTokens))
        }
        guard !prompts.isEmpty else { return [] }
        let specials = Set(languageModel.tokenizer.specialTokens.values)
        let perChunk = max(1, rowLimit / k)
        let session = BatchedInferenceSession(model: model, rows: min(prompts.count, perChunk) * k)
        var results: [[Reply]] = []
        for chunkStart in stride(from: 0, to: prompts.count, by: perChunk) {
            let chunk = Array(prompts[chunkStart..<min(chunkStart + perChunk, prompts.count)])
            session.reset()
            // Each prompt once, into the first of its k rows, all prompts in lockstep.
            var lastLogits = [[Float]](repeating: [], count: chunk.count)
            for t in 0..<chunk.map(\.tokens.count).max()! {
                let reading = chunk.indices.filter { chunk[$0].tokens.count > t }
                for last in [false, true] {
                    let group = reading.filter { (chunk[$0].tokens.count - 1 == t) == last }
                    guard !group.isEmpty else { continue }
                    let logits = session.feed(
                        group.map { Int32(chunk[$0].tokens[t]) }, rows: group.map { $0 * k },
                        logits: last)
                    if last {
                        for (n, c) in group.enumerated() {
                            lastLogits[c] = Array(logits[(n * V)..<((n + 1) * V)])
                        }
                    }
                }
            }
            for c in chunk.indices {
                session.copy(row: c * k, to: Array((c * k + 1)..<(c * k + k)))
            }
            // Then every row samples on its own.
            let rows = chunk.count * k
            var generators = (0..<rows).map {
                SeededGenerator(seed: seed &+ UInt64((chunkStart * k) + $0))
            }
            var written = [[Int]](repeating: [], count: rows)
            var endings = [Reply.Ending](repeating: .limit, count: rows)
            var logitsOf: (Int) -> ArraySlice<Float> = { lastLogits[$0 / k][...] }
            var open = Array(0..<rows)
            while !open.isEmpty {
                // Each row draws from its own generator, so the rows can be sampled on both cores.
                var drawn = [Int](repeating: 0, count: open.count)
                let current = logitsOf, rowsNow = open
                for row in rowsNow {
                    try Self.checkFinite(current(row), of: languageModel, after: session.lengths[row])
                }
                generators.withUnsafeMutableBufferPointer { generators in
                    drawn.withUnsafeMutableBufferPointer { drawn in
                        Parallel.forEachChunk(rowsNow.count, minimumChunk: 8) { chunk in
                            for n in chunk {
                                drawn[n] = Sampling.sample(
                                    logits: Array(current(rowsNow[n])), settings: settings,
                                    using: &generators[rowsNow[n]])
                            }
                        }
                    }
                }
                var stillOpen: [Int] = []
                for (n, row) in open.enumerated() {
                    let token = drawn[n]
                    written[row].append(token)
                    if token == chat.end { endings[row] = .endOfTurn; continue }
                    if specials.contains(token) { endings[row] = .otherSpecialToken; continue }
                    if written[row].count < maxTokens && session.lengths[row] + 1 < window {
                        stillOpen.append(row)
                    }
                }
                open = stillOpen
                guard !open.isEmpty else { break }
                let logits = session.feed(open.map { Int32(written[$0].last!) }, rows: open)
                let position = Dictionary(uniqueKeysWithValues: open.enumerated().map { ($1, $0) })
                logitsOf = { row in logits[(position[row]! * V)..<((position[row]! + 1) * V)] }
            }
            for c in chunk.indices {
                results.append(
                    (0..<k).map { j in
                        let row = c * k + j
                        let bytes = written[row].filter { !specials.contains($0) }
                            .flatMap { (try? languageModel.tokenizer.bytes(of: $0)) ?? [] }
                        return Reply(
                            tokens: written[row], text: String(decoding: bytes, as: UTF8.self),
                            ending: endings[row], droppedMessages: chunk[c].dropped)
                    })
            }
        }
        return results
    }
}
