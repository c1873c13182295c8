// Questions the lessons ask a trained model: how likely is this continuation, which of these
// options does it prefer, what does it say greedily. Multiple choice by likelihood (as
// benchmark harnesses score base models) measures what a model knows even when its greedy
// text would wander off.

import Foundation
import LessonRuntime

public enum ModelProbes {
    /// Σ log p(continuation | context), in nats, for each continuation. The context is read
    /// once; each continuation is read after it and then taken back (the KV cache's rewind).
    /// Where context and continuation overflow the window, the context is cut to fit.
    public static func logProbabilities(
        _ model: LanguageModel, context: [Int], continuations: [[Int]]
    ) -> [Double] {
        let window = model.model.config.contextLength
        let session = InferenceSession(model: model.model)
        var contextStep: Step?
        return continuations.map { continuation in
            precondition(
                !continuation.isEmpty, "an empty continuation has no probability to measure")
            let fits = context.count + continuation.count <= window
            let start: Step
            if fits, let step = contextStep {
                start = step
            } else {
                let kept = context.suffix(fits ? window : window - continuation.count)
                precondition(!kept.isEmpty, "the context must leave room for at least one token")
                session.reset()
                start = session.feed(kept.map(Int32.init))!
                if fits { contextStep = start }
            }
            var logits = start.logits, total = 0.0
            for (offset, token) in continuation.enumerated() {
                total += log(Double(Sampling.softmax(logits)[token]))
                if offset + 1 < continuation.count { logits = session.feed(Int32(token)).logits }
            }
            session.rewind(continuation.count - 1)
            if !fits { contextStep = nil }
            return total
        }
    }

    /// Σ log p(continuation | context), in nats.
    public static func logProbability(
        _ model: LanguageModel, context: [Int], continuation: [Int]
    ) -> Double {
        logProbabilities(model, context: context, continuations: [continuation])[0]
    }

    /// The index of the option the model finds likeliest after `prompt` (each option is read
    /// as " option", the way it follows a word in running text).
    public static func multipleChoice(
        _ model: LanguageModel, prompt: String, options: [String]
    ) -> Int {
        let scores = logProbabilities(
            model, context: model.tokenizer.encode(prompt),
            continuations: options.map { model.tokenizer.encode(" " + $0) })
        return scores.indices.max { scores[$0] < scores[$1] }!
    }

    /// The model's greedy continuation of `prompt`, as text.
    public static func greedy(_ model: LanguageModel, prompt: String, tokens count: Int) -> String {
        var generator = SeededGenerator(seed: 0)
        let session = InferenceSession(model: model.model)
        let tokens = session.generate(
            prompt: model.tokenizer.encode(prompt, allowedSpecial: .all).map(Int32.init),
            count: count,
            settings: .greedy, using: &generator)
        return (try? model.tokenizer.decodeText(tokens.map(Int.init))) ?? ""
    }
}
