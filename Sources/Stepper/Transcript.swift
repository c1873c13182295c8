// The non-interactive stepper: sample `steps` tokens and write down every step (the token, its
// probability, the candidates it was drawn from). The same model, prompt, settings and seed
// give the same transcript, byte for byte.

import Foundation
import Chat

public enum Transcript {
    /// Samples `steps` tokens (greedy at temperature 0) and returns the transcript's lines.
    public static func run(_ stepper: Stepper, steps: Int, candidates: Int = 5) -> [String] {
        let model = stepper.languageModel
        var lines = [
            "# tokenwise step · \(TerminalText.sanitize(model.name, keepingNewlines: false)) · \(StepperScreen.count(model.model.config.parameterCount)) parameters · context \(model.model.config.contextLength)",
            "# \(Stepper.describe(stepper.settings)) · seed \(stepper.seed)",
            "prompt: \(stepper.contextTokens.count) tokens "
                + (stepper.unreadPromptTokens > 0
                    ? "(the newest \(stepper.contextTokens.count - stepper.unreadPromptTokens) read) " : "")
                + stepper.contextTokens.dropFirst(stepper.unreadPromptTokens).map {
                    Stepper.quoted(model.label(of: $0))
                }.joined(separator: " "),
        ]
        if stepper.droppedTokens > 0 { lines.append("note: \(stepper.message)") }
        for index in stride(from: 1, through: steps, by: 1) where stepper.outputProblem == nil {
            let listed = stepper.candidates(candidates)
            stepper.perform(.sample)
            // After a search call closes, the newest frame is the tool's, the one before the model's.
            let frames = stepper.recording.frames
            let searched = frames.last?.action == Stepper.toolAction
            let taken = stepper.tree.nodes[searched ? frames[frames.count - 2].node : stepper.node]
            let token = taken.token
            let top = listed.map {
                "\(Stepper.quoted($0.label)) \(String(format: "%.4f", $0.probability))"
            }.joined(separator: ", ")
            var line =
                "step \(index): \(Stepper.quoted(model.label(of: token))) p=\(String(format: "%.4f", taken.probability)) · top: \(top)"
            if stepper.message.contains("context full") {
                line += " · context full: oldest token dropped"
            }
            lines.append(line)
            if searched { lines.append("tool: \(stepper.message): " + injectedLabels(stepper)) }
        }
        lines.append(text(of: stepper))
        return lines
    }

    /// The newest search result's tokens, quoted.
    private static func injectedLabels(_ stepper: Stepper) -> String {
        let context = stepper.contextTokens, injected = stepper.injectedPositions
        let block = context.indices.reversed().prefix { injected.contains($0) }.reversed()
        return block.map { Stepper.quoted(stepper.languageModel.label(of: context[$0])) }.joined(
            separator: " ")
    }

    /// The context as one line of text (invalid UTF-8 from partial tokens shows as �): quoted,
    /// with C0 escaped by `debugDescription` and C1 and bidi overrides, which it passes raw,
    /// by the terminal sanitiser. Prompt tokens the model never read are left out ("…" says so):
    /// a 10 MB prompt once came back whole.
    public static func text(of stepper: Stepper) -> String {
        let unread = stepper.unreadPromptTokens
        let bytes =
            (try? stepper.languageModel.tokenizer.decode(
                Array(stepper.contextTokens.dropFirst(unread)))) ?? []
        return "text: " + (unread > 0 ? "… " : "")
            + TerminalText.sanitize(
                String(decoding: bytes, as: UTF8.self).debugDescription, keepingNewlines: false)
    }
}
