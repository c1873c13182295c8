// One trainer for every stage: a batch source, AdamW, a learning-rate schedule, gradient
// clipping, evaluation every N steps on fixed batches, and progress as events (the CLI draws
// a progress bar from them, lessons plot them; the trainer itself prints nothing).
// `save`/`resume` store everything a run depends on, so stopping and resuming gives the
// same numbers as an uninterrupted run.

import Autograd
import Foundation

public struct TrainingSettings: Codable, Equatable, Sendable {
    public var steps: Int
    public var schedule: LearningRateSchedule
    public var optimizer: AdamWSettings
    /// Clip the global gradient norm to this (nil: no clipping).
    public var gradientClip: Float?
    /// Evaluate every this many steps (and after the last); 0 turns evaluation off.
    public var evaluationInterval: Int

    public init(
        steps: Int, schedule: LearningRateSchedule, optimizer: AdamWSettings = AdamWSettings(),
        gradientClip: Float? = 1, evaluationInterval: Int = 0
    ) {
        self.steps = steps; self.schedule = schedule; self.optimizer = optimizer
        self.gradientClip = gradientClip; self.evaluationInterval = evaluationInterval
    }

    /// Settings for a trainer stepped by hand with `Trainer.step(on:)` (RL: each round brings its
    /// own batches), which has no length of its own and no evaluation.
    public static func stepped(
        schedule: LearningRateSchedule, optimizer: AdamWSettings = AdamWSettings(),
        gradientClip: Float? = 1
    ) -> TrainingSettings {
        TrainingSettings(
            steps: 0, schedule: schedule, optimizer: optimizer, gradientClip: gradientClip)
    }
}

public struct TrainingError: Error, CustomStringConvertible {
    public let description: String
}

public struct StepProgress: Sendable {
    public let step: Int   // steps completed
    public let totalSteps: Int
    public let loss: Float
    public let learningRate: Float
    public let gradientNorm: Float
    public let tokensPerSecond: Double
    public let elapsedSeconds: Double
    public let remainingSeconds: Double
}

public struct Evaluation: Sendable {
    public let step: Int
    /// Mean loss per evaluation set ("train", "validation", …).
    public let losses: [String: Float]
}

public enum TrainingEvent: Sendable {
    case step(StepProgress)
    case evaluation(Evaluation)
}

public final class Trainer {
    public let model: GPT
    public let settings: TrainingSettings
    public let optimizer: AdamW
    /// Where `run` and `trainStep` draw batches from (nil: the trainer is stepped with `step(on:)`).
    public var batches: (any BatchSource)?
    /// Fixed evaluation sets by name, evaluated in name order.
    public let evaluationSets: [String: [TrainingBatch]]
    public internal(set) var step = 0
    /// Each step's batch split in halves over two cores (DataParallel.swift); off, one batch
    /// with each op spread over the cores (the benchmark compares the two).
    public var splitsBatches = true
    private var dataParallel: DataParallelStep?

    public init(
        model: GPT, settings: TrainingSettings, batches: (any BatchSource)? = nil,
        evaluationSets: [String: [TrainingBatch]] = [:]
    ) {
        self.model = model
        self.settings = settings
        self.batches = batches
        self.evaluationSets = evaluationSets
        optimizer = AdamW(
            parameters: model.parameters, settings: settings.optimizer, decays: model.decayMask)
    }

    /// One optimisation step on the next batch of the batch source.
    @discardableResult
    public func trainStep() -> (loss: Float, gradientNorm: Float, learningRate: Float, tokens: Int)
    {
        precondition(batches != nil, "this trainer has no batch source: step it with step(on:)")
        return step(on: batches!.nextBatch())
    }

    /// One optimisation step on `batch`: forward, backward, clip, AdamW at the schedule's rate
    /// for the steps taken so far.
    @discardableResult
    public func step(
        on batch: TrainingBatch
    ) -> (loss: Float, gradientNorm: Float, learningRate: Float, tokens: Int) {
        optimizer.zeroGradients()
        let loss = lossAndGradients(on: batch)
        let norm =
            settings.gradientClip.map { clipGradientNorm(model.parameters, maxNorm: $0) }
            ?? clipGradientNorm(model.parameters, maxNorm: .infinity)
        let rate = settings.schedule.rate(at: step)
        optimizer.step(learningRate: rate)
        step += 1
        return (loss, norm, rate, batch.tokenCount)
    }

    /// The batch's loss, its gradient accumulated into the model's: split over the cores where
    /// that applies (DataParallel.swift), whole otherwise.
    private func lossAndGradients(on batch: TrainingBatch) -> Float {
        if splitsBatches, DataParallelStep.applies(to: batch) {
            if dataParallel == nil { dataParallel = DataParallelStep(model: model) }
            if let loss = dataParallel!.lossAndGradients(model, on: batch) { return loss }
        }
        let (loss, _) = model.loss(
            inputs: batch.inputs, targets: batch.targets, weights: batch.weights,
            batchSize: batch.batchSize, length: batch.length)
        loss.backward()
        loss.releaseGraph()
        return loss.item
    }

    /// Mean loss of each evaluation set (no gradients kept).
    public func evaluate() -> Evaluation {
        var losses: [String: Float] = [:]
        for (name, set) in evaluationSets.sorted(by: { $0.key < $1.key }) where !set.isEmpty {
            var total: Double = 0
            for batch in set {
                let (loss, _) = model.loss(
                    inputs: batch.inputs, targets: batch.targets, weights: batch.weights,
                    batchSize: batch.batchSize, length: batch.length)
                total += Double(loss.item)
                loss.releaseGraph()
            }
            losses[name] = Float(total / Double(set.count))
        }
        return Evaluation(step: step, losses: losses)
    }

    /// Trains until `settings.steps` (or `until`, if earlier), reporting each step and evaluation.
    /// A loss that is not a finite number stops the run with an error naming the step: the
    /// weights are then NaN or infinite, and every later step would train on garbage.
    public func run(until stopStep: Int? = nil, onEvent: (TrainingEvent) -> Void = { _ in }) throws
    {
        let last = min(stopStep ?? settings.steps, settings.steps)
        let interval = settings.evaluationInterval
        let start = Date()
        let firstStep = step
        var tokens = 0
        if interval > 0 && step == 0 && !evaluationSets.isEmpty { onEvent(.evaluation(evaluate())) }
        while step < last {
            let (loss, norm, rate, batchTokens) = trainStep()
            guard loss.isFinite && norm.isFinite else {
                BufferPool.drain()
                throw TrainingError(
                    description:
                        "training stopped at step \(step): the loss is \(loss) and the gradient norm \(norm)"
                        + " (weights or optimizer state not finite, or a learning rate too large)")
            }
            tokens += batchTokens
            let elapsed = Date().timeIntervalSince(start)
            let perStep = elapsed / Double(step - firstStep)
            onEvent(
                .step(
                    StepProgress(
                        step: step, totalSteps: settings.steps, loss: loss, learningRate: rate,
                        gradientNorm: norm, tokensPerSecond: Double(tokens) / max(elapsed, 1e-9),
                        elapsedSeconds: elapsed,
                        remainingSeconds: perStep * Double(settings.steps - step))))
            if interval > 0 && !evaluationSets.isEmpty
                && (step % interval == 0 || step == settings.steps)
            {
                onEvent(.evaluation(evaluate()))
            }
        }
        // This run's activation shapes may not come back (another model, inference): free them.
        BufferPool.drain()
    }
}
