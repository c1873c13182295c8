//: # Training: the model learns to predict the next token
//: Pretraining is one loop, repeated: take a batch of windows of the corpus, let the model
//: predict every next token, measure how surprised it was (the **loss**: the negative log
//: probability it gave the true next token), and nudge every parameter a little in the
//: direction that lowers it (backpropagation and AdamW). That is all — the rest is scale.
import Course
import Foundation

let layers = param("layers", 4, "transformer blocks", quick: 2, in: 1...12)
let heads = param("heads", 4, "attention heads per block", quick: 2, in: 1...16)
let width = param("width", 128, "channels per token (divisible by heads)", quick: 64, in: 16...768)
let context = param("context", 128, "tokens the model sees at once", quick: 96, in: 16...1024)
let vocabularySize = param(
    "vocab_size", 2048, "tokens in the vocabulary", quick: 512, in: 260...16384)
let steps = param("steps", 2000, "optimisation steps", quick: 500, in: 1...100000)
let batchSize = param("batch", 16, "windows per step", quick: 8, in: 1...256)
let learningRate = param(
    "lr", 3e-3, "peak learning rate (warmup, then cosine decay to a tenth)", quick: 3e-3,
    in: 1e-5...1e-1)
let seed = param("seed", 1, "seed of the initial weights and of the batch order", in: 1...1_000_000)
let corpusPath = param("corpus", "", "a text file to train on instead of the tiny web")
let config = GPTConfig(
    vocabularySize: vocabularySize, contextLength: context, layerCount: layers, headCount: heads,
    embeddingWidth: width)
if let problem = config.validationError() { throw CourseError("--set: \(problem)") }
let settings = PretrainingSettings(
    config: config, steps: steps, batchSize: batchSize, learningRate: learningRate,
    seed: UInt64(seed),
    corpusPath: corpusPath)
print(
    "\(config.summary): \(config.parameterCount) parameters; \(steps) steps of \(batchSize) × "
        + "\(context) tokens"
)

//: ## The training loop, written out
//: One step: draw a batch of windows, run the model forward and measure the loss, let
//: backpropagation fill every parameter's gradient, clip the gradient's overall length, and
//: move each weight by AdamW — a step scaled by running averages of the gradient (m) and of its
//: square (v), plus a small pull towards zero (weight decay) on the matrices. The learning rate
//: follows a schedule: a linear warm-up, then a cosine down to a tenth of the peak.
func scheduledRate(_ step: Int, peak: Float, warmup: Int, total: Int) -> Float {
    if step < warmup { return peak * Float(step + 1) / Float(warmup) }
    if step >= total { return peak / 10 }
    let progress = Double(step - warmup) / Double(max(1, total - warmup))
    return peak / 10 + Float(0.5 * (1 + cos(Double.pi * progress))) * (peak - peak / 10)
}

func train(_ model: GPT, batches: inout TokenWindows, steps: Int, peak: Float) -> [Float] {
    let (beta1, beta2, epsilon, weightDecay): (Float, Float, Float, Float) = (0.9, 0.95, 1e-8, 0.1)
    let m = model.parameters.map { [Float](repeating: 0, count: $0.count) }
    var (firstMoments, secondMoments) = (m, m)
    var losses: [Float] = []
    for step in 0..<steps {
        let batch = batches.nextBatch()
        model.parameters.forEach { $0.zeroGradient() }
        let (loss, _) = model.loss(
            inputs: batch.inputs, targets: batch.targets, batchSize: batch.batchSize,
            length: batch.length)
        loss.backward()   // every parameter's gradient
        loss.releaseGraph()
        losses.append(loss.item)
        // Clip: if the gradient of all parameters together is longer than 1, shorten it to 1.
        let norm = Float(
            model.parameters.reduce(0.0) { total, p in
                total
                    + Double(
                        (0..<p.count).reduce(Float(0)) { $0 + p.gradient[$1] * p.gradient[$1] })
            }.squareRoot())
        if norm > 1 {
            for p in model.parameters {
                for i in 0..<p.count { p.gradient[i] *= 1 / (norm + 1e-6) }
            }
        }
        // AdamW.
        let rate = scheduledRate(step, peak: peak, warmup: min(100, steps / 10), total: steps)
        let correction1 = 1 - Float(pow(Double(beta1), Double(step + 1)))
        let correction2 = 1 - Float(pow(Double(beta2), Double(step + 1)))
        for (index, p) in model.parameters.enumerated() {
            // Decay matrices, not biases or gains.
            let decay: Float = p.shape.count >= 2 ? rate * weightDecay : 0
            for i in 0..<p.count {
                let g = p.gradient[i]
                firstMoments[index][i] = beta1 * firstMoments[index][i] + (1 - beta1) * g
                secondMoments[index][i] = beta2 * secondMoments[index][i] + (1 - beta2) * g * g
                let mHat = firstMoments[index][i] / correction1,
                    vHat = secondMoments[index][i] / correction2
                p.data[i] -= rate * mHat / (vHat.squareRoot() + epsilon) + decay * p.data[i]
            }
        }
    }
    return losses
}

//: The library's `Trainer` runs the same step. Both start from the same weights and draw the
//: same batches; after a few steps their weights must agree. (For speed the trainer cuts each
//: batch in two halves, one per core, and adds the halves' gradients — data parallelism, as
//: training on several GPUs does. Its sums then round in another order, and over steps those
//: last digits grow, so this comparison takes each batch whole; the library's tests check that
//: a split step and a whole one agree to rounding.)
let documents = try CourseData.documents(corpusPath: corpusPath)
let (trainDocuments, heldOut) = Pretraining.split(documents)
// The tokenizer pretraining uses.
let courseTokenizer = try CourseData.tokenizer(documents: documents, vocabularySize: vocabularySize)
let corpusTokens = CourseData.tokens(trainDocuments, tokenizer: courseTokenizer)
let checkSteps = isQuick ? 8 : 20, checkBatch = 4
let ours = GPT(config: config, seed: 1), theirs = GPT(config: config, seed: 1)
var ourBatches = TokenWindows(tokens: corpusTokens, batchSize: checkBatch, length: context, seed: 2)
let ourLosses = train(ours, batches: &ourBatches, steps: checkSteps, peak: Float(learningRate))
let trainer = Trainer(
    model: theirs,
    settings: TrainingSettings(
        steps: checkSteps,
        schedule: LearningRateSchedule(
            peak: Float(learningRate), minimum: Float(learningRate) / 10,
            warmupSteps: min(100, checkSteps / 10), decaySteps: checkSteps),
        optimizer: AdamWSettings(weightDecay: 0.1)),
    batches: TokenWindows(tokens: corpusTokens, batchSize: checkBatch, length: context, seed: 2))
trainer.splitsBatches = false
let theirLosses = (0..<checkSteps).map { _ in trainer.trainStep().loss }
let weightGap = zip(ours.parameters, theirs.parameters).map { a, b in
    zip(a.values, b.values).map { abs($0 - $1) }.max()!
}.max()!
print(
    "\(checkSteps) steps of \(checkBatch) × \(context) tokens; losses (ours): "
        + ourLosses.map { String(format: "%.3f", $0) }.joined(separator: " "))
print(
    "largest loss difference \(zip(ourLosses, theirLosses).map { abs($0 - $1) }.max()!), largest "
        + "weight difference \(weightGap)"
)
expect(
    "the lesson's loop and the library's trainer take the same steps (largest weight difference)",
    Double(weightGap), below: 1e-5)

//: ## Pretraining (cached)
//: The run is a stage: stored under a key made of every setting and the corpus, so running the
//: lesson again reuses it, and `--set layers=6` trains again. The model is then *published*
//: as the course's base model, which the next lessons and `tokenwise step` use.
let pretrained = try Pretraining.run(settings)
try PublishedModel.base.publish(pretrained.languageModel)
let history = pretrained.history
let model = pretrained.languageModel
// harness: the report card's training time and speed
metric("training time", history.seconds, unit: "s")
metric("training speed", history.tokensPerSecond, unit: "tokens/s")

//: ## The loss falls
//: Two baselines put the numbers in context: a **unigram** model (each token's frequency, no
//: context) and a **bigram** model (the next token's frequency given the current one),
//: both counted on the training text and measured on the held-out text.
let trainTokens = corpusTokens.map(Int.init)
let heldOutTokens = CourseData.tokens(heldOut, tokenizer: model.tokenizer).map(Int.init)
var unigram = [Double](repeating: 1, count: vocabularySize)   // add-one smoothing
var bigram: [Int: [Int: Double]] = [:]
for (a, b) in zip(trainTokens, trainTokens.dropFirst()) {
    unigram[b] += 1; bigram[a, default: [:]][b, default: 0] += 1
}
let unigramTotal = unigram.reduce(0, +)
var unigramLoss = 0.0, bigramLoss = 0.0
for (a, b) in zip(heldOutTokens, heldOutTokens.dropFirst()) {
    let pUnigram = unigram[b] / unigramTotal
    let row = bigram[a] ?? [:]
    let rowTotal = row.values.reduce(0, +)
    // Interpolated with the unigram so unseen pairs are not infinitely surprising.
    let pBigram = rowTotal > 0 ? 0.9 * (row[b] ?? 0) / rowTotal + 0.1 * pUnigram : pUnigram
    unigramLoss -= log(pUnigram); bigramLoss -= log(pBigram)
}
unigramLoss /= Double(heldOutTokens.count - 1); bigramLoss /= Double(heldOutTokens.count - 1)
// harness: the loss chart, and the report card's numbers
let evaluations = history.evaluations
show(
    .line(
        LineChart(
            title: "Pretraining loss", xLabel: "step", yLabel: "loss (nats per token)",
            series: [
                .init(name: "training batches", y: history.losses),
                .init(
                    name: "train (evaluation)", x: evaluations.map { Double($0.step) },
                    y: evaluations.map(\.train), smoothed: false),
                .init(
                    name: "validation", x: evaluations.map { Double($0.step) },
                    y: evaluations.map(\.validation), dashed: true, smoothed: false),
            ],
            smoothing: 0.9,
            references: [
                .init(y: unigramLoss, label: "unigram baseline"),
                .init(y: bigramLoss, label: "bigram baseline"),
            ])))
// end harness
let finalValidation = evaluations.last!.validation
metric("validation loss", finalValidation, unit: "nats/token")
metric("unigram baseline", unigramLoss, unit: "nats/token")
metric("bigram baseline", bigramLoss, unit: "nats/token")
expect("validation loss below the bigram baseline", finalValidation, below: bigramLoss, "bigram")
metric(
    "validation loss at the first evaluation (untrained: ln V)", evaluations.first!.validation,
    unit: "nats/token")
// harness: how many tokens it saw, printed
let tokensSeen = steps * batchSize * context
print(
    "tokens seen: \(steps) steps × \(batchSize) windows × \(context) = \(tokensSeen), "
        + String(
            format: "%.1f epochs of the %d training tokens",
            Double(tokensSeen) / Double(trainTokens.count), trainTokens.count))

//: The learning rate rises for a warm-up, then decays along a cosine:
show(
    .line(
        LineChart(
            title: "Learning-rate schedule", xLabel: "step", yLabel: "learning rate",
            series: [.init(name: "lr", y: history.learningRates)])))

//: ## Scale, as arithmetic
//: Training costs about six floating-point operations per parameter per token — two in the
//: forward pass, four in the backward (Kaplan et al., 2020) — so a run's compute is 6·N·D for N
//: parameters and D tokens. Ours, from this run, beside two runs whose makers published their
//: numbers: GPT-2's largest model reproduced from scratch in llm.c, and Llama 3's largest.
/// 3.1 × 10^20, as a reader writes it.
func scientific(_ value: Double) -> String {
    let exponent = Int(log10(value).rounded(.down))
    return String(format: "%.1f × 10^%d", value / pow(10, Double(exponent)), exponent)
}
let ourFLOPs = 6 * Double(config.parameterCount) * Double(tokensSeen)
let ourSpeed = ourFLOPs / history.seconds   // FLOP/s, counted the 6·N·D way
struct Run { let name: String, parameters: Double, tokens: Double, hardware: String, time: String, source: String }
let published = [
    Run(
        name: "GPT-2 (1.6B) reproduced in llm.c, 2024", parameters: 1.6e9, tokens: 32e9,
        hardware: "8 H100 GPUs", time: "24 hours", source: "github.com/karpathy/llm.c, discussion 677"),
    Run(
        name: "Llama 3 405B, 2024", parameters: 405e9, tokens: 15.6e12,
        hardware: "up to 16,384 H100 GPUs", time: "–",
        source: "The Llama 3 Herd of Models, arXiv 2407.21783"),
]
let years = 365.25 * 24 * 3600
show(
    Table(
        title: "Training compute, 6·N·D",
        columns: ["run", "parameters N", "tokens D", "compute (FLOP)", "hardware", "time", "at this run's speed", "source"],
        rows: [
            [
                "this lesson's run", "\(config.parameterCount)", "\(tokensSeen)", scientific(ourFLOPs),
                "\(Parallel.coreCount) CPU cores", String(format: "%.0f s", history.seconds), "–", "this run",
            ]
        ]
            + published.map { run in
                let flops = 6 * run.parameters * run.tokens
                return [
                    run.name, scientific(run.parameters), scientific(run.tokens), scientific(flops),
                    run.hardware, run.time, String(format: "%.0f years", flops / ourSpeed / years),
                    run.source,
                ]
            }))
metric("training compute, 6·N·D", ourFLOPs, unit: "FLOP")
//: The recipe is the same at every scale; what grows is N, D, and the hardware that pays for
//: 6·N·D.

//: ## Text emerges
//: At every evaluation the model dreamed a document from the separator token. Early samples
//: are noise; structure, words and the genres of the corpus appear as the loss falls. A byte
//: shown as ⟨e2⟩ belongs to a character the model began and did not finish: a token may hold
//: part of a character's UTF-8 bytes, and the next sampled token need not complete it.
// harness: the samples taken during training, as a table
show(
    Table(
        title: "Samples during training (temperature 0.8)", columns: ["step", "sample"],
        rows: history.samples.enumerated().filter {
            $0.offset % 3 == 0 || $0.offset == history.samples.count - 1
        }
        .map {
            ["\($0.element.step)", $0.element.text.replacingOccurrences(of: "\n", with: " ↵ ")]
        }))

//: ## What training changed
//: Lesson 3 looked inside this model before training. The same views after it: each token's
//: nearest tokens in embedding space, before and after (at this size only some neighbours are
//: words used alike: look for yourself), and where the attention heads look.
let untrained = GPT(config: config, seed: settings.seed)   // where pretraining started
func embeddingRows(_ model: GPT) -> [[Double]] {
    let values = model.tokenEmbedding.values.map(Double.init), C = config.embeddingWidth
    return stride(from: 0, to: values.count, by: C).map { Array(values[$0..<$0 + C]) }
}
func nearest(_ token: Int, in table: [[Double]], count: Int = 5) -> String {
    func length(_ a: [Double]) -> Double { a.reduce(0) { $0 + $1 * $1 }.squareRoot() + 1e-12 }
    let similarity = table.map { row in
        zip(table[token], row).reduce(0) { $0 + $1.0 * $1.1 } / (length(table[token]) * length(row))
    }
    let others = table.indices.filter { $0 != token && model.tokenizer.specialName(of: $0) == nil }
    return others.sorted { similarity[$0] > similarity[$1] }.prefix(count).map {
        "“\(model.label(of: $0))”"
    }.joined(separator: " ")
}
let probes = [" she", " born", " river", " 18", " wrote", " the", " a"].compactMap { word -> Int? in
    let ids = model.tokenizer.encode(word)
    return ids.count == 1 ? ids[0] : nil
}
let before = embeddingRows(untrained), after = embeddingRows(model.model)
// harness: the nearest tokens, as a table
show(
    Table(
        title: "Nearest tokens by cosine similarity of their embeddings",
        columns: ["token", "before training", "after"],
        rows: probes.map {
            ["“\(model.label(of: $0))”", nearest($0, in: before), nearest($0, in: after)]
        }))

// end harness
//: Where do the heads look? Read each small square by rows: a row is one position of the probe
//: sentence, its numbers (they sum to 1) how much it takes from each earlier token; look for
//: rows that pile nearly all their weight on one cell (the first token, the token itself, the
//: one before) beside rows that spread it evenly.
let probeSentence = "\(try CourseData.tinyWeb().world.people[0].name) was born in"
let probeTokens = model.tokenizer.encode(probeSentence)
func attentionMaps(_ gpt: GPT) -> [[[[Double]]]] {   // [layer][head][row][column]
    let session = InferenceSession(model: gpt)
    var maps = Array(
        repeating: Array(repeating: [[Double]](), count: config.headCount), count: config.layerCount
    )
    for token in probeTokens {
        let step = session.feed(Int32(token))
        for l in 0..<config.layerCount {
            for h in 0..<config.headCount {
                maps[l][h].append(
                    step.attention[l][h].map(Double.init)
                        + Array(repeating: 0, count: probeTokens.count - step.attention[l][h].count)
                )
            }
        }
    }
    return maps
}
// harness: every head's attention after training, as a grid of heatmaps
let probeLabels = probeTokens.map { model.label(of: $0) }
let trainedMaps = attentionMaps(model.model)
show(
    .heatmapGrid(
        HeatmapGrid(
            title: "Attention after training (rows: the position looking, columns: where)",
            panels: (0..<config.layerCount).flatMap { l in
                (0..<config.headCount).map { h in
                    Heatmap(
                        title: "layer \(l + 1) head \(h + 1)", values: trainedMaps[l][h],
                        rowLabels: probeLabels,
                        columnLabels: probeLabels, maskUpperTriangle: true, minimum: 0, maximum: 1)
                }
            },
            columns: config.headCount)))
// end harness
/// Mean entropy of the attention rows, each divided by its largest possible value (1 = uniform).
func meanEntropy(_ maps: [[[[Double]]]]) -> Double {
    var total = 0.0, count = 0.0
    for layer in maps {
        for head in layer {
            for (i, row) in head.enumerated() where i > 0 {
                total +=
                    -row.prefix(i + 1).filter { $0 > 0 }.reduce(0) { $0 + $1 * log($1) }
                    / log(Double(i + 1));
                count += 1
            }
        }
    }
    return total / count
}
metric("attention entropy before training (1 = uniform)", meanEntropy(attentionMaps(untrained)))
metric("attention entropy after training", meanEntropy(trainedMaps))

//: ## A lossy zip file of its corpus
//: A language model is a compressor: with arithmetic coding, text costs −log₂ p bits per token.
//: Measured in **bits per byte** on held-out text, against gzip and xz on the same text.
let heldOutText = heldOut.map(\.text).joined(separator: "\n")
let windows = stride(from: 0, to: heldOutTokens.count - 1, by: context).map {
    Array(heldOutTokens[$0..<min($0 + context + 1, heldOutTokens.count)])
}.filter { $0.count > 1 }
var nats = 0.0
for window in windows {
    let losses = model.model.loss(
        inputs: window.dropLast().map(Int32.init), targets: window.dropFirst().map(Int32.init),
        batchSize: 1, length: window.count - 1
    ).tokenLosses
    nats += losses.reduce(0.0) { $0 + Double($1) }
}
let heldOutData = try Data(model.tokenizer.decode(heldOutTokens))
let byteCount = Double(heldOutData.count)
let modelBitsPerByte = nats / log(2) / byteCount
// harness: gzip and xz run as child processes, the text piped through them
func compressedSize(_ tool: String, _ data: Data) throws -> Int {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool, "-9", "-c"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input; process.standardOutput = output
    try process.run()
    DispatchQueue.global().async {
        input.fileHandleForWriting.write(data); try? input.fileHandleForWriting.close()
    }
    let compressed = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CourseError("\(tool) -9 failed (is it installed?)")
    }
    return compressed.count
}
// end harness
let gzipBits = Double(try compressedSize("gzip", heldOutData)) * 8 / byteCount
let xzBits = Double(try compressedSize("xz", heldOutData)) * 8 / byteCount
// harness: the chart and the report card's numbers
show(
    .bar(
        BarChart(
            title: "Bits per byte on held-out text (lower is better)",
            bars: [
                .init(label: "our model", value: modelBitsPerByte, highlighted: true),
                .init(label: "gzip -9", value: gzipBits), .init(label: "xz -9", value: xzBits),
                .init(label: "raw UTF-8", value: 8),
            ], valueLabel: "bits per byte")))
metric("model", modelBitsPerByte, unit: "bits/byte")
metric("gzip -9", gzipBits, unit: "bits/byte")
metric("xz -9", xzBits, unit: "bits/byte")
expect(
    "the model compresses held-out text better than gzip -9 (bits/byte)", modelBitsPerByte,
    below: gzipBits, "gzip")

//: Do not compare these numbers with published ones. The tiny web is far more regular than the
//: real web: a handful of page templates, all about the same few hundred people, towns and
//: books, and the held-out pages tell of the same people as the training pages. A model of the
//: real web is much less sure of the next token. What carries over is the comparison on the
//: *same* text: a model that has learned the language beats a compressor that only finds
//: repeated strings.

//: The model is not the corpus, though: it is a lossy summary, sometimes larger than the text.
let corpusText = documents.map(\.text).joined(separator: "\n")
let corpusBytes = Double(documents.reduce(0) { $0 + $1.text.utf8.count })
let checkpointBytes = Double(config.parameterCount * 4)
// harness: the sizes, as a table
show(
    Table(
        title: "Sizes", columns: ["what", "kB"],
        rows: [
            ["corpus (UTF-8)", String(format: "%.0f", corpusBytes / 1000)],
            [
                "corpus, xz -9",
                String(
                    format: "%.0f",
                    Double(try compressedSize("xz", Data(corpusText.utf8))) / 1000),
            ],
            [
                "model checkpoint (\(config.parameterCount) float32 parameters)",
                String(format: "%.0f", checkpointBytes / 1000),
            ],
        ]))
print(
    "The model is published as “\(PublishedModel.base.catalogName)”: try `tokenwise step "
        + "\"\(try CourseData.tinyWeb().world.people[0].name) was born in\" --model "
        + "\(PublishedModel.base.catalogName)`"
)
