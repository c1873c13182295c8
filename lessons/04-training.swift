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
let context = param("context", 128, "tokens the model sees at once", quick: 64, in: 16...1024)
let vocabularySize = param("vocab_size", 2048, "tokens in the vocabulary", quick: 512, in: 260...16384)
let steps = param("steps", 2000, "optimisation steps", quick: 500, in: 1...100000)
let batchSize = param("batch", 16, "windows per step", quick: 8, in: 1...256)
let learningRate = param("lr", 3e-3, "peak learning rate (warmup, then cosine decay to a tenth)", quick: 3e-3, in: 1e-5...1e-1)
let corpusPath = param("corpus", "", "a text file to train on instead of the tiny web")
let config = GPTConfig(vocabularySize: vocabularySize, contextLength: context, layerCount: layers, headCount: heads, embeddingWidth: width)
if let problem = config.validationError() { throw CourseError("--set: \(problem)") }
let settings = PretrainingSettings(config: config, steps: steps, batchSize: batchSize, learningRate: learningRate, seed: 1, corpusPath: corpusPath)
print("\(config.summary): \(config.parameterCount) parameters; \(steps) steps of \(batchSize) × \(context) tokens")

//: ## Pretraining (cached)
//: The run is a stage: stored under a key made of every setting and the corpus, so running the
//: lesson again reuses it, and `--set layers=6` trains again. The model is then *published*
//: as the course's base model, which the next lessons and `tokenwise step` use.
let pretrained = try Pretraining.run(settings)
try Pretraining.catalog.publish(pretrained.languageModel, as: Pretraining.publishedName)
let history = pretrained.history
let model = pretrained.languageModel
metric("training time", history.seconds, unit: "s")
metric("training speed", history.tokensPerSecond, unit: "tokens/s")

//: ## The loss falls
//: Two baselines put the numbers in context: a **unigram** model (each token's frequency, no
//: context) and a **bigram** model (the next token's frequency given the current one),
//: both counted on the training text and measured on the held-out text.
let documents = try CourseData.documents(corpusPath: corpusPath)
let (trainDocuments, heldOut) = Pretraining.split(documents)
let trainTokens = CourseData.tokens(trainDocuments, tokenizer: model.tokenizer).map(Int.init)
let heldOutTokens = CourseData.tokens(heldOut, tokenizer: model.tokenizer).map(Int.init)
var unigram = [Double](repeating: 1, count: vocabularySize)   // add-one smoothing
var bigram: [Int: [Int: Double]] = [:]
for (a, b) in zip(trainTokens, trainTokens.dropFirst()) { unigram[b] += 1; bigram[a, default: [:]][b, default: 0] += 1 }
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
let evaluations = history.evaluations
show(.line(LineChart(title: "Pretraining loss", xLabel: "step", yLabel: "loss (nats per token)",
                     series: [.init(name: "training batches", y: history.losses),
                              .init(name: "train (evaluation)", x: evaluations.map { Double($0.step) }, y: evaluations.map(\.train), smoothed: false),
                              .init(name: "validation", x: evaluations.map { Double($0.step) }, y: evaluations.map(\.validation), dashed: true, smoothed: false)],
                     smoothing: 0.9, references: [.init(y: unigramLoss, label: "unigram baseline"), .init(y: bigramLoss, label: "bigram baseline")])))
let finalValidation = evaluations.last!.validation
metric("validation loss", finalValidation, unit: "nats/token")
metric("unigram baseline", unigramLoss, unit: "nats/token")
metric("bigram baseline", bigramLoss, unit: "nats/token")
expect("validation loss below the bigram baseline", finalValidation, below: bigramLoss, "bigram")
expect("the loss falls (validation: last below first evaluation)", finalValidation, below: evaluations.first!.validation, "first evaluation")

//: The learning rate rises for a warm-up, then decays along a cosine:
show(.line(LineChart(title: "Learning-rate schedule", xLabel: "step", yLabel: "learning rate", series: [.init(name: "lr", y: history.learningRates)])))

//: ## Text emerges
//: At every evaluation the model dreamed a document from the separator token. Early samples
//: are noise; structure, words and the genres of the corpus appear as the loss falls.
show(Table(title: "Samples during training (temperature 0.8)", columns: ["step", "sample"],
           rows: history.samples.enumerated().filter { $0.offset % 3 == 0 || $0.offset == history.samples.count - 1 }
               .map { ["\($0.element.step)", $0.element.text.replacingOccurrences(of: "\n", with: " ⏎ ")] }))

//: ## A lossy zip file of its corpus
//: A language model is a compressor: with arithmetic coding, text costs −log₂ p bits per token.
//: Measured in **bits per byte** on held-out text, against gzip and xz on the same text.
let heldOutText = heldOut.map(\.text).joined(separator: "\n")
let windows = stride(from: 0, to: heldOutTokens.count - 1, by: context).map { Array(heldOutTokens[$0 ..< min($0 + context + 1, heldOutTokens.count)]) }.filter { $0.count > 1 }
var nats = 0.0
for window in windows {
    let losses = model.model.loss(inputs: window.dropLast().map(Int32.init), targets: window.dropFirst().map(Int32.init), batchSize: 1, length: window.count - 1).tokenLosses
    nats += losses.reduce(0.0) { $0 + Double($1) }
}
let heldOutBytes = CourseData.tokens(heldOut, tokenizer: model.tokenizer).map(Int.init)
let byteCount = Double(try model.tokenizer.decode(heldOutBytes).count)
let modelBitsPerByte = nats / log(2) / byteCount
func compressedSize(_ tool: String, _ data: Data) throws -> Int {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool, "-9", "-c"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input; process.standardOutput = output
    try process.run()
    DispatchQueue.global().async { input.fileHandleForWriting.write(data); try? input.fileHandleForWriting.close() }
    let compressed = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CourseError("\(tool) -9 failed (is it installed?)") }
    return compressed.count
}
let heldOutData = try Data(model.tokenizer.decode(heldOutBytes))
let gzipBits = Double(try compressedSize("gzip", heldOutData)) * 8 / byteCount
let xzBits = Double(try compressedSize("xz", heldOutData)) * 8 / byteCount
show(.bar(BarChart(title: "Bits per byte on held-out text (lower is better)", bars: [
    .init(label: "our model", value: modelBitsPerByte, highlighted: true), .init(label: "gzip -9", value: gzipBits), .init(label: "xz -9", value: xzBits),
    .init(label: "raw UTF-8", value: 8)], valueLabel: "bits per byte")))
metric("model", modelBitsPerByte, unit: "bits/byte")
metric("gzip -9", gzipBits, unit: "bits/byte")
metric("xz -9", xzBits, unit: "bits/byte")
expect("the model compresses held-out text better than gzip -9 (bits/byte)", modelBitsPerByte, below: gzipBits, "gzip")

//: Do not compare these numbers with published ones. The tiny web is far more regular than the
//: real web: a handful of page templates, all about the same few hundred people, towns and
//: books, and the held-out pages tell of the same people as the training pages. A model of the
//: real web is much less sure of the next token. What carries over is the comparison on the
//: *same* text: a model that has learned the language beats a compressor that only finds
//: repeated strings.

//: The model is not the corpus, though: it is a lossy summary, sometimes larger than the text.
let corpusBytes = Double(documents.reduce(0) { $0 + $1.text.utf8.count })
let checkpointBytes = Double(config.parameterCount * 4)
show(Table(title: "Sizes", columns: ["what", "kB"], rows: [
    ["corpus (UTF-8)", String(format: "%.0f", corpusBytes / 1000)],
    ["corpus, xz -9", String(format: "%.0f", Double(try compressedSize("xz", Data(documents.map(\.text).joined(separator: "\n").utf8))) / 1000)],
    ["model checkpoint (\(config.parameterCount) float32 parameters)", String(format: "%.0f", checkpointBytes / 1000)]]))
print("The model is published as “\(Pretraining.publishedName)”: try `tokenwise step \"\(try CourseData.tinyWeb().world.people[0].name) was born in\" --model \(Pretraining.publishedName)`")
