// nanoGPT's shakespeare-char recipe on our GPT, for comparing losses with the reference:
// characters as tokens, 90/10 split, baby config, 2000 steps, lr 1e-3 → 1e-4 with 100 warmup
// steps, AdamW (0.9, 0.99), weight decay 0.1, clip 1.0, no dropout; loss every 250 steps.

import ArgumentParser
import Autograd
import Foundation
import Transformer

struct CharacterLevelRun {
    let path: String
    let steps: Int

    func run() throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandError("cannot read the text file '\(path)'")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandError("'\(path)' is not valid UTF-8 text")
        }
        // The 10% held out must still hold a window of 65 characters.
        guard text.unicodeScalars.count >= 1000 else {
            throw CommandError(
                "'\(path)' has \(text.unicodeScalars.count) characters; the character-level run needs at least 1000"
            )
        }
        let characters = Array(Set(text.unicodeScalars)).sorted { $0.value < $1.value }
        let index = Dictionary(
            uniqueKeysWithValues: characters.enumerated().map { ($1, Int32($0)) })
        let tokens = text.unicodeScalars.map { index[$0]! }
        let (train, validation) = trainValidationSplit(tokens, validationFraction: 0.1)
        let config = GPTConfig.baby(vocabularySize: characters.count)
        let (B, T) = (12, 64)
        print(
            "character-level run on \(path): \(tokens.count) characters, vocabulary \(characters.count), \(config.parameterCount) parameters"
        )
        let settings = TrainingSettings(
            steps: steps,
            schedule: LearningRateSchedule(
                peak: 1e-3, minimum: 1e-4, warmupSteps: 100, decaySteps: steps),
            optimizer: AdamWSettings(beta1: 0.9, beta2: 0.99, weightDecay: 0.1),
            gradientClip: 1.0, evaluationInterval: 250)
        let evaluationSets = [
            "train": TokenWindows.fixed(20, tokens: train, batchSize: B, length: T, seed: 101),
            "val": TokenWindows.fixed(20, tokens: validation, batchSize: B, length: T, seed: 102),
        ]
        let trainer = Trainer(
            model: GPT(config: config, seed: 1337), settings: settings,
            batches: TokenWindows(tokens: train, batchSize: B, length: T, seed: 1337),
            evaluationSets: evaluationSets)
        let start = Date()
        var progress = ProgressBar()
        try trainer.run { event in
            switch event {
            case .step(let step): progress.show(step)
            case .evaluation(let evaluation):
                progress.note(
                    String(
                        format: "step %5d: train loss %.4f, val loss %.4f  (%.1f s)",
                        evaluation.step,
                        evaluation.losses["train"] ?? .nan, evaluation.losses["val"] ?? .nan,
                        Date().timeIntervalSince(start)))
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        print(
            String(
                format: "%d steps in %.1f s: %.1f ms/step", steps, elapsed,
                elapsed * 1000 / Double(steps)))
    }
}
