// Many replies at once, for measurements that ask hundreds of questions several times each
// (lesson 8 interrogates every person of the world). One forward pass reads every unfinished
// conversation of a batch, so the matrix products are wide instead of one row each; without a
// cache each step rereads the whole prefix, which costs little at these lengths. Conversation i
// draws from its own generator (seed + i), so a reply does not depend on its batch, and a
// greedy reply equals `Assistant.reply`'s (tested). No search tool: a <|search|> stops a reply.

import Autograd
import Transformer

extension Assistant {
    public func replies(to conversations: [[Message]], settings: SamplingSettings, maxTokens: Int = 32,
                        seed: UInt64, batchSize: Int = 64) throws -> [Reply] {
        let model = languageModel.model, window = model.config.contextLength, V = model.config.vocabularySize
        let prompts = try conversations.map { try prompt(for: $0, room: min(maxTokens, window / 4)) }
        let specials = Set(languageModel.tokenizer.specialTokens.values)
        var replies: [Reply] = []
        for batchStart in stride(from: 0, to: prompts.count, by: batchSize) {
            let batch = Array(prompts[batchStart..<min(batchStart + batchSize, prompts.count)])
            var generators = batch.indices.map { SeededGenerator(seed: seed &+ UInt64(batchStart + $0)) }
            var sequences = batch.map(\.tokens)
            var written = batch.map { _ in [Int]() }
            var endings = batch.map { _ in Reply.Ending.limit }
            var open = Array(batch.indices)
            while !open.isEmpty {
                // Right-padded rows: causal attention never lets a position see the padding after it.
                let T = open.map { sequences[$0].count }.max()!
                var tokens: [Int32] = []
                for index in open {
                    tokens += sequences[index].map(Int32.init)
                    tokens += Array(repeating: Int32(chat.start), count: T - sequences[index].count)
                }
                let lasts = open.enumerated().map { row, index in row * T + sequences[index].count - 1 }
                let logits = model.logits(tokens: tokens, batchSize: open.count, length: T, at: lasts).values
                var stillOpen: [Int] = []
                for (row, index) in open.enumerated() {
                    let token = Sampling.sample(logits: Array(logits[(row * V)..<((row + 1) * V)]),
                                                settings: settings, using: &generators[index])
                    written[index].append(token)
                    sequences[index].append(token)
                    if token == chat.end { endings[index] = .endOfTurn; continue }
                    if specials.contains(token) { endings[index] = .otherSpecialToken; continue }
                    if written[index].count < maxTokens && sequences[index].count < window { stillOpen.append(index) }
                }
                open = stillOpen
            }
            for index in batch.indices {
                let bytes = written[index].filter { !specials.contains($0) }
                    .flatMap { (try? languageModel.tokenizer.bytes(of: $0)) ?? [] }
                replies.append(Reply(tokens: written[index], text: String(decoding: bytes, as: UTF8.self),
                                     ending: endings[index], droppedMessages: batch[index].dropped))
            }
        }
        return replies
    }
}
