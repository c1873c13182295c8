// Stopping and resuming a training run. Beside the model files (Checkpoint) a training
// checkpoint holds AdamW's moments (optimizer.safetensors) and trainer.json: the step, the
// optimizer's step count, the batch generator's state and the settings. Resuming with the
// same batch source and settings continues exactly where the run stopped.

import Autograd
import Foundation

struct TrainerState: Codable {
    var step: Int
    var optimizerStep: Int
    var generator: SeededGenerator
    var settings: TrainingSettings
}

extension TrainerState {
    /// What makes the saved state unusable, before anything is loaded or trained.
    func validationError() -> String? {
        let o = settings.optimizer, schedule = settings.schedule
        if !(1...100_000_000).contains(settings.steps) {
            return "steps \(settings.steps) is outside 1...100000000"
        }
        if !(0...settings.steps).contains(step) {
            return "step \(step) is outside 0...\(settings.steps) (the run's steps)"
        }
        if optimizerStep < 0 || optimizerStep > 100_000_000 {
            return "the optimizer's step count \(optimizerStep) is out of range"
        }
        if !(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1) {
            return "AdamW's betas must be in [0, 1); found \(o.beta1) and \(o.beta2)"
        }
        if !(o.epsilon > 0 && o.epsilon.isFinite) || !(o.weightDecay >= 0 && o.weightDecay.isFinite)
        {
            return
                "AdamW's epsilon must be positive and its weight decay not negative; found \(o.epsilon) and \(o.weightDecay)"
        }
        if !(schedule.peak >= 0 && schedule.peak.isFinite)
            || !(schedule.minimum >= 0 && schedule.minimum.isFinite)
            || schedule.warmupSteps < 0 || schedule.decaySteps < 0
        {
            return
                "the learning-rate schedule is not valid (peak \(schedule.peak), minimum \(schedule.minimum), warmup \(schedule.warmupSteps), decay \(schedule.decaySteps))"
        }
        if let clip = settings.gradientClip, !(clip > 0 && clip.isFinite) {
            return "gradient clipping \(clip) must be a positive number"
        }
        if settings.evaluationInterval < 0 {
            return "the evaluation interval \(settings.evaluationInterval) is negative"
        }
        return nil
    }
}

extension Trainer {
    public static let optimizerFile = "optimizer.safetensors"
    public static let stateFile = "trainer.json"

    /// Writes the model and everything needed to resume into `directory`.
    public func save(to directory: URL) throws {
        guard let batches else {
            throw TrainingError(
                description: "a trainer stepped by hand has no batch source to resume from")
        }
        try Checkpoint.save(model, to: directory, metadata: ["step": String(step)])
        let moments = zip(optimizer.firstMoments, optimizer.secondMoments).flatMap { m, v in
            [
                (name: m.name, shape: m.shape, values: m.values),
                (name: v.name, shape: v.shape, values: v.values),
            ]
        }
        try SafeTensorsFile.write(moments, to: directory.appendingPathComponent(Self.optimizerFile))
        let state = TrainerState(
            step: step, optimizerStep: optimizer.stepCount, generator: batches.generator,
            settings: settings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(
            try encoder.encode(state), to: directory.appendingPathComponent(Self.stateFile))
    }

    /// A trainer that continues the run saved in `directory`. `batches` must be the same
    /// source as before (its position is restored from the checkpoint).
    public static func resume(
        from directory: URL, batches: any BatchSource,
        evaluationSets: [String: [TrainingBatch]] = [:]
    ) throws -> Trainer {
        let stateURL = directory.appendingPathComponent(stateFile)
        guard let data = FileManager.default.contents(atPath: stateURL.path) else {
            throw CheckpointError(
                description: "\(stateURL.path): missing (not a training checkpoint)")
        }
        let state: TrainerState
        do { state = try JSONDecoder().decode(TrainerState.self, from: data) } catch {
            throw CheckpointError(
                description:
                    "\(stateURL.path): not a valid trainer state (\(Checkpoint.describe(error)))")
        }
        if let problem = state.validationError() {
            throw CheckpointError(description: "\(stateURL.path): \(problem)")
        }
        let model = try Checkpoint.load(from: directory)
        var source = batches
        source.generator = state.generator
        let trainer = Trainer(
            model: model, settings: state.settings, batches: source, evaluationSets: evaluationSets)
        let file = try SafeTensorsFile(contentsOf: directory.appendingPathComponent(optimizerFile))
        for (kind, moments) in [
            ("first", trainer.optimizer.firstMoments), ("second", trainer.optimizer.secondMoments),
        ] {
            for moment in moments {
                let values = try file.values(moment.name, shape: moment.shape)
                // A second moment is a mean of squares: negative (or any NaN) is corrupt.
                if let bad = values.firstIndex(where: {
                    !$0.isFinite || (kind == "second" && $0 < 0)
                }) {
                    throw CheckpointError(
                        description:
                            "\(file.path): tensor '\(moment.name)' holds \(values[bad]) at index \(bad) (a \(kind) moment must be finite\(kind == "second" ? " and not negative" : ""))"
                    )
                }
                Checkpoint.copy(values, into: moment)
            }
        }
        trainer.optimizer.stepCount = state.optimizerStep
        trainer.step = state.step
        return trainer
    }
}
