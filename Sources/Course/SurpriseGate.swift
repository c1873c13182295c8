// Refusing by surprise (lesson 9): before the assistant answers a question about someone, the
// pretrained model reads the name. A name it completes badly (many nats per token) is one it
// read little about, and the reply is a refusal instead of a guess. Our small model carries no
// such signal where it decides whether to answer (lesson 9 measures that), so the runtime
// takes the decision. The name is the question's capitalised words after its first word: the
// course's questions ("Where was Ada Quill born?"), not a general name finder.

import Foundation
import LessonRuntime

public struct SurpriseGate {
    /// The model whose surprise is measured: the pretrained model that read the web.
    public let judge: LanguageModel
    /// Names more surprising than this (nats per token) are refused.
    public let threshold: Double

    public init(judge: LanguageModel, threshold: Double) {
        self.judge = judge
        self.threshold = threshold
    }

    /// The name a question asks about: its capitalised words after the first (nil when none).
    public static func name(in question: String) -> String? {
        let words = question.split(separator: " ").dropFirst()
            .map { $0.trimmingCharacters(in: .punctuationCharacters) }
            .filter { $0.first?.isUppercase == true }
        return words.isEmpty ? nil : words.joined(separator: " ")
    }

    /// The judge's surprise at the question's name: the mean −log p of the name's tokens after
    /// its first, read after the words before it (nats per token). A one-token name is scored
    /// on that token; a name longer than the judge's context on as many tokens as fit. Nil when
    /// the question names nobody.
    public func surprise(ofNameIn question: String) -> Double? {
        guard let name = Self.name(in: question) else { return nil }
        let before = question.components(separatedBy: " " + name)[0]
        let nameTokens = judge.tokenizer.encode(" " + name)
        let context = judge.tokenizer.encode(before) + [nameTokens[0]]
        let room = judge.model.config.contextLength - 1   // at least one context token stays
        let rest = Array(
            (nameTokens.count > 1 ? Array(nameTokens.dropFirst()) : nameTokens).prefix(room))
        return -ModelProbes.logProbability(judge, context: context, continuation: rest)
            / Double(rest.count)
    }

    /// The reply that refuses to answer about `name`.
    public static func refusal(_ name: String) -> String {
        "I'm sorry, I don't believe I know that about \(name)."
    }

    /// The refusal and the surprise behind it, when the question's name is more surprising
    /// than the threshold; nil when the assistant may answer.
    public func refusal(for question: String) -> (reply: String, surprise: Double)? {
        // NaN (a judge whose weights overflow) refuses: `surprise > threshold` let it answer.
        guard let name = Self.name(in: question), let surprise = surprise(ofNameIn: question),
            !(surprise <= threshold)
        else { return nil }
        return (Self.refusal(Self.echoed(name)), surprise)
    }

    /// The most characters of a name a refusal repeats: an 800 KB "name" once came back whole.
    public static let echoLimit = 80

    /// `name`, cut to `echoLimit` characters with "…" when longer.
    static func echoed(_ name: String) -> String {
        name.count > echoLimit ? name.prefix(echoLimit) + "…" : name
    }
}
