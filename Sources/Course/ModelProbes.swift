// Questions the lessons ask a trained model: how likely is this continuation, which of these
// options does it prefer, what does it say greedily. Multiple choice by likelihood (as
// benchmark harnesses score base models) measures what a model knows even when its greedy
// text would wander off.

import Foundation

public enum ModelProbes {
    /// Σ log p(continuation | context), in nats. The context is cut to the model's window.
    public static func logProbability(_ model: LanguageModel, context: [Int], continuation: [Int]) -> Double {
        let window = model.model.config.contextLength
        let all = Array((context + continuation).suffix(window))
        let start = all.count - continuation.count
        precondition(start >= 1, "the context must leave room for at least one token")
        let session = InferenceSession(model: model.model)
        var total = 0.0
        var logits = session.feed(all[..<start].map(Int32.init))!.logits
        for (offset, token) in all[start...].enumerated() {
            total += log(Double(Sampling.softmax(logits)[token]))
            if start + offset + 1 < all.count { logits = session.feed(Int32(token)).logits }
        }
        return total
    }

    /// The index of the option the model finds likeliest after `prompt` (each option is read
    /// as " option", the way it follows a word in running text).
    public static func multipleChoice(_ model: LanguageModel, prompt: String, options: [String]) -> Int {
        let context = model.tokenizer.encode(prompt)
        let scores = options.map { logProbability(model, context: context, continuation: model.tokenizer.encode(" " + $0)) }
        return scores.indices.max { scores[$0] < scores[$1] }!
    }

    /// The model's greedy continuation of `prompt`, as text.
    public static func greedy(_ model: LanguageModel, prompt: String, tokens count: Int) -> String {
        var generator = SeededGenerator(seed: 0)
        let session = InferenceSession(model: model.model)
        let tokens = session.generate(prompt: model.tokenizer.encode(prompt, allowedSpecial: .all).map(Int32.init), count: count,
                                      settings: .greedy, using: &generator)
        return (try? model.tokenizer.decodeText(tokens.map(Int.init))) ?? ""
    }
}
