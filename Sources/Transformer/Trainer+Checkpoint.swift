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

extension Trainer {
    public static let optimizerFile = "optimizer.safetensors"
    public static let stateFile = "trainer.json"

    /// Writes the model and everything needed to resume into `directory`.
    public func save(to directory: URL) throws {
        try Checkpoint.save(model, to: directory, metadata: ["step": String(step)])
        let moments = zip(optimizer.firstMoments, optimizer.secondMoments).flatMap { m, v in
            [(name: m.name, shape: m.shape, values: m.values), (name: v.name, shape: v.shape, values: v.values)]
        }
        try SafeTensorsFile.write(moments, to: directory.appendingPathComponent(Self.optimizerFile))
        let state = TrainerState(step: step, optimizerStep: optimizer.stepCount, generator: batches.generator, settings: settings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(state), to: directory.appendingPathComponent(Self.stateFile))
    }

    /// A trainer that continues the run saved in `directory`. `batches` must be the same
    /// source as before (its position is restored from the checkpoint).
    public static func resume(from directory: URL, batches: any BatchSource,
                              evaluationSets: [String: [TrainingBatch]] = [:]) throws -> Trainer {
        let stateURL = directory.appendingPathComponent(stateFile)
        guard let data = FileManager.default.contents(atPath: stateURL.path) else {
            throw CheckpointError(description: "\(stateURL.path): missing (not a training checkpoint)")
        }
        let state: TrainerState
        do { state = try JSONDecoder().decode(TrainerState.self, from: data) } catch {
            throw CheckpointError(description: "\(stateURL.path): not a valid trainer state (\(Checkpoint.describe(error)))")
        }
        let model = try Checkpoint.load(from: directory)
        var source = batches
        source.generator = state.generator
        let trainer = Trainer(model: model, settings: state.settings, batches: source, evaluationSets: evaluationSets)
        let file = try SafeTensorsFile(contentsOf: directory.appendingPathComponent(optimizerFile))
        for moment in trainer.optimizer.firstMoments + trainer.optimizer.secondMoments {
            Checkpoint.copy(try file.values(moment.name, shape: moment.shape), into: moment)
        }
        trainer.optimizer.stepCount = state.optimizerStep
        trainer.step = state.step
        return trainer
    }
}
