//: # A tiny GPT learns to continue a text
//: We train a real (if very small) GPT on a short text, one byte per token, and watch three
//: things: the loss falling, the attention the model learns to pay, and the probabilities it
//: gives the next token.
import Course
import Foundation

let text = String(repeating: """
The river ran past the mill and the miller sang to the river. The wheel turned, and the \
wheel turned again. In the evening the miller counted the sacks.

""", count: 30)
let tokens = Array(text.utf8).map { Int32($0) }
let layers = param("layers", 2, "transformer blocks", in: 1...8)
let width = param("width", 48, "channels per token (divisible by the 4 heads)", in: 8...512)
let steps = param("steps", 300, "optimisation steps", quick: 80, in: 1...20000)
let learningRate = param("lr", 3e-3, "peak learning rate", in: 1e-5...1e-1)
let config = GPTConfig(vocabularySize: 256, contextLength: 32, layerCount: layers, headCount: 4, embeddingWidth: width)
print("\(config.parameterCount) parameters, \(tokens.count) training tokens")

//: ## Training (cached)
//: Training is a *stage*: its result is stored under a key made of everything it depends on,
//: so running the lesson again reuses it, and changing `layers`, `width`, `steps` or `lr`
//: trains again.
struct Trained { let model: GPT; let losses: [Double] }
let trained = try stage("tiny-gpt", inputs: ["layers": "\(layers)", "width": "\(width)", "steps": "\(steps)", "lr": "\(learningRate)", "text": ArtifactStore.hash(text)],
    load: { directory in
        Trained(model: try Checkpoint.load(from: directory),
                losses: try JSONDecoder().decode([Double].self, from: Data(contentsOf: directory.appendingPathComponent("losses.json"))))
    },
    save: { trained, directory in
        try Checkpoint.save(trained.model, to: directory)
        try JSONEncoder().encode(trained.losses).write(to: directory.appendingPathComponent("losses.json"))
    },
    compute: {
        let settings = TrainingSettings(steps: steps, schedule: LearningRateSchedule(peak: Float(learningRate), minimum: Float(learningRate) / 10, warmupSteps: 10, decaySteps: steps))
        let trainer = Trainer(model: GPT(config: config, seed: 1), settings: settings,
                              batches: TokenWindows(tokens: tokens, batchSize: 8, length: 32, seed: 2))
        var losses: [Double] = []
        trainer.run { event in
            guard case .step(let p) = event else { return }
            losses.append(Double(p.loss))
            if p.step % 10 == 0 || p.step == p.totalSteps {
                progress("training", step: p.step, of: p.totalSteps, loss: Double(p.loss), tokensPerSecond: p.tokensPerSecond, remainingSeconds: p.remainingSeconds)
            }
        }
        return Trained(model: trainer.model, losses: losses)
    })

// The unigram baseline: the loss of always predicting each byte's overall frequency.
var counts = [Double](repeating: 0, count: 256)
for t in tokens { counts[Int(t)] += 1 }
let unigram = -tokens.reduce(0.0) { $0 + log(counts[Int($1)] / Double(tokens.count)) } / Double(tokens.count)
show(.line(LineChart(title: "Training loss", xLabel: "step", yLabel: "loss (nats per byte)",
                     series: [.init(name: "training loss", y: trained.losses)], smoothing: 0.8,
                     references: [.init(y: unigram, label: "unigram baseline")])))
let finalLoss = trained.losses.suffix(10).reduce(0, +) / Double(min(10, trained.losses.count))
metric("final training loss", finalLoss, unit: "nats/byte")
expect("the model beats the unigram baseline", finalLoss, below: unigram, "unigram")

//: ## What comes next?
//: Give the model a prompt and look at its distribution over the next byte.
let prompt = "the miller sang to the "
let session = InferenceSession(model: trained.model)
let step = session.feed(Array(prompt.utf8).map { Int32($0) })!
let probabilities = step.probabilities
let top = Sampling.ranking(step.logits).prefix(8)
show(.bar(BarChart(title: "Next byte after “\(prompt)”",
                   bars: top.enumerated().map { .init(label: String(UnicodeScalar(UInt8($0.element))), value: Double(probabilities[$0.element]), highlighted: $0.offset == 0) },
                   valueLabel: "probability", percent: true)))
show(Table(title: "Top candidates", columns: ["byte", "probability"],
           rows: top.map { [String(UnicodeScalar(UInt8($0))).debugDescription, String(format: "%.3f", probabilities[$0])] }))

//: ## Where the last position looks
//: Attention of the newest position over the prompt, for every layer and head.
let labels = prompt.map { String($0) }
let panels = step.attention.enumerated().flatMap { layer, heads in
    heads.enumerated().map { head, weights in
        Heatmap(title: "layer \(layer) head \(head)", values: [weights.map(Double.init)], rowLabels: ["→"], columnLabels: labels, colorbarLabel: "attention")
    }
}
show(.heatmapGrid(HeatmapGrid(title: "Attention of the last position", panels: panels, columns: 2)))
