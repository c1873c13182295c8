//: # The base model's psychology
//: A pretrained model is not an assistant. It is a **document simulator**: given a beginning,
//: it continues the kind of document the beginning looks like, in the style and with the
//: "knowledge" of its training text. Because our world is generated, every claim about what
//: it knows can be checked against the truth — and against how often it saw each fact.
import Course
import Foundation

let modelFolder = param(
    "model", "",
    "a model folder to study instead of lesson 4's (trained with scripts/train_torch.py, say)")
let model = try Pretraining.baseModel(folder: modelFolder)
let (world, corpus) = try CourseData.tinyWeb()
var random = WorldRandom(seed: 6)
print("model: \(model.model.config.summary); world: \(world.people.count) people")

//: ## It dreams documents
//: Sampled from the document separator with nothing else to go on, the model writes whole
//: documents of the kinds it was trained on, in about the proportions it saw them.
let dreamCount = isQuick ? 80 : 120
let dreams = (0..<dreamCount).map {
    Pretraining.sample(model, tokens: 80, seed: UInt64(1000 + $0), temperature: 1)
}
var dreamed: [Genre: Double] = [:], seen: [Genre: Double] = [:]
for dream in dreams {
    if let genre = Genre.guess(String(dream.split(separator: "<|endoftext|>").first ?? "")) {
        dreamed[genre, default: 0] += 1
    }
}
for document in corpus.documents { seen[document.genre, default: 0] += 1 }
let dreamTotal = max(dreamed.values.reduce(0, +), 1), seenTotal = seen.values.reduce(0, +)
// harness: the two genre charts, the report card's numbers, three dreams
show(
    .smallMultiples(
        SmallMultiples(
            title: "Genres: the corpus against \(dreamCount) dreams",
            figures: [
                .bar(
                    BarChart(
                        title: "corpus (documents)",
                        bars: Genre.allCases.map {
                            .init(label: $0.rawValue, value: (seen[$0] ?? 0) / seenTotal)
                        }, valueLabel: "share", percent: true)),
                .bar(
                    BarChart(
                        title: "dreams (classified)",
                        bars: Genre.allCases.map {
                            .init(
                                label: $0.rawValue, value: (dreamed[$0] ?? 0) / dreamTotal,
                                highlighted: true)
                        }, valueLabel: "share", percent: true)),
            ], columns: 2)))
metric(
    "genre classifier accuracy on the labelled corpus",
    Rate(corpus.documents) { Genre.guess($0.text) == $0.genre })
let distance =
    Genre.allCases.reduce(0.0) {
        $0 + abs((dreamed[$1] ?? 0) / dreamTotal - (seen[$1] ?? 0) / seenTotal)
    } / 2
metric(
    "dreams recognisable as a genre", Rate(hits: Int(dreamed.values.reduce(0, +)), of: dreamCount))
metric("total variation distance between the genre shares", distance)
expect("dreamed genres follow the corpus (1 − total variation distance)", 1 - distance, above: 0.7)
show(
    Table(
        title: "Three dreams", columns: ["dream"],
        rows: dreams.prefix(3).map { [$0.replacingOccurrences(of: "\n", with: " ↵ ")] }))

//: ### Are its dreams true?
//: A dream about a person states facts with the same confidence whatever the model knows. We
//: start dreams where a biography states a birthplace — “Name was born in” — for people of three
//: fame tiers, sample at temperature 1 as above, and check the town against the world.
/// The town a continuation names first (the longest town name it starts with), if any.
func namedTown(_ continuation: String) -> String? {
    world.towns.filter { continuation.hasPrefix(" " + $0) }.max { $0.count < $1.count }
}
func dreamedBirthplace(_ person: Person, seed: UInt64) -> String? {
    var generator = SeededGenerator(seed: seed)
    let prompt = [model.startToken!] + model.tokenizer.encode("\(person.name) was born in")
    let tokens = InferenceSession(model: model.model).generate(
        prompt: prompt.map(Int32.init), count: 6, settings: SamplingSettings(temperature: 1),
        using: &generator)
    return namedTown((try? model.tokenizer.decodeText(tokens.map(Int.init))) ?? "")
}
let dreamTiers: [(name: String, people: [Person])] = [
    ("never written about", world.people.filter { $0.fame == 0 }),
    ("in one biography", world.people.filter { $0.fame == 1 }),
    ("in 16 or more", world.people.filter { $0.fame >= 16 }),
]
let dreamedFacts = dreamTiers.map { tier -> (town: Rate, true: Rate) in
    let towns = tier.people.enumerated().map { dreamedBirthplace($1, seed: 7000 + UInt64($0)) }
    return (
        Rate(towns) { $0 != nil },
        Rate(Array(zip(tier.people, towns))) { $0.1 == $0.0.birthplace }
    )
}
// harness: the dreams' towns by tier, as a table and numbers
show(
    Table(
        title: "Dreams that begin “Name was born in” (one sample per person, temperature 1)",
        columns: ["people", "dreams naming a town", "naming the true town"],
        rows: zip(dreamTiers, dreamedFacts).map { tier, facts in
            [
                "\(tier.name) (\(tier.people.count))", facts.town.description,
                facts.true.description,
            ]
        }))
for (tier, facts) in zip(dreamTiers, dreamedFacts) {
    metric("dreams naming the true birthplace, people \(tier.name)", facts.true)
    metric("dreams naming some town, people \(tier.name)", facts.town)
}
// end harness
claim(
    "dreams state facts about people never written about (share naming a town, lower end of its "
        + "interval)",
    dreamedFacts[0].town.interval.low, above: 0.5, unit: .percent)
claim(
    "the dreamed facts are true for the famous and invented for the rest (share true, 16 or more "
        + "biographies − none)",
    dreamedFacts[2].true, beats: dreamedFacts[0].true, atLeast: 0.2)
//: It dreams; some of it is right; nothing in the dream says which.

//: ## Regurgitation
//: Some passages were quoted in 1 document, others in 2, 4 … 64. Prompted with a passage's first
//: five words, does the model recite the rest? Memorisation grows with repetition.
var recited: [Int: [Double]] = [:]
for passage in world.passages {
    let words = passage.text.split(separator: " ").map(String.init)
    let continuation = ModelProbes.greedy(
        model, prompt: "liked to quote these lines: \"" + words.prefix(5).joined(separator: " "),
        tokens: 60)
    let produced = continuation.split(separator: " ").map(String.init)
    let matched = zip(words.dropFirst(5), produced).prefix {
        $0 == $1 || $0 + "." == $1 || $0 == $1 + "."
    }.count
    recited[passage.repetitions, default: []].append(Double(matched))
}
let tiers = World.passageRepetitions
let meanRecited = tiers.map {
    (recited[$0] ?? [0]).reduce(0, +) / Double(max(recited[$0]?.count ?? 1, 1))
}
// harness: the chart and the report card's numbers
show(
    .line(
        LineChart(
            title: "Verbatim recitation against repetitions",
            xLabel: "documents quoting the passage", yLabel: "words recited verbatim (of 25)",
            series: [
                .init(name: "mean over 3 passages", x: tiers.map(Double.init), y: meanRecited)
            ], xScale: .log)))
metric("words recited, passages seen once", meanRecited.first!)
metric("words recited, passages seen \(tiers.last!) times", meanRecited.last!)
claim(
    "recitation grows with repetitions (words, \(tiers.last!)× vs 1×)", meanRecited.last!,
    above: meanRecited.first!, "1×")

//: ## In-context learning: copying
//: A random sequence of words (names and towns of the world, in an order never seen), then the
//: same sequence again. The first copy is mostly unpredictable; the second can be predicted by
//: looking back at what followed the same token last time. That is the work of **induction
//: heads**, found in trained transformers of two layers or more. The real web is full of such
//: repeats (quotes, menus, code); our tiny web's forum threads quote earlier posts word for word,
//: which is where this model learned it — within minutes, where the models in which induction
//: heads were first studied formed them after billions of tokens of ordinary text.
let lengths = isQuick ? [4, 8, 12] : [4, 8, 16, 24]
let sequencesPerLength = isQuick ? 4 : 10
let wordPool = world.towns + world.people.map(\.firstName)
var firstHits = Array(repeating: 0, count: lengths.count), secondHits = firstHits,
    predictions = firstHits
let layers = model.model.config.layerCount, heads = model.model.config.headCount
var inductionScore = Array(repeating: Array(repeating: 0.0, count: heads), count: layers)
var example: (tokens: [Int], attention: [[[[Float]]]])?
// The two copies sit in the frame of the forum threads that quote lists ("Here is the list …",
// "Quoting you …"), from the document separator on, so the model reads them as the kind of
// document it knows.
let
    opening =
        [model.startToken!]
        + model.tokenizer.encode(
            "Forum\nThread: my list of names and places\nMira3: Here is the list I made for the "
                + "trip:"
        ), middle = model.tokenizer.encode("\nPell5: Quoting you for the others:")
for (index, words) in lengths.enumerated() {
    for _ in 0..<sequencesPerLength {
        var half: [Int] = []
        for _ in 0..<words {
            let next = model.tokenizer.encode(" " + random.pick(wordPool))
            if opening.count + middle.count + 2 * (half.count + next.count)
                > model.model.config.contextLength
            {
                break
            }
            half += next
        }
        let firstStart = opening.count, secondStart = opening.count + half.count + middle.count
        let sequence = opening + half + middle + half
        let session = InferenceSession(model: model.model)
        var rows: [[[[Float]]]] = []
        for (position, token) in sequence.enumerated() {
            let step = session.feed(Int32(token))
            rows.append(step.attention)
            // Predictions of the tokens of each copy after its first (which nothing can predict).
            guard position + 1 < sequence.count else { continue }
            let hit = Sampling.ranking(step.logits)[0] == sequence[position + 1]
            if position >= firstStart && position < firstStart + half.count - 1 {
                firstHits[index] += hit ? 1 : 0
            }
            if position >= secondStart {
                secondHits[index] += hit ? 1 : 0; predictions[index] += 1
                // An induction head attends to the token after this one's earlier occurrence.
                let earlier = position - secondStart + firstStart
                for l in 0..<layers {
                    for h in 0..<heads {
                        inductionScore[l][h] += Double(step.attention[l][h][earlier + 1])
                    }
                }
            }
        }
        if example == nil && words >= 8 { example = (sequence, rows) }
    }
}
// harness: the accuracies, their chart and the report card's numbers
// Each copy has as many predictions (all its tokens after the first).
let firstRates = lengths.indices.map { Double(firstHits[$0]) / Double(predictions[$0]) },
    secondRates = lengths.indices.map { Double(secondHits[$0]) / Double(predictions[$0]) }
let allPredictions = Double(predictions.reduce(0, +))
let firstAccuracy = Double(firstHits.reduce(0, +)) / allPredictions,
    secondAccuracy = Double(secondHits.reduce(0, +)) / allPredictions
show(
    .line(
        LineChart(
            title: "Next-token accuracy on a random sequence repeated twice",
            xLabel: "words in the sequence", yLabel: "accuracy (greedy next token)",
            series: [
                .init(
                    name: "first copy (unpredictable)", x: lengths.map(Double.init), y: firstRates),
                .init(name: "second copy (copyable)", x: lengths.map(Double.init), y: secondRates),
            ])))
for index in lengths.indices {
    metric(
        "accuracy on the second copy, \(lengths[index]) words",
        Rate(hits: secondHits[index], of: predictions[index]))
}
metric(
    "accuracy, first copy (all lengths)",
    Rate(hits: firstHits.reduce(0, +), of: predictions.reduce(0, +)))
metric(
    "accuracy, second copy (all lengths)",
    Rate(hits: secondHits.reduce(0, +), of: predictions.reduce(0, +)))
claim(
    "copying works in context (accuracy, second copy − first copy)", secondAccuracy - firstAccuracy,
    above: 0.3, unit: .points)
// end harness
let best = (0..<layers).flatMap { l in (0..<heads).map { (l, $0) } }.max {
    inductionScore[$0.0][$0.1] < inductionScore[$1.0][$1.1]
}!
let perQuery = inductionScore[best.0][best.1] / allPredictions
metric(
    "induction score of layer \(best.0 + 1) head \(best.1 + 1) (attention on the earlier next "
        + "token)",
    perQuery)
// harness: the best head's attention on one example, as a heatmap
if let example {
    let n = example.tokens.count
    let matrix = (0..<n).map { i in
        (0..<n).map { j in
            j < example.attention[i][best.0][best.1].count
                ? Double(example.attention[i][best.0][best.1][j]) : 0
        }
    }
    let labels = example.tokens.map { model.label(of: $0) }
    show(
        .heatmap(
            Heatmap(
                title:
                    "Layer \(best.0 + 1) head \(best.1 + 1) on a repeated sequence: the "
                    + "off-diagonal stripe is induction",
                values: matrix, rowLabels: labels, columnLabels: labels, colorbarLabel: "attention",
                maskUpperTriangle: true, minimum: 0, maximum: 1)))
}

//: ## A conversation-shaped prompt makes a rough assistant
//: Ask a base model a question and it continues *a document that begins with a question*:
//: whatever such documents hold next — the question again, a biography. Shape the prompt like
//: the forum threads it read, ending where a reply begins, and the likeliest next line is an
//: answer. Each format below: does the first line the model writes say where the person was born?
let asked = Array(world.people.filter { $0.fame >= 8 }.prefix(isQuick ? 10 : 30))
let formats: [(name: String, prompt: (Person) -> String)] = [
    ("a bare question", { "Where was \($0.name) born?\n" }),
    ("an instruction", { "Please tell me the birthplace of \($0.name).\n" }),
    (
        "a forum thread",
        { "Thread: where was \($0.name) born?\nJuno7: Where was \($0.name) born?\nWren12:" }
    ),
]
var answered = Array(repeating: 0, count: formats.count),
    correct = Array(repeating: 0, count: formats.count)
var shown: [[String]] = []
for person in asked {
    let firstLines = formats.map { format in
        String(
            ModelProbes.greedy(model, prompt: format.prompt(person), tokens: 24).split(
                separator: "\n", omittingEmptySubsequences: false)[0])
    }
    for (index, line) in firstLines.enumerated() {
        if line.contains(" born in ") { answered[index] += 1 }
        if line.contains(" born in \(person.birthplace)") { correct[index] += 1 }
    }
    if shown.count < 3 { shown.append([person.name] + firstLines) }
}
// harness: the first lines as a table, the chart, the report card's numbers
show(
    Table(
        title: "The first line of each greedy continuation",
        columns: ["person"] + formats.map(\.name), rows: shown))
let answerRates = answered.map { Double($0) / Double(asked.count) }
show(
    .bar(
        BarChart(
            title: "First line says where they were born (\(asked.count) people)",
            bars: formats.indices.map {
                .init(
                    label: formats[$0].name, value: answerRates[$0],
                    highlighted: $0 == formats.count - 1)
            }, valueLabel: "share", percent: true)))
for index in formats.indices {
    metric(
        "answers in the first line, \(formats[index].name)",
        Rate(hits: answered[index], of: asked.count))
    metric(
        "correct birthplace in the first line, \(formats[index].name)",
        Rate(hits: correct[index], of: asked.count))
}
let bestOther = formats.indices.dropLast().max { answered[$0] < answered[$1] }!
claim(
    "the conversation-shaped prompt answers more often (share, thread − best other format)",
    Rate(hits: answered.last!, of: asked.count),
    beats: Rate(hits: answered[bestOther], of: asked.count))
//: Answering is not knowing. The thread's format makes the model *answer*; whether the town it
//: names is right depends on what it remembers — compare the shares of *correct* birthplaces
//: above. Finetuning on conversations, later in the course, makes the answering form a habit.

//: ## Vague recollection against working memory
//: Knowledge in the weights is a vague recollection of the training text: good for facts seen
//: often, poor for facts seen once. Knowledge in the prompt is working memory: the model can
//: read it back directly. Each question: the true birthplace among ten towns, by likelihood.
let fameTiers = World.fameTiers.map(\.fame)
var recall: [Int: (without: Rate, with: Rate)] = [:]
for fame in fameTiers {
    let people = Array(world.people.filter { $0.fame == fame }.prefix(isQuick ? 6 : 50))
    var without = 0, with = 0
    for person in people {
        let options =
            ([person.birthplace]
            + world.towns.filter { $0 != person.birthplace }.shuffled(using: &random).prefix(9))
            .shuffled(using: &random)
        let truth = options.firstIndex(of: person.birthplace)!
        if ModelProbes.multipleChoice(model, prompt: "\(person.name) was born in", options: options)
            == truth
        {
            without += 1
        }
        let memo =
            "Thread: where was \(person.name) born?\nJuno7: \(person.name) was born in "
            + "\(person.birthplace).\nWren12: Yes, \(person.name) was born in"
        if ModelProbes.multipleChoice(model, prompt: memo, options: options) == truth { with += 1 }
    }
    recall[fame] = (Rate(hits: without, of: people.count), Rate(hits: with, of: people.count))
}
// harness: the chart and the report card's numbers
show(
    .line(
        LineChart(
            title: "Birthplace accuracy against how often the person was written about",
            xLabel: "biographies in the crawl (0 = never)", yLabel: "accuracy (10 options)",
            series: [
                .init(
                    name: "from memory", x: fameTiers.map(Double.init),
                    y: fameTiers.map { recall[$0]!.without.value }),
                .init(
                    name: "fact in the prompt", x: fameTiers.map(Double.init),
                    y: fameTiers.map { recall[$0]!.with.value }, dashed: true),
            ],
            references: [.init(y: 0.1, label: "chance")])))
let rare = recall[0]!.without.value, rareWith = recall[0]!.with.value
metric("accuracy from memory, people never written about", recall[0]!.without)
metric("accuracy with the fact in the prompt, same people", recall[0]!.with)
metric("accuracy from memory, people seen once", recall[1]!.without)
metric("accuracy from memory, people seen 32 times", recall[32]!.without)
claim(
    "the fact in the prompt beats memory for people never written about (accuracy, with − without)",
    rareWith - rare, above: 0.2, unit: .points)
claim(
    "memory improves with exposure (accuracy, 32 biographies − none)",
    recall[32]!.without, beats: recall[0]!.without)

//: ## The reversal curse
//: Half of the people's mothers are only ever written one way, in their biographies: “A's
//: mother is B”. The model learns A → B, but does it learn B → A? The other half is the
//: control: their mothers are also written “B is the mother of A”, as often, on family-record
//: pages that never mention A otherwise — so the model must recall A, not copy it from the page.
//: If the control answers backwards and the cursed half does not, the direction is the cause.
func reversal(_ people: [Person]) -> (forward: Rate, backward: Rate) {
    var forward = 0, backward = 0
    for person in people {
        let others = people.filter { $0.id != person.id }
        let mothers = ([person.mother] + others.map(\.mother).shuffled(using: &random).prefix(9))
            .shuffled(using: &random)
        let pickedMother = ModelProbes.multipleChoice(
            model, prompt: "\(person.name)'s mother is", options: mothers)
        if pickedMother == mothers.firstIndex(of: person.mother)! { forward += 1 }
        let children = ([person.name] + others.map(\.name).shuffled(using: &random).prefix(9))
            .shuffled(using: &random)
        let pickedChild = ModelProbes.multipleChoice(
            model, prompt: "\(person.mother) is the mother of", options: children)
        if pickedChild == children.firstIndex(of: person.name)! { backward += 1 }
    }
    return (Rate(hits: forward, of: people.count), Rate(hits: backward, of: people.count))
}
let wellKnown = world.people.filter { $0.fame >= 8 }
let forwardOnly = reversal(Array(wellKnown.filter(\.motherOnlyForward).prefix(isQuick ? 8 : 40)))
let bothWays = reversal(Array(wellKnown.filter { !$0.motherOnlyForward }.prefix(isQuick ? 8 : 40)))
// harness: the chart and the report card's numbers
show(
    .bar(
        BarChart(
            title: "Mothers and children (10 options each; chance 10%)",
            bars: [
                .init(
                    label: "A's mother is … (forward)", value: forwardOnly.forward.value,
                    highlighted: true),
                .init(
                    label: "B is the mother of … (backward)", value: forwardOnly.backward.value,
                    highlighted: true),
                .init(label: "control: forward", value: bothWays.forward.value),
                .init(label: "control: backward", value: bothWays.backward.value),
            ], valueLabel: "accuracy", percent: true)))
metric("forward accuracy (written only forward)", forwardOnly.forward)
metric("backward accuracy (never written backward)", forwardOnly.backward)
metric("control: forward accuracy", bothWays.forward)
metric("control: backward accuracy (also written backward, on other pages)", bothWays.backward)
claim(
    "the reversal curse: forward beats backward (accuracy, forward − backward)",
    forwardOnly.forward.value - forwardOnly.backward.value, above: 0.2, unit: .points)
claim(
    "the direction is the cause: backward accuracy, control − never written backward",
    bothWays.backward.value - forwardOnly.backward.value, above: 0.2, unit: .points)
