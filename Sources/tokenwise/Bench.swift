// `tokenwise bench`: training and inference speed of the GPT on fixed shapes, against the
// sgemm peak measured in the same run; `--text FILE` trains nanoGPT's character-level
// recipe for a loss comparison.

import ArgumentParser
import Autograd
import COpenBLAS
import Foundation
import Stepper
import Transformer
import Chat

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Measure training and inference speed (and, with --text, a reference training run).",
        discussion: """
            Prints ms per training step, tokens/s and GFLOP/s for nanoGPT's baby GPT shape, the course's \
            pretraining and finetuning steps and GPT-2 124M's shape, as a fraction of the sgemm peak \
            measured in the same run, and inference ms/token.

            Examples:
              tokenwise bench
              tokenwise bench --text shakespeare.txt
              tokenwise bench --tokenizer --text shakespeare.txt
              tokenwise bench --kernels
              tokenwise bench --course-step pretraining --rounds 10
              tokenwise bench --chat
            """)

    @Option(
        help:
            "Train the baby GPT on this text, character-level, for --steps steps and print the losses."
    )
    var text: String?

    @Option(help: "Training steps for --text.")
    var steps = 2000

    @Flag(help: "Skip the GPT-2 124M shape (about 15 seconds).")
    var skipGPT2 = false

    @Flag(help: "Time each kernel at the shapes of one layer instead.")
    var kernels = false

    @Flag(help: "Benchmark the BPE tokenizer instead (on --text FILE, or a generated text).")
    var tokenizer = false

    @Flag(help: "Time the stepper's steps (course-sized model and GPT-2 124M's shape) instead.")
    var stepper = false

    @Flag(help: "Time figure rendering (a 64×64 heatmap, a 4×2,000-point line chart) instead.")
    var figures = false

    @Flag(help: "Time only chat replies and batched RL rollouts (the last part of the bench).")
    var chat = false

    @Option(
        help:
            "Time only this course training step (pretraining or finetuning), one line per step (scripts/bench_torch.py reads them)."
    )
    var courseStep: CourseStep?

    @Option(help: "Steps to time with --course-step.")
    var rounds = 10

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard rounds > 0 else { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
    }

    mutating func run() throws {
        if stepper {
            try StepperBenchmark.run(
                shapes: [("course model shape (\(GPTConfig.course.summary))", .course)]
                    + (skipGPT2 ? [] : [("GPT-2 124M shape (12L 12H 768C, V 50257)", .gpt2Small)]))
            return
        }
        if figures {
            try FigureBenchmark.run()
            return
        }
        if tokenizer {
            try TokenizerBenchmark.run(path: text)
            return
        }
        if kernels {
            KernelTimings.run()
            return
        }
        if chat {
            try ChatBenchmark.run()
            return
        }
        if let courseStep {
            courseStep.timeSteps(rounds: rounds)
            return
        }
        if let text {
            try CharacterLevelRun(path: text, steps: steps).run()
            return
        }
        print(
            "tokenwise bench — \(Parallel.coreCount) cores, OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "(unset)"), OPENBLAS_THREAD_TIMEOUT=\(ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"] ?? "(unset)"), GLIBC_TUNABLES=\(ProcessInfo.processInfo.environment["GLIBC_TUNABLES"] ?? "(unset)")"
        )
        print(
            "Each round times one sgemm of 2048³ (the peak) and one training step; medians over the rounds,"
        )
        print("so a slower moment of the machine slows both sides of the ratio.")
        let shapes: [(String, GPTConfig, Int, Int, Int)] =
            [
                ("baby GPT (4L 4H 128C, T 64, B 12, V 65)", .baby(), 12, 64, 40),
                // The shapes the course trains: lesson 4's pretraining batch and lesson 7's rows.
                (CourseStep.pretraining.title, .course, CourseStep.pretraining.batchSize, 128, 20),
                (CourseStep.finetuning.title, .course, CourseStep.finetuning.batchSize, 128, 20),
            ]
            + (skipGPT2
                ? []
                : [("GPT-2 124M shape (12L 12H 768C, T 64, B 4, V 50257)", .gpt2Small, 4, 64, 5)])
        for (title, config, batchSize, length, rounds) in shapes {
            let result = SpeedMeasurements.trainingStep(
                config: config, batchSize: batchSize, length: length, rounds: rounds)
            let inference = SpeedMeasurements.inferencePerToken(config: config, tokens: length)
            print("")
            print(title)
            print(
                String(
                    format:
                        "  training step   %8.1f ms (fastest %.1f)   %7.0f tokens/s   %6.1f GFLOP/s   %3.0f%% of the sgemm peak (%.0f GFLOP/s)",
                    result.millisecondsPerStep, result.fastestMilliseconds, result.tokensPerSecond,
                    result.gigaflopsPerSecond,
                    100 * result.gigaflopsPerSecond / result.peakGigaflopsPerSecond,
                    result.peakGigaflopsPerSecond))
            print(
                String(
                    format: "  inference       %8.2f ms/token with the KV cache (%d tokens)",
                    inference, length))
            if config == .course {
                SpeedMeasurements.splitAgainstWhole(
                    config: config, batchSize: batchSize, length: length, rounds: rounds
                ).printLine()
            }
        }
        try ChatBenchmark.run()
    }
}

enum SpeedMeasurements {
    /// The middle value of timings (the upper middle of an even count).
    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    /// GFLOP/s of one 2048×2048×2048 sgemm with OpenBLAS's threads (as the kernels use it).
    static func sgemmSample(
        _ buffers: (a: [Float], b: [Float], c: UnsafeMutablePointer<Float>)
    ) -> Double {
        let n: Int32 = 2048
        let start = DispatchTime.now()
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1, buffers.a, n, buffers.b, n, 0,
            buffers.c, n)
        return 2 * pow(2048, 3) / seconds(since: start) / 1e9
    }

    struct TrainingSpeed {
        let stepSeconds: [Double], losses: [Float]
        /// FNV-1a of every parameter's bytes after the steps: equal hashes, identical training.
        let weightsHash: String?
        let millisecondsPerStep: Double, fastestMilliseconds: Double
        let tokensPerSecond: Double, gigaflopsPerSecond: Double, peakGigaflopsPerSecond: Double
    }

    /// Full training steps (forward, backward, clipping, AdamW) on random tokens, each round
    /// preceded by an sgemm peak sample.
    static func trainingStep(
        config: GPTConfig, batchSize: Int, length: Int, rounds: Int, hashWeights: Bool = false
    ) -> TrainingSpeed {
        var generator = SeededGenerator(seed: 1)
        let tokens = (0..<100_000).map { _ in Int32(generator.nextInt(below: config.vocabularySize))
        }
        let model = GPT(config: config, seed: 1)
        let settings = TrainingSettings(steps: rounds + 2, schedule: .constant(1e-4))
        let trainer = Trainer(
            model: model, settings: settings,
            batches: TokenWindows(tokens: tokens, batchSize: batchSize, length: length, seed: 2))
        let c = UnsafeMutablePointer<Float>.allocate(capacity: 2048 * 2048)
        defer { c.deallocate() }
        let buffers = (
            a: [Float](repeating: 0.5, count: 2048 * 2048),
            b: [Float](repeating: 0.25, count: 2048 * 2048), c: c
        )
        _ = sgemmSample(buffers)
        trainer.trainStep()   // warm-up: first-touch page faults, OpenBLAS buffers, gradient buffers
        var times: [Double] = [], peaks: [Double] = [], losses: [Float] = []
        for _ in 0..<rounds {
            peaks.append(sgemmSample(buffers))
            let start = DispatchTime.now()
            losses.append(trainer.trainStep().loss)
            times.append(seconds(since: start))
        }
        let median = Self.median(times)
        // Only where asked: GPT-2's shape would hash half a gigabyte.
        let weightsHash =
            hashWeights
            ? model.weightsHash
            : nil
        let flops = config.trainingFLOPs(tokens: batchSize * length, sequenceLength: length)
        return TrainingSpeed(
            stepSeconds: times, losses: losses, weightsHash: weightsHash,
            millisecondsPerStep: median * 1000, fastestMilliseconds: times.min()! * 1000,
            tokensPerSecond: Double(batchSize * length) / median,
            gigaflopsPerSecond: flops / median / 1e9, peakGigaflopsPerSecond: Self.median(peaks))
    }
    /// The trainer's two ways of using the cores, interleaved step by step (the order swapped
    /// each round, so a slower moment of the machine lands on both): each batch split in halves,
    /// one per core (the default), against the whole batch with each op spread over the cores.
    struct SplitAgainstWhole {
        let splitMilliseconds: [Double], wholeMilliseconds: [Double]
        func printLine() {
            let split = median(splitMilliseconds), whole = median(wholeMilliseconds)
            print(
                String(
                    format:
                        "  split batch     %8.1f ms, whole batch %.1f ms (medians of %d interleaved steps): %.2f× faster split",
                    split, whole, splitMilliseconds.count, whole / split))
        }
    }

    static func splitAgainstWhole(
        config: GPTConfig, batchSize: Int, length: Int, rounds: Int
    ) -> SplitAgainstWhole {
        var generator = SeededGenerator(seed: 1)
        let tokens = (0..<100_000).map { _ in Int32(generator.nextInt(below: config.vocabularySize))
        }
        let trainers = [true, false].map { splits in
            let trainer = Trainer(
                model: GPT(config: config, seed: 1),
                settings: TrainingSettings(steps: rounds + 1, schedule: .constant(1e-4)),
                batches: TokenWindows(tokens: tokens, batchSize: batchSize, length: length, seed: 2))
            trainer.splitsBatches = splits
            trainer.trainStep()   // warm-up
            return trainer
        }
        var times: [[Double]] = [[], []]
        for round in 0..<rounds {
            for side in round % 2 == 0 ? [0, 1] : [1, 0] {
                let start = DispatchTime.now()
                trainers[side].trainStep()
                times[side].append(seconds(since: start) * 1000)
            }
        }
        return SplitAgainstWhole(splitMilliseconds: times[0], wholeMilliseconds: times[1])
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

/// The course's two training shapes: lesson 4's pretraining batch and lesson 7's finetuning rows.
enum CourseStep: String, ExpressibleByArgument, CaseIterable {
    case pretraining, finetuning

    var batchSize: Int { self == .pretraining ? 16 : 12 }
    var title: String {
        "course model, \(rawValue) step (4L 4H 128C, T 128, B \(batchSize), V 2048)"
    }

    /// One `step_ms` line per timed step (with its loss, to compare builds' numbers), then the
    /// median, the range, the share of the peak, and a hash of the weights after the steps.
    func timeSteps(rounds: Int) {
        let result = SpeedMeasurements.trainingStep(
            config: .course, batchSize: batchSize, length: 128, rounds: rounds, hashWeights: true)
        print(title)
        for (seconds, loss) in zip(result.stepSeconds, result.losses) {
            print(String(format: "step_ms %.3f loss %.6f", seconds * 1000, loss))
        }
        let milliseconds = result.stepSeconds.map { $0 * 1000 }
        print(
            String(
                format:
                    "median %.1f ms (range %.1f–%.1f), %.0f tokens/s, %.0f%% of the sgemm peak (%.0f GFLOP/s)",
                result.millisecondsPerStep, milliseconds.min()!, milliseconds.max()!,
                result.tokensPerSecond,
                100 * result.gigaflopsPerSecond / result.peakGigaflopsPerSecond,
                result.peakGigaflopsPerSecond))
        print("weights after the steps: FNV-1a \(result.weightsHash ?? "")")
        SpeedMeasurements.splitAgainstWhole(
            config: .course, batchSize: batchSize, length: 128, rounds: rounds
        ).printLine()
    }
}
