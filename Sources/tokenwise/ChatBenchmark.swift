// `tokenwise bench` (last part): what a learner waits for in `tokenwise chat` on the course
// model — the time to the first token of a reply (reading the conversation, then one sample)
// and the rate of the tokens after it. Random weights: the cost does not depend on them.

import Autograd
import BytePairEncoding
import Foundation
import Stepper
import Transformer

enum ChatBenchmark {
    static func run() throws {
        let tokenizer = try BPETrainer.train(text: String(repeating: "Where was Ada Quill born? Ada Quill was born in Marrow. ", count: 40),
                                             vocabularySize: 300, specialTokens: [LanguageModel.documentSeparator] + ChatFormat.course.specialTokens)
        var config = GPTConfig.course
        config.vocabularySize = max(config.vocabularySize, tokenizer.vocabularySize)
        let model = try LanguageModel(name: "bench", model: GPT(config: config, seed: 1), tokenizer: tokenizer, chatFormat: .course)
        let assistant = try Assistant(model)
        let messages = [Message(.user, "Where was Ada Quill born? Ada Quill was born in Marrow.")]
        let promptTokens = try assistant.prompt(for: messages, room: 32).tokens.count
        var firsts: [Double] = [], rates: [Double] = []
        for round in 0..<7 {
            var generator = SeededGenerator(seed: UInt64(round))
            let start = DispatchTime.now()
            var first: Double?
            let reply = try assistant.reply(to: messages, settings: SamplingSettings(temperature: 1), maxTokens: 48, using: &generator) { _ in
                if first == nil { first = SpeedMeasurements.seconds(since: start) }
            }
            let total = SpeedMeasurements.seconds(since: start)
            guard let first, reply.tokens.count > 1 else { continue }
            firsts.append(first)
            rates.append(Double(reply.tokens.count - 1) / (total - first))
        }
        guard !firsts.isEmpty else { print("chat: no reply long enough to time"); return }
        print("")
        print("tokenwise chat, course model shape (\(config.summary)), a \(promptTokens)-token conversation; medians of \(firsts.count)")
        print(String(format: "  first token     %8.1f ms   (budget 50 ms)", SpeedMeasurements.median(firsts) * 1000))
        print(String(format: "  then            %8.0f tokens/s   (budget 200 tokens/s)", SpeedMeasurements.median(rates)))
    }
}
