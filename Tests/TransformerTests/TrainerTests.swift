import Foundation
import Testing
@testable import Autograd
@testable import Transformer

@Suite struct TrainerTests {
    let text = Array("the cat sat on the mat. ".utf8).map { Int32($0) % 32 }

    func makeTrainer(steps: Int, seed: UInt64 = 1) -> Trainer {
        let tokens = Array(repeating: text, count: 20).flatMap { $0 }
        let config = GPTConfig(vocabularySize: 32, contextLength: 16, layerCount: 2, headCount: 2, embeddingWidth: 32)
        let settings = TrainingSettings(steps: steps, schedule: LearningRateSchedule(peak: 1e-2, minimum: 1e-3, warmupSteps: 5, decaySteps: steps),
                                        optimizer: AdamWSettings(beta1: 0.9, beta2: 0.99, weightDecay: 0.01), gradientClip: 1, evaluationInterval: 10)
        let evaluation = ["validation": TokenWindows.fixed(2, tokens: tokens, batchSize: 4, length: 16, seed: 99)]
        return Trainer(model: GPT(config: config, seed: seed), settings: settings,
                       batches: TokenWindows(tokens: tokens, batchSize: 4, length: 16, seed: seed), evaluationSets: evaluation)
    }

    @Test func sameSeedGivesBitIdenticalLossAfterTwentySteps() throws {
        let losses = try (0..<2).map { _ -> Float in
            let trainer = makeTrainer(steps: 20)
            var last: Float = 0
            try trainer.run { if case .step(let p) = $0 { last = p.loss } }
            return last
        }
        #expect(losses[0].bitPattern == losses[1].bitPattern)
        let other = makeTrainer(steps: 20, seed: 2)
        var last: Float = 0
        try other.run { if case .step(let p) = $0 { last = p.loss } }
        #expect(last != losses[0])
    }

    /// The classic sanity check: one short text, always the same window, memorised.
    @Test func tinyModelOverfitsAShortText() throws {
        let passage = Array("the cat sat on the mat, the dog dug a hole.".utf8).map { Int32($0) % 32 }   // 43 tokens
        let config = GPTConfig(vocabularySize: 32, contextLength: 42, layerCount: 2, headCount: 2, embeddingWidth: 32)
        let settings = TrainingSettings(steps: 150, schedule: LearningRateSchedule(peak: 1e-2, minimum: 1e-3, warmupSteps: 5, decaySteps: 150),
                                        optimizer: AdamWSettings(beta1: 0.9, beta2: 0.99, weightDecay: 0), gradientClip: 1, evaluationInterval: 10)
        let windows = TokenWindows(tokens: passage, batchSize: 2, length: 42, seed: 1)   // one window: the whole text
        let trainer = Trainer(model: GPT(config: config, seed: 1), settings: settings, batches: windows,
                              evaluationSets: ["validation": [windows.nextBatchCopy()]])
        var losses: [Float] = []
        var evaluations: [Evaluation] = []
        try trainer.run { event in
            switch event {
            case .step(let p): losses.append(p.loss)
            case .evaluation(let e): evaluations.append(e)
            }
        }
        #expect(losses.count == 150)
        #expect(losses.last! < 0.05, "final training loss \(losses.last!)")
        #expect(evaluations.map(\.step) == [0] + stride(from: 10, through: 150, by: 10).map { $0 })
        #expect(losses.first! > 3)
        #expect(evaluations.last!.losses["validation"]! < evaluations.first!.losses["validation"]!)
    }

    @Test func resumingGivesTheSameResultAsAnUninterruptedRun() throws {
        let uninterrupted = makeTrainer(steps: 12)
        try uninterrupted.run()

        let first = makeTrainer(steps: 12)
        try first.run(until: 5)
        let directory = temporaryDirectory()
        try first.save(to: directory)
        let tokens = Array(repeating: text, count: 20).flatMap { $0 }
        let resumed = try Trainer.resume(from: directory, batches: TokenWindows(tokens: tokens, batchSize: 4, length: 16, seed: 777))
        #expect(resumed.step == 5)
        try resumed.run()
        #expect(resumed.step == 12)
        for (a, b) in zip(uninterrupted.model.parameters, resumed.model.parameters) {
            #expect(a.values.map(\.bitPattern) == b.values.map(\.bitPattern), "\(a.name) differs after resuming")
        }
    }

    @Test func progressEventsCarryTimings() throws {
        let trainer = makeTrainer(steps: 3)
        var progress: [StepProgress] = []
        try trainer.run { if case .step(let p) = $0 { progress.append(p) } }
        #expect(progress.map(\.step) == [1, 2, 3])
        #expect(progress.allSatisfy { $0.tokensPerSecond > 0 && $0.totalSteps == 3 && $0.learningRate > 0 })
        #expect(progress.last!.remainingSeconds == 0)
    }

    /// Saves a short run, lets `damage` edit trainer.json (as JSON) or the directory, and returns
    /// the error resuming gives.
    func resumeError(_ damage: (inout [String: Any], URL) throws -> Void) throws -> String {
        let trainer = makeTrainer(steps: 6)
        try trainer.run(until: 2)
        let directory = temporaryDirectory()
        try trainer.save(to: directory)
        let stateURL = directory.appendingPathComponent(Trainer.stateFile)
        var state = try JSONSerialization.jsonObject(with: Data(contentsOf: stateURL)) as! [String: Any]
        try damage(&state, directory)
        try JSONSerialization.data(withJSONObject: state).write(to: stateURL)
        let tokens = Array(repeating: text, count: 20).flatMap { $0 }
        do {
            let resumed = try Trainer.resume(from: directory, batches: TokenWindows(tokens: tokens, batchSize: 4, length: 16, seed: 1))
            try resumed.run()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func aDamagedTrainerStateIsAClearError() throws {
        func setting(_ path: [String], _ value: Any) -> (inout [String: Any], URL) -> Void {
            return { state, _ in
                var settings = state["settings"] as! [String: Any]
                if path.count == 1 { settings[path[0]] = value } else {
                    var inner = settings[path[0]] as! [String: Any]
                    inner[path[1]] = value
                    settings[path[0]] = inner
                }
                state["settings"] = settings
            }
        }
        #expect(try resumeError { state, _ in state["generator"] = ["state": [1, 2]] }.contains("4 numbers"))
        #expect(try resumeError { state, _ in state["generator"] = ["state": [0, 0, 0, 0]] }.contains("not all zero"))
        #expect(try resumeError(setting(["optimizer", "beta1"], 1)).contains("betas must be in [0, 1)"))
        #expect(try resumeError(setting(["steps"], 1_000_000_000_000)).contains("outside 1...100000000"))
        #expect(try resumeError { state, _ in state["step"] = -3 }.contains("step -3 is outside"))
        #expect(try resumeError(setting(["schedule", "peak"], -1)).contains("learning-rate schedule"))
    }

    @Test func nonFiniteOptimizerStateOrLossStopsWithTheStep() throws {
        let nanMoment = try resumeError { _, directory in
            let url = directory.appendingPathComponent(Trainer.optimizerFile)
            let file = try SafeTensorsFile(contentsOf: url)
            let tensors = try file.names.map { name -> (name: String, shape: [Int], values: [Float]) in
                var values = try file.values(name)
                if name == file.names[0] { values[0] = .nan }
                return (name, file.entries[name]!.shape, values)
            }
            try SafeTensorsFile.write(tensors, to: url)
        }
        #expect(nanMoment.contains("optimizer.safetensors") && nanMoment.contains("must be finite"))
        // A learning rate no model survives: the loss turns infinite or NaN, and the run stops, naming the step.
        let exploding = try resumeError(setting: ["schedule": ["peak": 1e30, "minimum": 1e30, "warmupSteps": 0, "decaySteps": 6]])
        #expect(exploding.contains("training stopped at step"), "\(exploding)")
    }

    func resumeError(setting: [String: [String: Any]]) throws -> String {
        try resumeError { state, _ in
            var settings = state["settings"] as! [String: Any]
            for (key, value) in setting { settings[key] = value }
            state["settings"] = settings
        }
    }

    @Test func resumeFromAModelOnlyCheckpointIsAClearError() throws {
        let directory = temporaryDirectory()
        try Checkpoint.save(GPT(config: tinyConfig, seed: 1), to: directory)
        do {
            _ = try Trainer.resume(from: directory, batches: TokenWindows(tokens: text, batchSize: 1, length: 4, seed: 1))
            Issue.record("resumed without trainer state")
        } catch {
            #expect("\(error)".contains("trainer.json"))
        }
    }
}

extension TokenWindows {
    func nextBatchCopy() -> TrainingBatch {
        var copy = self
        return copy.nextBatch()
    }
}
