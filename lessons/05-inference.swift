//: # Inference: one token at a time
//: A trained model gives, for a context, a probability for every possible next token. To
//: *generate*, we pick one token from that distribution, append it to the context, and ask
//: again — one token at a time, each step feeding the last. How we pick matters: always the
//: likeliest (**greedy**), or a random draw shaped by a **temperature**, cut to the **top k**
//: tokens or to the smallest set of tokens holding probability **p** (nucleus sampling).
import Course
import Foundation

let modelFolder = param(
    "model", "",
    "a model folder to study instead of lesson 4's (trained with scripts/train_torch.py, say)")
let model = try Pretraining.baseModel(folder: modelFolder)
let world = try CourseData.tinyWeb().world
let famous = world.people.filter { $0.fame >= 16 }
let prompt = "\(famous.first?.name ?? world.people[0].name) was born in"
print("model: \(model.model.config.summary), \(model.model.config.parameterCount) parameters")

//: ## Step by step
//: The stepper's state machine — the same one behind `tokenwise step` — run for eight greedy steps:
let stepper = try Stepper(model: model, prompt: prompt, settings: .greedy, seed: 1)
var rows: [[String]] = []
for _ in 0..<8 {
    let top = stepper.candidates(3)
    stepper.perform(.sample)
    rows.append(
        [Stepper.quoted(stepper.tree.nodes[stepper.node].label)]
            + top.map { "\(Stepper.quoted($0.label)) \(Stepper.percent($0.probability))" })
}
show(
    Table(
        title: "Greedy steps after “\(prompt)”",
        columns: ["picked", "1st candidate", "2nd", "3rd"], rows: rows))
print(Transcript.text(of: stepper))

//: ## The sampling filters, written out
//: Everything a sampler does to the model's logits fits in a few lines. **Temperature** divides
//: the logits before the softmax: below 1 it sharpens the distribution, above 1 it flattens it.
//: **Top-k** keeps the k likeliest tokens; **top-p** keeps the smallest set of likeliest tokens
//: whose probability reaches p; both then renormalise what is left. **Drawing** walks the
//: cumulative probabilities until they pass a uniform random number.
func softmax(_ logits: [Float], temperature: Double) -> [Double] {
    let scaled = logits.map { Double($0) / temperature }
    let largest = scaled.max()!
    let exps = scaled.map { exp($0 - largest) }   // minus the largest: exp never overflows
    let sum = exps.reduce(0, +)
    return exps.map { $0 / sum }
}

func filtered(_ p: [Double], topK: Int?, topP: Double?) -> [Double] {
    let order = p.indices.sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }   // likeliest first
    var kept = order.count
    if let topK { kept = min(kept, topK) }
    if let topP {
        var mass = 0.0
        for (rank, token) in order.prefix(kept).enumerated() {
            mass += p[token]
            if mass >= topP { kept = rank + 1; break }
        }
    }
    var out = [Double](repeating: 0, count: p.count)
    for token in order.prefix(kept) { out[token] = p[token] }
    let total = out.reduce(0, +)
    return out.map { $0 / total }
}

func draw(_ p: [Double], uniform u: Double) -> Int {
    var cumulative = 0.0
    for token in p.indices where p[token] > 0 {
        cumulative += p[token]
        if u < cumulative { return token }
    }
    return p.lastIndex { $0 > 0 }!   // rounding left u just above the total
}

//: The same filters in the library (`Sampling`, what `tokenwise step` and every lesson use)
//: work in Float and reuse one sort; they must give the same distribution and the same draws.
let session = InferenceSession(model: model.model)
let step = session.feed(model.tokenizer.encode(prompt).map(Int32.init))!
let checked: [SamplingSettings] = [
    .init(), .init(temperature: 0.5), .init(temperature: 2), .init(topK: 3),
    .init(topP: 0.9), .init(temperature: 0.8, topK: 20, topP: 0.95),
]
var largestGap = 0.0, sameKeptSets = true
for s in checked {
    let probabilities = softmax(step.logits, temperature: Double(s.temperature))
    let ours = filtered(probabilities, topK: s.topK, topP: s.topP.map(Double.init))
    let library = Sampling.distribution(logits: step.logits, settings: s)
    largestGap = max(largestGap, zip(ours, library).map { abs($0 - Double($1)) }.max()!)
    sameKeptSets = sameKeptSets && ours.indices.allSatisfy { (ours[$0] > 0) == (library[$0] > 0) }
}
let drawSettings = SamplingSettings(temperature: 0.8, topK: 20)
var ourGenerator = SeededGenerator(seed: 11), libraryGenerator = SeededGenerator(seed: 11)
let p = filtered(softmax(step.logits, temperature: 0.8), topK: 20, topP: nil)
let draws = 500
let sameDraws = (0..<draws).filter { _ in
    let ours = draw(p, uniform: ourGenerator.nextUnitDouble())
    return ours
        == Sampling.sample(logits: step.logits, settings: drawSettings, using: &libraryGenerator)
}.count
print("largest difference in p over \(checked.count) settings: \(largestGap)")
print("same kept tokens: \(sameKeptSets); same draws: \(sameDraws) of \(draws)")
expect(
    "the lesson's filters give the library's distributions (largest difference in p)",
    largestGap, below: 1e-5)
expect(
    "…keep the same tokens, and draw the same tokens from the same random numbers",
    sameKeptSets && sameDraws == draws,
    measured: "kept sets equal: \(sameKeptSets); \(sameDraws) of \(draws) draws equal")

//: ## What the settings do to one distribution
let ranking = Sampling.ranking(step.logits).prefix(8)
let settings: [(String, SamplingSettings)] = [
    ("temperature 1", .init()), ("temperature 0.5", .init(temperature: 0.5)),
    ("temperature 2", .init(temperature: 2)),
    ("top-k 3", .init(topK: 3)), ("top-p 0.9", .init(topP: 0.9)),
    ("greedy (temperature 0)", .greedy),
]
show(
    .smallMultiples(
        SmallMultiples(
            title: "The next-token distribution after “\(prompt)” under six settings",
            figures: settings.map { name, s in
                let d = Sampling.distribution(logits: step.logits, settings: s)
                return .bar(
                    BarChart(
                        title: name,
                        bars: ranking.map {
                            .init(label: model.label(of: $0), value: Double(d[$0]))
                        }, valueLabel: "p", percent: true, tokenLabels: true))
            }, columns: 3)))
//: Greedy decoding is temperature going to 0: all the probability on the likeliest token.

//: ## Temperature against diversity
//: Dream documents from the separator at several temperatures and count **distinct 2-grams**
//: (the share of token pairs that are not repeats): low temperature repeats itself, high
//: temperature wanders.
let temperatures: [Float] = [0.1, 0.3, 0.5, 0.7, 1.0, 1.3, 1.6]
let samples = isQuick ? 4 : 8, length = isQuick ? 32 : 48
func distinctBigrams(_ temperature: Float) -> Double {
    var pairs: [[Int32]] = []
    for seed in 0..<samples {
        let s = InferenceSession(model: model.model)
        var generator = SeededGenerator(seed: UInt64(seed))
        let tokens = s.generate(
            prompt: [Int32(model.startToken!)], count: length,
            settings: .init(temperature: temperature), using: &generator)
        pairs += zip(tokens, tokens.dropFirst()).map { [$0, $1] }
    }
    return Double(Set(pairs).count) / Double(pairs.count)
}
let diversity = temperatures.map(distinctBigrams)
// harness: the chart and the report card's numbers
show(
    .line(
        LineChart(
            title: "Diversity against temperature", xLabel: "temperature",
            yLabel: "distinct 2-grams / all 2-grams",
            series: [
                .init(
                    name: "\(samples) samples × \(length) tokens", x: temperatures.map(Double.init),
                    y: diversity)
            ])))
metric("distinct 2-grams at temperature 0.1", diversity.first!)
metric("distinct 2-grams at temperature 1.6", diversity.last!)
expect(
    "higher temperature gives more diverse text (distinct 2-grams, 1.6 vs 0.1)", diversity.last!,
    above: diversity.first!)

//: ## One prompt, several seeds
//: At temperature 1 each seed takes another path through the same distributions.
show(
    Table(
        title: "“\(prompt)” sampled with five seeds (temperature 1)",
        columns: ["seed", "continuation"],
        rows: (1...5).map { seed in
            let s = InferenceSession(model: model.model)
            var generator = SeededGenerator(seed: UInt64(seed))
            let tokens = s.generate(
                prompt: model.tokenizer.encode(prompt).map(Int32.init), count: 16,
                settings: .init(), using: &generator)
            return ["\(seed)", (try? model.tokenizer.decodeText(tokens.map(Int.init))) ?? ""]
        }))

//: ## The tree of possible continuations
//: Every step branches: here the three likeliest tokens, then the two likeliest after each.
var nodes: [GraphDiagram.Node] = [.init(id: "root", label: "…born in", highlighted: true)]
var edges: [GraphDiagram.Edge] = []
func expand(_ context: [Int], id: String, depth: Int) {
    guard depth < 2 else { return }
    let s = InferenceSession(model: model.model)
    let logits = s.feed(context.map(Int32.init))!.logits
    let p = Sampling.softmax(logits)
    for (rank, token) in Sampling.ranking(logits).prefix(depth == 0 ? 3 : 2).enumerated() {
        let child = "\(id)-\(rank)"
        nodes.append(
            .init(id: child, label: "“\(model.label(of: token))” \(Stepper.percent(p[token]))"))
        edges.append(.init(from: id, to: child))
        expand(context + [token], id: child, depth: depth + 1)
    }
}
expand(model.tokenizer.encode(prompt), id: "root", depth: 0)
show(
    .graph(
        GraphDiagram(
            title: "Sampling tree after “\(prompt)”", nodes: nodes, edges: edges, layout: .tree)))

//: ## Step through it yourself
//: One generation, recorded frame by frame: twelve sampled tokens, a step back, and another
//: branch. The page shows every frame's candidates, attention and the tree of branches.
let recorded = try Stepper(
    model: model, prompt: prompt, settings: .init(temperature: 0.8, topK: 20), seed: 7)
for _ in 0..<6 { recorded.perform(.sample) }
recorded.perform(.back)
recorded.perform(.choose(rank: 2))
for _ in 0..<6 { recorded.perform(.sample) }
showStepThrough(recorded.recording, name: "born-in", title: "Step through “\(prompt)…”")
print("Or in a terminal: tokenwise step \"\(prompt)\" --model \(PublishedModel.base.catalogName)")
