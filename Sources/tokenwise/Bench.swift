// `tokenwise bench`: training and inference speed of the GPT on fixed shapes, against the
// sgemm peak measured in the same run; `--text FILE` trains nanoGPT's character-level
// recipe for a loss comparison.

import ArgumentParser
import Autograd
import COpenBLAS
import Foundation
import Transformer

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training and inference speed (and, with --text, a reference training run).",
        discussion: """
        Prints ms per training step, tokens/s and GFLOP/s for nanoGPT's baby GPT shape and GPT-2 124M's \
        shape, as a fraction of the sgemm peak measured in the same run, and inference ms/token.

        Examples:
          tokenwise bench
          tokenwise bench --text shakespeare.txt
        """)

    @Option(help: "Train the baby GPT on this text, character-level, for --steps steps and print the losses.")
    var text: String?

    @Option(help: "Training steps for --text.")
    var steps = 2000

    @Flag(help: "Skip the GPT-2 124M shape (it takes about half a minute).")
    var skipGPT2 = false

    mutating func run() throws {
        if let text {
            try CharacterLevelRun(path: text, steps: steps).run()
            return
        }
        print("tokenwise bench — \(Parallel.coreCount) cores, OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "(unset)")")
        let peak = SpeedMeasurements.sgemmPeak()
        print(String(format: "sgemm peak (2048³, best of 3): %.1f GFLOP/s", peak))
        print("")
        let shapes: [(String, GPTConfig, Int, Int, Int)] = [
            ("baby GPT (4L 4H 128C, T 64, B 12, V 65)", .baby(), 12, 64, 30),
        ] + (skipGPT2 ? [] : [("GPT-2 124M shape (12L 12H 768C, T 64, B 4, V 50257)", .gpt2Small, 4, 64, 3)])
        for (title, config, batchSize, length, repetitions) in shapes {
            let result = SpeedMeasurements.trainingStep(config: config, batchSize: batchSize, length: length, repetitions: repetitions)
            let inference = SpeedMeasurements.inferencePerToken(config: config, tokens: length)
            print(title)
            print(String(format: "  training step   %8.1f ms   %9.0f tokens/s   %6.1f GFLOP/s   %4.0f%% of sgemm peak",
                         result.millisecondsPerStep, result.tokensPerSecond, result.gigaflopsPerSecond,
                         100 * result.gigaflopsPerSecond / peak))
            print(String(format: "  inference       %8.2f ms/token with the KV cache (%d tokens)", inference, length))
        }
    }
}

enum SpeedMeasurements {
    /// Best-of-3 GFLOP/s of a 2048×2048×2048 sgemm with the library's default threads.
    static func sgemmPeak() -> Double {
        let n = 2048
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        for _ in 0..<4 {
            let start = DispatchTime.now()
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, &c, Int32(n))
            best = min(best, seconds(since: start))
        }
        return 2 * pow(Double(n), 3) / best / 1e9
    }

    struct TrainingSpeed { let millisecondsPerStep: Double; let tokensPerSecond: Double; let gigaflopsPerSecond: Double }

    /// Full training steps (forward, backward, clipping, AdamW) on random tokens.
    static func trainingStep(config: GPTConfig, batchSize: Int, length: Int, repetitions: Int) -> TrainingSpeed {
        var generator = SeededGenerator(seed: 1)
        let tokens = (0..<100_000).map { _ in Int32(generator.nextInt(below: config.vocabularySize)) }
        let model = GPT(config: config, seed: 1)
        let settings = TrainingSettings(steps: repetitions + 2, schedule: .constant(1e-4))
        let trainer = Trainer(model: model, settings: settings,
                              batches: TokenWindows(tokens: tokens, batchSize: batchSize, length: length, seed: 2))
        trainer.trainStep()   // warm-up: first-touch page faults, OpenBLAS buffers
        var times: [Double] = []
        for _ in 0..<repetitions {
            let start = DispatchTime.now()
            trainer.trainStep()
            times.append(seconds(since: start))
        }
        let median = times.sorted()[times.count / 2]
        let flops = config.trainingFLOPs(tokens: batchSize * length, sequenceLength: length)
        return TrainingSpeed(millisecondsPerStep: median * 1000, tokensPerSecond: Double(batchSize * length) / median,
                             gigaflopsPerSecond: flops / median / 1e9)
    }

    /// Mean ms per token when generating `tokens` tokens one at a time with the KV cache.
    static func inferencePerToken(config: GPTConfig, tokens: Int) -> Double {
        let session = InferenceSession(model: GPT(config: config, seed: 1))
        session.feed(1)
        let start = DispatchTime.now()
        for t in 1..<tokens { session.feed(Int32(t % config.vocabularySize)) }
        return seconds(since: start) * 1000 / Double(tokens - 1)
    }

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
