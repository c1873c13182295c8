//: # The base model's psychology
//: A pretrained model is not an assistant. It is a **document simulator**: given a beginning,
//: it continues the kind of document the beginning looks like, in the style and with the
//: "knowledge" of its training text. Because our world is generated, every claim about what
//: it knows can be checked against the truth — and against how often it saw each fact.
import Course
import Foundation

let model = try Pretraining.publishedBaseModel()
let (world, corpus) = try CourseData.tinyWeb()
var random = WorldRandom(seed: 6)
print("model: \(model.model.config.summary); world: \(world.people.count) people")
/// Strict checks need the full-size model; the quick one only shows the numbers.
func claim(_ text: String, _ measured: Double, above threshold: Double, _ name: String = "") {
    if isQuick { metric(text + " (quick model: not asserted)", measured) } else { expect(text, measured, above: threshold, name) }
}

//: ## It dreams documents
//: Sampled from the document separator with nothing else to go on, the model writes whole
//: documents of the kinds it was trained on, in about the proportions it saw them.
let dreamCount = isQuick ? 20 : 60
let dreams = (0..<dreamCount).map { Pretraining.sample(model, tokens: 80, seed: UInt64(1000 + $0), temperature: 1) }
var dreamed: [Genre: Double] = [:], seen: [Genre: Double] = [:]
for dream in dreams { if let genre = Genre.guess(String(dream.split(separator: "<|endoftext|>").first ?? "")) { dreamed[genre, default: 0] += 1 } }
for document in corpus.documents { seen[document.genre, default: 0] += 1 }
let dreamTotal = max(dreamed.values.reduce(0, +), 1), seenTotal = seen.values.reduce(0, +)
show(.smallMultiples(SmallMultiples(title: "Genres: the corpus against \(dreamCount) dreams", figures: [
    .bar(BarChart(title: "corpus (documents)", bars: Genre.allCases.map { .init(label: $0.rawValue, value: (seen[$0] ?? 0) / seenTotal) }, valueLabel: "share", percent: true)),
    .bar(BarChart(title: "dreams (classified)", bars: Genre.allCases.map { .init(label: $0.rawValue, value: (dreamed[$0] ?? 0) / dreamTotal, highlighted: true) }, valueLabel: "share", percent: true)),
], columns: 2)))
let classifierAccuracy = Double(corpus.documents.filter { Genre.guess($0.text) == $0.genre }.count) / seenTotal
metric("genre classifier accuracy on the labelled corpus", classifierAccuracy * 100, unit: "%")
let distance = Genre.allCases.reduce(0.0) { $0 + abs((dreamed[$1] ?? 0) / dreamTotal - (seen[$1] ?? 0) / seenTotal) } / 2
metric("dreams recognisable as a genre", dreamed.values.reduce(0, +) / Double(dreamCount) * 100, unit: "%")
metric("total variation distance between the genre shares", distance)
claim("dreamed genres follow the corpus (1 − total variation distance)", 1 - distance, above: 0.7)
show(Table(title: "Three dreams", columns: ["dream"], rows: dreams.prefix(3).map { [$0.replacingOccurrences(of: "\n", with: " ⏎ ")] }))

//: ## Regurgitation
//: Some passages were quoted in 1 document, others in 2, 4 … 32. Prompted with a passage's first
//: five words, does the model recite the rest? Memorisation grows with repetition.
var recited: [Int: [Double]] = [:]
for passage in world.passages {
    let words = passage.text.split(separator: " ").map(String.init)
    let continuation = ModelProbes.greedy(model, prompt: "liked to quote these lines: \"" + words.prefix(5).joined(separator: " "), tokens: 60)
    let produced = continuation.split(separator: " ").map(String.init)
    let matched = zip(words.dropFirst(5), produced).prefix { $0 == $1 || $0 + "." == $1 || $0 == $1 + "." }.count
    recited[passage.repetitions, default: []].append(Double(matched))
}
let tiers = World.passageRepetitions
let meanRecited = tiers.map { (recited[$0] ?? [0]).reduce(0, +) / Double(max(recited[$0]?.count ?? 1, 1)) }
show(.line(LineChart(title: "Verbatim recitation against repetitions", xLabel: "documents quoting the passage", yLabel: "words recited verbatim (of 25)",
                     series: [.init(name: "mean over 3 passages", x: tiers.map(Double.init), y: meanRecited)], xScale: .log)))
metric("words recited, passages seen once", meanRecited.first!)
metric("words recited, passages seen 32 times", meanRecited.last!)
claim("recitation grows with repetitions (words, 32× vs 1×)", meanRecited.last!, above: meanRecited.first!, "1×")

//: ## In-context learning: copying
//: A random sequence of words (names and towns of the world, in an order never seen), then the
//: same sequence again. The first copy is mostly unpredictable; the second can be predicted by
//: looking back at what followed the same token last time. That is the work of **induction
//: heads**, found in trained transformers of two layers or more.
let sequences = isQuick ? 8 : 20
let wordPool = world.towns + world.people.map(\.firstName)
var firstHits = 0, secondHits = 0, predictions = 0
let layers = model.model.config.layerCount, heads = model.model.config.headCount
var inductionScore = Array(repeating: Array(repeating: 0.0, count: heads), count: layers)
var example: (tokens: [Int], attention: [[[[Float]]]])?
// The two copies sit in the frame of the forum threads that quote lists ("Here is the list …",
// "Quoting you …"), so the model reads them as the kind of document it knows.
let opening = model.tokenizer.encode("Thread: my list of names and places\nMira3: Here is the list I made for the trip:"), middle = model.tokenizer.encode("\nPell5: Quoting you for the others:")
var length = 0
for _ in 0..<sequences {
    var half: [Int] = []
    while true {
        let next = model.tokenizer.encode(" " + random.pick(wordPool))
        if opening.count + middle.count + 2 * (half.count + next.count) > model.model.config.contextLength || half.count >= 24 { break }
        half += next
    }
    length = half.count
    let firstStart = opening.count, secondStart = opening.count + length + middle.count
    let sequence = opening + half + middle + half
    let session = InferenceSession(model: model.model)
    var rows: [[[[Float]]]] = []
    for (position, token) in sequence.enumerated() {
        let step = session.feed(Int32(token))
        rows.append(step.attention)
        // Predictions of the tokens of each copy after its first (which nothing can predict).
        guard position + 1 < sequence.count else { continue }
        let hit = Sampling.ranking(step.logits)[0] == sequence[position + 1]
        if position >= firstStart && position < firstStart + length - 1 { firstHits += hit ? 1 : 0 }
        if position >= secondStart {
            secondHits += hit ? 1 : 0; predictions += 1
            // An induction head attends to the token after this one's earlier occurrence.
            let earlier = position - secondStart + firstStart
            for l in 0..<layers { for h in 0..<heads { inductionScore[l][h] += Double(step.attention[l][h][earlier + 1]) } }
        }
    }
    if example == nil { example = (sequence, rows) }
}
let firstAccuracy = Double(firstHits) / Double(sequences * (length - 1)), secondAccuracy = Double(secondHits) / Double(predictions)
show(.bar(BarChart(title: "Next-token accuracy on a random sequence repeated twice", bars: [
    .init(label: "first copy (unpredictable)", value: firstAccuracy), .init(label: "second copy (copyable)", value: secondAccuracy, highlighted: true)], valueLabel: "accuracy", percent: true)))
metric("accuracy, first copy", firstAccuracy * 100, unit: "%")
metric("accuracy, second copy", secondAccuracy * 100, unit: "%")
claim("copying works in context (accuracy, second copy − first copy)", secondAccuracy - firstAccuracy, above: 0.3)
let best = (0..<layers).flatMap { l in (0..<heads).map { (l, $0) } }.max { inductionScore[$0.0][$0.1] < inductionScore[$1.0][$1.1] }!
let perQuery = inductionScore[best.0][best.1] / Double(sequences * (length - 1))
metric("induction score of layer \(best.0 + 1) head \(best.1 + 1) (attention on the earlier next token)", perQuery)
if let example {
    let n = example.tokens.count
    let matrix = (0..<n).map { i in (0..<n).map { j in j < example.attention[i][best.0][best.1].count ? Double(example.attention[i][best.0][best.1][j]) : 0 } }
    let labels = example.tokens.map { model.label(of: $0) }
    show(.heatmap(Heatmap(title: "Layer \(best.0 + 1) head \(best.1 + 1) on a repeated sequence: the off-diagonal stripe is induction",
                          values: matrix, rowLabels: labels, columnLabels: labels, colorbarLabel: "attention", maskUpperTriangle: true, minimum: 0, maximum: 1)))
}

//: ## A conversation-shaped prompt makes a rough assistant
//: Give a base model an instruction and it continues *a document that contains an instruction*
//: — nothing in its training text follows a request with its answer. Shape the prompt like the
//: forum threads it read, and the likeliest continuation is an answer.
let asked = Array(world.people.filter { $0.fame >= 8 }.prefix(isQuick ? 10 : 30))
var bareAnswers = 0, threadAnswers = 0, threadCorrect = 0
var shown: [[String]] = []
for person in asked {
    let bare = ModelProbes.greedy(model, prompt: "Please tell me the birthplace of \(person.name).\n", tokens: 24)
    let thread = ModelProbes.greedy(model, prompt: "Thread: where was \(person.name) born?\nJuno7: Where was \(person.name) born?\nWren12:", tokens: 24)
    if bare.contains(" was born in ") { bareAnswers += 1 }
    if thread.contains(" was born in ") { threadAnswers += 1 }
    if thread.contains(person.birthplace) { threadCorrect += 1 }
    if shown.count < 3 { shown.append([person.name, bare.replacingOccurrences(of: "\n", with: " ⏎ "), thread.replacingOccurrences(of: "\n", with: " ⏎ ")]) }
}
show(Table(title: "Greedy continuations", columns: ["person", "an instruction", "as a forum thread"], rows: shown))
let bareRate = Double(bareAnswers) / Double(asked.count), threadRate = Double(threadAnswers) / Double(asked.count)
metric("answers to the instruction", bareRate * 100, unit: "%")
metric("answers in the thread format", threadRate * 100, unit: "%")
metric("correct birthplace in the thread format", Double(threadCorrect) / Double(asked.count) * 100, unit: "%")
claim("the conversation-shaped prompt answers more often (share, thread − instruction)", threadRate - bareRate, above: 0)

//: ## Vague recollection against working memory
//: Knowledge in the weights is a vague recollection of the training text: good for facts seen
//: often, poor for facts seen once. Knowledge in the prompt is working memory: the model can
//: read it back directly. Each question: the true birthplace among ten towns, by likelihood.
let fameTiers = World.fameTiers.map(\.fame)
var recall: [Int: (without: Double, with: Double)] = [:]
for fame in fameTiers {
    let people = Array(world.people.filter { $0.fame == fame }.prefix(isQuick ? 6 : 20))
    var without = 0, with = 0
    for person in people {
        let options = ([person.birthplace] + world.towns.filter { $0 != person.birthplace }.shuffled(using: &random).prefix(9)).shuffled(using: &random)
        let truth = options.firstIndex(of: person.birthplace)!
        if ModelProbes.multipleChoice(model, prompt: "\(person.name) was born in", options: options) == truth { without += 1 }
        let memo = "Thread: where was \(person.name) born?\nJuno7: \(person.name) was born in \(person.birthplace).\nWren12: Yes, \(person.name) was born in"
        if ModelProbes.multipleChoice(model, prompt: memo, options: options) == truth { with += 1 }
    }
    recall[fame] = (Double(without) / Double(people.count), Double(with) / Double(people.count))
}
show(.line(LineChart(title: "Birthplace accuracy against how often the person was written about", xLabel: "biographies in the crawl (0 = never)", yLabel: "accuracy (10 options)",
                     series: [.init(name: "from memory", x: fameTiers.map(Double.init), y: fameTiers.map { recall[$0]!.without }),
                              .init(name: "fact in the prompt", x: fameTiers.map(Double.init), y: fameTiers.map { recall[$0]!.with }, dashed: true)],
                     references: [.init(y: 0.1, label: "chance")])))
let rare = recall[0]!.without, rareWith = recall[0]!.with
metric("accuracy from memory, people never written about", rare * 100, unit: "%")
metric("accuracy with the fact in the prompt, same people", rareWith * 100, unit: "%")
metric("accuracy from memory, people seen once", recall[1]!.without * 100, unit: "%")
metric("accuracy from memory, people seen 32 times", recall[32]!.without * 100, unit: "%")
claim("the fact in the prompt beats memory for people never written about (accuracy, with − without)", rareWith - rare, above: 0.2)
claim("memory improves with exposure (accuracy, 32 biographies − none)", recall[32]!.without - recall[0]!.without, above: 0)

//: ## The reversal curse
//: Half of the people's mothers are only ever written one way: “A's mother is B”. The model
//: learns A → B, but not B → A. (For the other half, “B is the mother of A” also appears — the
//: control: there it can answer backwards.)
func reversal(_ people: [Person]) -> (forward: Double, backward: Double) {
    var forward = 0, backward = 0
    for person in people {
        let mothers = ([person.mother] + people.filter { $0.id != person.id }.map(\.mother).shuffled(using: &random).prefix(9)).shuffled(using: &random)
        if ModelProbes.multipleChoice(model, prompt: "\(person.name)'s mother is", options: mothers) == mothers.firstIndex(of: person.mother)! { forward += 1 }
        let children = ([person.name] + people.filter { $0.id != person.id }.map(\.name).shuffled(using: &random).prefix(9)).shuffled(using: &random)
        if ModelProbes.multipleChoice(model, prompt: "\(person.mother) is the mother of", options: children) == children.firstIndex(of: person.name)! { backward += 1 }
    }
    return (Double(forward) / Double(people.count), Double(backward) / Double(people.count))
}
let wellKnown = world.people.filter { $0.fame >= 8 }
let forwardOnly = reversal(Array(wellKnown.filter(\.motherOnlyForward).prefix(isQuick ? 8 : 40)))
let bothWays = reversal(Array(wellKnown.filter { !$0.motherOnlyForward }.prefix(isQuick ? 8 : 40)))
show(.bar(BarChart(title: "Mothers and children (10 options each; chance 10%)", bars: [
    .init(label: "A's mother is … (forward)", value: forwardOnly.forward, highlighted: true),
    .init(label: "B is the mother of … (backward)", value: forwardOnly.backward, highlighted: true),
    .init(label: "control: forward", value: bothWays.forward), .init(label: "control: backward", value: bothWays.backward)], valueLabel: "accuracy", percent: true)))
metric("forward accuracy (written only forward)", forwardOnly.forward * 100, unit: "%")
metric("backward accuracy (never written backward)", forwardOnly.backward * 100, unit: "%")
metric("control: backward accuracy when also written backward", bothWays.backward * 100, unit: "%")
claim("the reversal curse: forward beats backward (accuracy, forward − backward)", forwardOnly.forward - forwardOnly.backward, above: 0.2)
