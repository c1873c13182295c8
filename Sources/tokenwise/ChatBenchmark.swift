// `tokenwise bench` (last part): what a learner waits for in `tokenwise chat` on the course
// model — the time to the first token of a reply (reading the conversation, then one sample)
// and the rate of the tokens after it — and what RL waits for: k sampled solutions per
// problem, batched with the prompt shared against one reply at a time. Random weights: the
// cost does not depend on them.

import Autograd
import BytePairEncoding
import Foundation
import Stepper
import Transformer
import Chat

enum ChatBenchmark {
    static func run() throws {
        let tokenizer = try BPETrainer.train(
            text: String(
                repeating: "Where was Ada Quill born? Ada Quill was born in Marrow. ", count: 40),
            vocabularySize: 300,
            specialTokens: [LanguageModel.documentSeparator] + ChatFormat.course.specialTokens)
        var config = GPTConfig.course
        config.vocabularySize = max(config.vocabularySize, tokenizer.vocabularySize)
        let model = try LanguageModel(
            name: "bench", model: GPT(config: config, seed: 1), tokenizer: tokenizer,
            chatFormat: .course)
        let assistant = try Assistant(model)
        let messages = [Message(.user, "Where was Ada Quill born? Ada Quill was born in Marrow.")]
        let promptTokens = try assistant.prompt(for: messages, room: 32).tokens.count
        var firsts: [Double] = [], rates: [Double] = []
        for round in 0..<7 {
            var generator = SeededGenerator(seed: UInt64(round))
            let start = DispatchTime.now()
            var first: Double?
            let reply = try assistant.reply(
                to: messages, settings: SamplingSettings(temperature: 1), maxTokens: 48,
                using: &generator,
                onText: { _ in
                    if first == nil { first = SpeedMeasurements.seconds(since: start) }
                })
            let total = SpeedMeasurements.seconds(since: start)
            guard let first, reply.tokens.count > 1 else { continue }
            firsts.append(first)
            rates.append(Double(reply.tokens.count - 1) / (total - first))
        }
        guard !firsts.isEmpty else { print("chat: no reply long enough to time"); return }
        print("")
        print(
            "tokenwise chat, course model shape (\(config.summary)), a \(promptTokens)-token conversation; medians of \(firsts.count)"
        )
        print(
            String(
                format: "  first token     %8.1f ms   (budget 50 ms)",
                SpeedMeasurements.median(firsts) * 1000))
        print(
            String(
                format: "  then            %8.0f tokens/s   (budget 200 tokens/s)",
                SpeedMeasurements.median(rates)))
        try rollouts(assistant, problems: 16, k: 15)
    }

    /// Rollout tokens/s: `problems` conversations × `k` samples, batched (prefix shared) and one
    /// reply at a time, each sample with the same seed either way (not the same tokens: a product
    /// over many rows rounds differently from one over a single row). The two sides take turns
    /// over `rounds` rounds (the first side alternating), so a busy moment of a shared machine
    /// lands on both; the ratio is the median of the rounds' ratios, with their range.
    static func rollouts(_ assistant: Assistant, problems: Int, k: Int, rounds: Int = 5) throws {
        let conversations = (0..<problems).map {
            [Message(.user, "Where was Ada Quill born? Question \($0).")]
        }
        let settings = SamplingSettings(temperature: 1)
        // The sampled tokens' fingerprint (each reply's length, then its tokens): a change to
        // the engine that should keep every float (inlining, a buffer reused) must print the
        // same one.
        var batchedHash = FNV1a(), singleHash = FNV1a()
        func add(_ tokens: [Int], to hash: inout FNV1a) {
            ([Int32(tokens.count)] + tokens.map(Int32.init)).withUnsafeBytes { hash.add($0) }
        }
        func batched() throws -> (tokens: Int, rate: Double) {
            let start = DispatchTime.now()
            let samples = try assistant.samples(
                for: conversations, count: k, settings: settings, maxTokens: 48, seed: 1)
            let seconds = SpeedMeasurements.seconds(since: start)
            batchedHash = FNV1a()
            for sample in samples.joined() { add(sample.tokens, to: &batchedHash) }
            let tokens = samples.joined().map(\.tokens.count).reduce(0, +)
            return (tokens, Double(tokens) / seconds)
        }
        func oneAtATime() throws -> (tokens: Int, rate: Double) {
            let start = DispatchTime.now()
            var replies: [[Int]] = []
            for (i, conversation) in conversations.enumerated() {
                for j in 0..<k {
                    var generator = SeededGenerator(seed: 1 &+ UInt64(i * k + j))
                    replies.append(
                        try assistant.reply(
                            to: conversation, settings: settings, maxTokens: 48, using: &generator
                        ).tokens)
                }
            }
            let seconds = SpeedMeasurements.seconds(since: start)
            singleHash = FNV1a()
            for reply in replies { add(reply, to: &singleHash) }
            let tokens = replies.map(\.count).reduce(0, +)
            return (tokens, Double(tokens) / seconds)
        }
        var batchedRates: [Double] = [], singleRates: [Double] = [], ratios: [Double] = []
        var batchedTokens = 0
        for round in 0..<rounds {
            var b = (tokens: 0, rate: 0.0), s = (tokens: 0, rate: 0.0)
            if round % 2 == 0 {
                b = try batched(); s = try oneAtATime()
            } else {
                s = try oneAtATime(); b = try batched()
            }
            batchedTokens = b.tokens
            batchedRates.append(b.rate); singleRates.append(s.rate); ratios.append(b.rate / s.rate)
        }
        func line(_ label: String, _ rates: [Double]) -> String {
            String(
                format: "  %@ %8.0f tokens/s   (rounds %.0f–%.0f)", label,
                SpeedMeasurements.median(rates), rates.min()!, rates.max()!)
        }
        print(
            "RL rollouts, \(problems) prompts × k = \(k) samples (\(batchedTokens) tokens); medians of \(rounds) interleaved rounds"
        )
        print(line("batched, prompt shared", batchedRates))
        print(line("one reply at a time   ", singleRates))
        print(
            String(
                format: "  ratio                  %8.1f×   (rounds %.1f–%.1f×; budget ≥ 5×)",
                SpeedMeasurements.median(ratios), ratios.min()!, ratios.max()!))
        print("  sampled tokens: batched FNV-1a \(batchedHash.hex), one at a time \(singleHash.hex)")
    }
}
