//: # Models need tokens to think
//: "Emily buys 3 apples and 2 oranges. Each orange costs $2. The total cost of all the fruit is
//: $13. What is the cost of apples?" One assistant answers first and explains after; the other
//: works it out and answers last. A transformer does a fixed amount of computation for each
//: token it writes: the first assistant must do all the arithmetic inside the single token of its
//: answer, the second spreads it over many tokens, one small step each.
//:
//: We test that on our model. One problem family with answers a program can check (word problems
//: with 1–4 operations, the shopping problem above from Andrej Karpathy's talk "Deep Dive into
//: LLMs like ChatGPT" among them; counting a letter in a word;
//: comparing decimals), and lesson 7's assistant finetuned twice on *the same problems with the
//: same sentences* — only their order differs. Then the talk's other advice, "use code": a
//: calculator the model calls for each sum.
import Course
import Foundation

// harness: the lesson's settings (listed under Parameters at the top)
let perSize = param(
    "problems", 1500, "training word problems per number of operations", quick: 40, in: 5...5000)
let lettersPerKind = param(
    "letters", 400, "training problems of counting and of decimals", quick: 40, in: 5...5000)
let heldOutPerSize = param(
    "heldout", 100, "held-out problems per kind and size", quick: 12, in: 5...1000)
let steps = param(
    "steps", 1200, "finetuning steps on word problems (each model)", quick: 30, in: 1...20000)
let letterSteps = param(
    "letter_steps", 200, "finetuning steps on counting and decimals (each model)", quick: 20,
    in: 1...20000)
let calculatorSteps = param(
    "calculator_steps", 200, "finetuning steps teaching the worked model the calculator",
    quick: 10, in: 1...20000)
let learningRate = param(
    "lr", 1e-3, "peak learning rate of the word-problem finetunes", in: 1e-6...1e-1)
let shortLearningRate = param(
    "short_lr", 2e-3,
    "peak learning rate of the short finetunes (counting and decimals; bigger numbers)",
    in: 1e-6...1e-1)
let seed = param("seed", 1, "seed of the finetunes' batch order", in: 1...1_000_000)
// harness: the settings, the world and lesson 7's model
let settings = FinetuningSettings(
    steps: steps, batchSize: 16, learningRate: learningRate, seed: UInt64(seed))
let letterSettings = FinetuningSettings(
    steps: letterSteps, batchSize: 16, learningRate: shortLearningRate, seed: UInt64(seed))
let (world, _) = try CourseData.tinyWeb()
let sft = try PublishedModel.sft.model()
let tokenizer = sft.tokenizer

//: ## The problems
//: Names are the tiny web's people; every number along the way stays between 1 and 20 (the
//: shopping problem's total up to 40), so each step is one lookup of small numbers, all of which
//: our tokenizer keeps as single tokens.
//: **The split:** one problem in five is held out by a hash of its numbers (its word, for
//: counting), so no held-out problem repeats a training problem's numbers; they only judge the
//: claims. Settings are chosen on **validation** problems: one training-side problem in 40, kept
//: back from training.
// harness: the problem sets, kept where they fit the context, checked apart
let names = Array(Set(world.people.map(\.firstName))).sorted()
func problems(heldOut: Bool, count: Int, letters: Int? = nil) -> [Problem] {
    (1...4).flatMap {
        ProblemSet.arithmetic(count: count, operations: $0, heldOut: heldOut, names: names, seed: 9)
    }
        + ProblemSet.counting(count: letters ?? count, heldOut: heldOut, seed: 9)
        + ProblemSet.decimals(count: letters ?? count, heldOut: heldOut, seed: 9)
}
// Every problem with its worked solution fits the course model's context (quick mode's smaller
// model keeps only those that fit its own).
let chat = try sft.chatTokens()
func fits(_ p: Problem) -> Bool {
    chat.render([
        Message(.user, p.question),
        Message(.assistant, (p.citedSteps + [p.answerSentence]).joined(separator: " ")),
    ]).tokens.count
        <= sft.model.config.contextLength
}
/// Every 40th problem of a training-side list, kept back (true) or trained on (false).
func keptBack(_ problems: [Problem], _ kept: Bool) -> [Problem] {
    problems.enumerated().filter { ($0.offset % 40 == 39) == kept }.map(\.element)
}
let trainingSide = problems(heldOut: false, count: perSize, letters: lettersPerKind).filter(fits)
let training = keptBack(trainingSide, false), validation = keptBack(trainingSide, true)
let heldOut = problems(heldOut: true, count: heldOutPerSize).filter(fits)
let trainingQuestions = Set(training.map(\.question))
expect(
    "no held-out or validation problem is a training problem",
    (heldOut + validation).allSatisfy { !trainingQuestions.contains($0.question) },
    measured:
        "\(training.count) training, \(validation.count) validation, "
        + "\(heldOut.count) held-out problems")
// harness: one problem of each kind, as a table
let examples = problems(heldOut: false, count: 3)
show(
    Table(
        title: "One problem of each kind", columns: ["kind", "question", "worked steps", "answer"],
        rows: Problem.Kind.allCases.map { kind in
            let p = examples.first {
                $0.kind == kind && ($0.kind != .arithmetic || $0.operations == 3)
            }!
            return [kind.rawValue, p.question, p.citedSteps.joined(separator: " "), p.answer]
        }))

//: ## Two ways to write the same solution
//: The same sentences in two orders. The answer-first reply must produce the answer's token
//: before any working exists in its context; the worked reply reaches the answer with every
//: intermediate result written down, where attention can read it. Each step opens with the
//: sentence of the question it uses ("Kalo finds 5 more: 7 + 5 = 12."): to take its next
//: number, the model copies the next sentence rather than counting its way to it.
func worked(_ p: Problem) -> String {
    (p.citedSteps + [p.answerSentence]).joined(separator: " ")
}
func answerFirst(_ p: Problem) -> String {
    ([p.answerSentence] + p.citedSteps).joined(separator: " ")
}
func conversations(_ problems: [Problem], _ write: (Problem) -> String) -> [[Message]] {
    problems.map { [Message(.user, $0.question), Message(.assistant, write($0))] }
}
// harness: the talk's problem both ways, as a table
let talkProblem = problems(heldOut: false, count: 30).first {
    $0.question.contains("What does one lamp cost?")
}!
show(
    Table(
        title: "The talk's problem, both ways", columns: ["", "reply"],
        rows: [
            ["question", talkProblem.question], ["answer first", answerFirst(talkProblem)],
            ["worked", worked(talkProblem)],
        ]))

//: ## The verifier
//: Every reply below is checked by these rules, the same ones lesson 12's reinforcement
//: learning rewards:
show(Verifier.rules.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n"))
// harness: the verifier on some replies, as a table
let verifierExamples: [(String, Bool, String)] = [
    ("4 * 2 = 8. 13 - 8 = 5. The answer is 5 coins.", true, "5"),
    ("The answer is 4. The answer is 5.", true, "5"), ("The answer is five.", true, "5"),
    ("4 * 2 = 8. 13 - 8 =", false, "5"),
]
show(
    Table(
        title: "The verifier on some replies",
        columns: ["reply", "ended its turn", "expected", "verdict"],
        rows: verifierExamples.map {
            [
                $0.0, $0.1 ? "yes" : "no", $0.2,
                Verifier.check($0.0, endedTurn: $0.1, expected: $0.2).description,
            ]
        }))

//: ## Two finetunes, twice
//: Both orders start from lesson 7's assistant, with the same settings and the same problems.
//: Word problems get a pair of finetunes of their own, and counting and decimals another,
//: smaller pair: a model this small learns its small sums only when nothing else competes for
//: them.
//:
//: The word-problem finetunes' settings (the learning rate; each step opening with its sentence)
//: were chosen on the validation problems over three seeds (the sweeps at the end of the page),
//: never on the held-out problems the claims use.
//:
//: > **What we tried** One pair on all three kinds mixed: the worked model did far worse on word
//: > problems than when trained on them alone. Shorter runs stop before the worked order, which is
//: > learnt late and then quickly. The gap's *growth* hangs on the answer-first model at one
//: > operation: a measurement at these settings more than a law.
//: >
//: > Bare steps ("7 + 5 = 12."): on some seeds the worked model learnt one-operation problems and
//: > copied the wrong numbers into the steps of longer ones, and every claim built on it failed
//: > with it. Neither a run a third longer nor a lower learning rate mended it, and which seeds
//: > failed changed with the BLAS kernel (the stale sweeps at the end). We had first chosen the
//: > rate by the loss on a few held-out one-operation problems, which every run learns: a loss
//: > that could not tell a good run from a bad one.

// harness: a pair of finetunes for each kind of problem, from lesson 7's model
// The two finetunes of a pair do not depend on each other, so they train side by side, each on
// half the cores (`Parallel.both`); each computes the same bits as it would alone.
// `whenEnds` runs as soon as each model is trained (worked: true), while the other may train on.
func finetunePair(
    _ problems: [Problem], _ settings: FinetuningSettings, _ names: (String, String),
    whenEnds: (Finetuned, _ worked: Bool) throws -> Void = { _, _ in }
) throws -> (Finetuned, Finetuned) {
    let lossProblems = validation.filter { kept in problems.contains { $0.kind == kept.kind } }
    // Answer first trains first where the two run one after the other: lesson 12 starts from it.
    let (answerFirstModel, workedModel) = try Parallel.both(
        {
            let model = try Finetuning.run(
                settings, from: sft, conversations: conversations(problems, answerFirst),
                heldOut: conversations(lossProblems, answerFirst), name: names.1)
            try whenEnds(model, false)
            return model
        },
        {
            let model = try Finetuning.run(
                settings, from: sft, conversations: conversations(problems, worked),
                heldOut: conversations(lossProblems, worked), name: names.0)
            try whenEnds(model, true)
            return model
        })
    return (workedModel, answerFirstModel)
}
let wordTraining = training.filter { $0.kind == .arithmetic }
// Both published as soon as trained: lesson 12 starts from the answer-first one, and runs while
// this lesson goes on.
let (thinker, blurter) = try finetunePair(
    wordTraining, settings, ("worked", "answer-first"),
    whenEnds: { model, worked in
        _ = try ArtifactStore.stage(
            "written-solutions",
            inputs: ["model": Finetuning.fingerprint(model.languageModel.model)]
        ) {
            WrittenSolutions(
                workedSolutions: worked ? wordTraining.count : 0,
                answerFirstSolutions: worked ? 0 : wordTraining.count)
        }
        if worked {
            try PublishedModel.worked.publish(model.languageModel)
        } else {
            try PublishedModel.answerFirst.publish(model.languageModel)
        }
    })
let (speller, guesser) = try finetunePair(
    training.filter { $0.kind != .arithmetic }, letterSettings,
    ("worked-letters", "answer-first-letters"))
// harness: the report card's finetuning times, the loss chart
for (label, model) in [
    ("word problems, worked", thinker), ("word problems, answer first", blurter),
    ("counting and decimals, worked", speller), ("counting and decimals, answer first", guesser),
] {
    metric("finetuning time, \(label)", model.history.seconds, unit: "s")
}
// harness: greedy accuracy on the validation word problems (what a sweep over `lr` compares)
let wordValidation = validation.filter { $0.kind == .arithmetic }
for (label, model) in [("worked", thinker), ("answer first", blurter)] {
    let replies = try Assistant(model.languageModel).replies(
        to: wordValidation.map { [Message(.user, $0.question)] }, settings: .greedy,
        maxTokens: 96, seed: 0)
    metric(
        "validation word problems, \(label)",
        Rate(zip(replies, wordValidation)) {
            Verifier.check($0.0.text, endedTurn: $0.0.isWellFormed, expected: $0.1.answer).isRight
        })
}
show(
    .line(
        LineChart(
            title: "Finetuning loss on word problems (assistant tokens): training, and validation",
            xLabel: "step", yLabel: "loss (nats)",
            series: [
                .init(name: "worked", y: thinker.history.losses),
                .init(name: "answer first", y: blurter.history.losses, dashed: true),
            ]
                + [("worked, validation", thinker), ("answer first, validation", blurter)].map {
                    .init(
                        name: $0.0, x: $0.1.history.evaluations.map { Double($0.step) },
                        y: $0.1.history.evaluations.map(\.heldOut), smoothed: false)
                }, yScale: .log)))

//: ## Held-out accuracy
//: Greedy replies to every held-out problem from the model trained on its kind, checked by
//: the verifier.
// harness: greedy replies from each pair, and the verifier's accuracy
func replies(_ wordModel: Finetuned, _ lettersModel: Finetuned) throws -> [Reply] {
    func answers(_ model: Finetuned, _ problems: [Problem]) throws -> [Reply] {
        try Assistant(model.languageModel).replies(
            to: problems.map { [Message(.user, $0.question)] }, settings: .greedy, maxTokens: 96,
            seed: 0)
    }
    var word = try answers(wordModel, heldOut.filter { $0.kind == .arithmetic }).makeIterator()
    var letters = try answers(lettersModel, heldOut.filter { $0.kind != .arithmetic })
        .makeIterator()
    return heldOut.map { $0.kind == .arithmetic ? word.next()! : letters.next()! }
}
let thinkerReplies = try replies(thinker, speller)
let blurterReplies = try replies(blurter, guesser)
func verdict(_ reply: Reply, _ p: Problem) -> Verifier.Verdict {
    Verifier.check(reply.text, endedTurn: reply.isWellFormed, expected: p.answer)
}
func accuracy(_ replies: [Reply], where keep: (Problem) -> Bool) -> Rate {
    Rate(zip(replies, heldOut).filter { keep($0.1) }) { verdict($0.0, $0.1).isRight }
}
func arithmetic(_ operations: Int) -> (Problem) -> Bool {
    { $0.kind == .arithmetic && $0.operations == operations }
}
// harness: accuracy by number of operations, as a table
let sizes = Array(1...4)
show(
    Table(
        title: "Held-out word problems: accuracy by number of operations (greedy)",
        columns: ["operations", "answer first", "worked", "worked − answer first"],
        rows: sizes.map { n in
            let a = accuracy(blurterReplies, where: arithmetic(n)),
                w = accuracy(thinkerReplies, where: arithmetic(n))
            return [
                "\(n)", a.description, w.description,
                String(format: "%+.0f points", (w.value - a.value) * 100),
            ]
        }))
let workedAll = accuracy(thinkerReplies) { $0.kind == .arithmetic }
let firstAll = accuracy(blurterReplies) { $0.kind == .arithmetic }
// harness: the report card's numbers, the claims, and the page's words if one fails
metric("word problems, worked", workedAll)
metric("word problems, answer first", firstAll)
claim(
    "worked solutions beat answer-first on held-out word problems (accuracy, worked − answer "
        + "first)",
    workedAll.value - firstAll.value, above: 0.1, "at least 10 points", unit: .points)
func gap(_ n: Int) -> Double {
    accuracy(thinkerReplies, where: arithmetic(n)).value
        - accuracy(blurterReplies, where: arithmetic(n)).value
}
let growthVerdict = claim(
    "the gap grows with the number of operations (gap at 3–4 operations − gap at 1)",
    (gap(3) + gap(4)) / 2 - gap(1), above: 0.1, "10 points or more", unit: .points)
// Two ways to fail, told apart by this run's numbers: the gap is already wide at one operation,
// or the worked model's lead does not last to the long problems.
if growthVerdict.failed && gap(1) >= 0.1 {
    show(
        String(
            format: """
                The gap does not grow here: it is already %+.0f points at one operation, where \
                the answer-first model is right only %@. One operation is still two steps: find \
                the two numbers in the question, then combine them, and the worked model writes \
                the first step down ("7 + 2 =") before it does the second. For our model one sum \
                in a single token is already too much, so the gap is wide from the first \
                operation on.
                """,
            gap(1) * 100, accuracy(blurterReplies, where: arithmetic(1)).description))
} else if growthVerdict.failed {
    let longWrong = zip(thinkerReplies, heldOut).filter {
        $0.1.kind == .arithmetic && $0.1.operations >= 3 && !verdict($0.0, $0.1).isRight
    }
    let falseSum = Rate(longWrong) { Verifier.falseSteps(in: $0.0.text) > 0 }
    show(
        """
        The gap does not grow here because the worked model's lead does not last: at 3 and 4 \
        operations it is right \(accuracy(thinkerReplies, where: arithmetic(3)).description) and \
        \(accuracy(thinkerReplies, where: arithmetic(4)).description), and of its wrong replies \
        there \(falseSum.description) write a false sum; the others set the problem up wrong. \
        This is the failure "What we tried" above describes; the sweeps at the end of the page \
        show on which seeds and kernels the worked model learnt its longer problems.
        """)
}

//: ### Swiss cheese: does one score hide holes?
//: An accuracy says how often, not where. We ask held-out word problems again with their story
//: retold — three other people, and other verbs for the same sums ("finds" for "gets", "sells"
//: for "loses") — so the numbers, the sums and the answer stay the same. A model that can do a
//: problem should do all five; one that guesses may get a problem right in one telling and wrong
//: in the next.
let retoldProblems = sizes.flatMap { n in heldOut.filter(arithmetic(n)).prefix(isQuick ? 6 : 25) }
let verbSwaps = [
    ("finds", "gets"), ("gets", "finds"), ("loses", "sells"), ("sells", "loses"), ("buys", "gets"),
]
/// Problem `index`'s question with its person replaced (variants 1–3) or its verbs swapped (4).
func retold(_ index: Int, _ variant: Int) -> String {
    let p = retoldProblems[index]
    let person = String(p.question.prefix { $0 != " " })
    if variant == 0 { return p.question }
    if variant <= 3 {
        let others = names.filter { $0 != person }
        let other = others[(index * 37 + variant * 131) % others.count]
        return p.question.replacingOccurrences(of: person, with: other)
    }
    return p.question.split(separator: " ", omittingEmptySubsequences: false).map { word in
        verbSwaps.first { $0.0 == word }.map { $0.1 } ?? String(word)
    }.joined(separator: " ")
}
let variantNames = ["as asked", "person 2", "person 3", "person 4", "other verbs"]
// harness: the five askings of each problem, answered greedily and checked; a table and a chart
/// For each problem, whether each of the five askings is right.
func retoldGrid(_ model: Finetuned) throws -> [[Bool]] {
    let replies = try Assistant(model.languageModel).replies(
        to: retoldProblems.indices.flatMap { i in
            variantNames.indices.map { [Message(.user, retold(i, $0))] }
        },
        settings: .greedy, maxTokens: 96, seed: 0)
    return retoldProblems.enumerated().map { i, p in
        variantNames.indices.map { v in verdict(replies[i * variantNames.count + v], p).isRight }
    }
}
let retoldModels = [("worked", try retoldGrid(thinker)), ("answer first", try retoldGrid(blurter))]
func rightIn(_ grid: [[Bool]]) -> (all: Rate, some: Rate, none: Rate) {
    (
        Rate(grid) { $0.allSatisfy { $0 } }, Rate(grid) { $0.contains(true) && $0.contains(false) },
        Rate(grid) { !$0.contains(true) }
    )
}
show(
    Table(
        title: "\(retoldProblems.count) held-out word problems, each asked five ways (greedy)",
        columns: ["model", "right in all five", "in some, not all", "in none"],
        rows: retoldModels.map { name, grid in
            let r = rightIn(grid)
            return [name, r.all.description, r.some.description, r.none.description]
        }))
let guesserGrid = retoldModels[1].1
let mixedRows = guesserGrid.indices.filter {
    guesserGrid[$0].contains(true) && guesserGrid[$0].contains(false)
}
if !mixedRows.isEmpty {
    let shown = Array(mixedRows.prefix(6))
    show(
        .heatmap(
            Heatmap(
                title:
                    "The answer-first model on problems it gets right only sometimes (1 = right)",
                values: shown.map { guesserGrid[$0].map { $0 ? 1 : 0 } },
                rowLabels: shown.map { "\(retoldProblems[$0].operations) ops · #\($0 + 1)" },
                columnLabels: variantNames, colorbarLabel: "right", minimum: 0, maximum: 1)))
}
for (name, grid) in retoldModels {
    metric("retold five ways, \(name): right in some, not all", rightIn(grid).some)
}
// harness: what the grid shows, and the claim
show(
    "Problems right in some tellings and wrong in others: worked "
        + "\(rightIn(retoldModels[0].1).some.description), answer first "
        + "\(rightIn(guesserGrid).some.description). A model that writes its sums does the same "
        + "sums whatever the story; one that guesses the answer in one token is swayed by the "
        + "words around the numbers.")
claim(
    "a model that answers first is Swiss cheese: some problems are right in some retellings and "
        + "wrong in others (share of problems, lower end of its interval)",
    rightIn(guesserGrid).some.interval.low, above: 0, unit: .percent)

//: ### How many tokens come before the answer
//: The worked model's answer token comes after all of its working; the answer-first model's
//: after the tokens of "The answer is " whatever the problem (means over the held-out word
//: problems).
func tokensBeforeAnswer(_ reply: Reply) -> Int? {
    guard let range = reply.text.range(of: Verifier.marker) else { return nil }
    return tokenizer.encode(String(reply.text[..<range.upperBound])).count
}
func meanTokens(_ replies: [Reply], _ n: Int) -> Double {
    let counts = zip(replies, heldOut).filter { arithmetic(n)($0.1) }.compactMap {
        tokensBeforeAnswer($0.0)
    }
    return counts.isEmpty ? 0 : Double(counts.reduce(0, +)) / Double(counts.count)
}
// harness: the mean as a table
show(
    Table(
        title: "Tokens before the answer's number (mean, held-out word problems)",
        columns: ["operations", "answer first", "worked"],
        rows: sizes.map { n in
            [
                "\(n)", String(format: "%.1f", meanTokens(blurterReplies, n)),
                String(format: "%.1f", meanTokens(thinkerReplies, n)),
            ]
        }))

//: ## A calculator for the sums
//: The talk's advice for arithmetic: "use code". The worked model still does each sum in its
//: head, one token for the result. Give it a tool instead: at each step it writes the
//: expression in a call, `<|calc|>13 - 8<|/calc|>`, the runtime stops it there, evaluates the
//: expression (the library's `Calculator`: whole numbers, + − × ÷ and parentheses, exact, with
//: bounds on length, nesting and size) and injects the result, `<|result|>5<|/result|>`, as it
//: injects search results in lesson 10. The model is trained to write the calls, never the
//: results: those tokens carry no loss.
func calculatorParts(_ p: Problem) -> [TurnPart] {
    // Each step "Kalo finds 5 more: 7 + 5 = 12." becomes its cue and a call whose result the
    // tool gives.
    var parts: [TurnPart] = []
    for (i, (cue, step)) in zip(p.cues, p.steps).enumerated() {
        let expression = step.components(separatedBy: " = ")[0]
        parts.append(.text((i > 0 ? ". " : "") + cue + ": "))
        parts.append(
            .call(
                ToolCall(.calculator, input: expression, result: Calculator.result(of: expression)))
        )
    }
    return parts + [.text(". " + p.answerSentence)]
}
func calculatorConversation(_ p: Problem) -> [Message] {
    [Message(.user, p.question), Message(.assistant, parts: calculatorParts(p))]
}
//: **Bigger numbers.** Our problems keep every number up to 20, and the worked model knows
//: those sums almost by heart; a calculator earns its keep where the sums are not in the
//: weights. Both models below continue from the worked model, on the same word problems with
//: numbers up to the `bigger` setting (see Parameters), each for `calculator_steps` steps: one
//: writes each step as a sum it works out itself, the other as a call.
// harness: the setting for the largest number (listed under Parameters at the top)
let biggest = param(
    "bigger", 99, "the largest number in the calculator section's problems", in: 21...999)
// harness: the bigger-number problems, kept where they fit
/// Both solutions fit the context, worked and with calls (a held-out problem whose calls did
/// not fit could only be cut short).
func fitsWithCalls(_ p: Problem) -> Bool {
    fits(p) && chat.render(calculatorConversation(p)).tokens.count <= sft.model.config.contextLength
}
let bigTrainingSide = sizes.flatMap {
    ProblemSet.arithmetic(
        count: perSize, operations: $0, heldOut: false, names: names, seed: 9, largest: biggest)
}.filter(fitsWithCalls)
let bigTraining = keptBack(bigTrainingSide, false), bigValidation = keptBack(bigTrainingSide, true)
let bigHeldOut = sizes.flatMap {
    ProblemSet.arithmetic(
        count: heldOutPerSize, operations: $0, heldOut: true, names: names, seed: 9,
        largest: biggest)
}.filter(fitsWithCalls)
// harness: the calculator rows checked against the worked ones, and kept apart
// The calculator's results are the steps' own: the rows differ from the worked ones only by
// the calls.
expect(
    "every calculator row reads as its worked solution, and no held-out problem is a training one",
    bigTraining.allSatisfy { calculatorConversation($0)[1].text == worked($0) }
        && Set(bigTraining.map(\.question)).isDisjoint(with: bigHeldOut.map(\.question)),
    measured: "\(bigTraining.count) training, \(bigHeldOut.count) held-out word problems")
// harness: the talk's problem with calls, as a token strip
let calculatorExample = chat.render(calculatorConversation(talkProblem))
show(
    sft.weightStrip(
        "The talk's problem with calls: the result blocks are the tool's, never trained on",
        calculatorExample, valueLabel: "trained on (loss weight)"))
// harness: two finetunes from the worked model, mental sums and calculator
let calculatorSettings = FinetuningSettings(
    steps: calculatorSteps, batchSize: 16, learningRate: shortLearningRate, seed: UInt64(seed))
let bigLossProblems = bigValidation
let (mentalModel, calculatorModel) = try Parallel.both(
    {
        try Finetuning.run(
            calculatorSettings, from: thinker.languageModel,
            conversations: conversations(bigTraining, worked),
            heldOut: conversations(bigLossProblems, worked), name: "worked-bigger")
    },
    {
        try Finetuning.run(
            calculatorSettings, from: thinker.languageModel,
            conversations: bigTraining.map(calculatorConversation),
            heldOut: bigLossProblems.map(calculatorConversation), name: "worked-calculator")
    })
// harness: the report card's finetuning times, the published calculator model
metric("finetuning time, bigger numbers, mental sums", mentalModel.history.seconds, unit: "s")
metric("finetuning time, bigger numbers, calculator", calculatorModel.history.seconds, unit: "s")
try PublishedModel.workedCalculator.publish(calculatorModel.languageModel)

//: ### The tool loop, written out
//: Greedy decoding; `<|calc|>` opens an expression, `<|/calc|>` evaluates it and the result
//: block is read into the context as if the model had written it; `<|end|>` ends the turn.
//: Checked against the library's loop (which `tokenwise chat` runs for this model).
func replyWithCalculator(_ model: LanguageModel, _ question: String) -> [Int] {
    let session = InferenceSession(model: model.model)
    let (open, close) = chat.calls[.calculator]!
    var step = session.feed(chat.prompt([Message(.user, question)]).map(Int32.init))!
    var written: [Int] = [], expression: [Int]? = nil, ownTokens = 0
    while ownTokens < 96 && session.tokens.count < model.model.config.contextLength {
        let token = Sampling.ranking(step.logits)[0]
        written.append(token); ownTokens += 1
        if token == chat.end { break }
        if token == open {
            expression = []
        } else if token == close, let words = expression {
            let result = chat.resultTokens(Calculator.result(of: chat.inputText(words)))
            written += result
            step = session.feed(([token] + result).map(Int32.init))!
            expression = nil
            continue
        } else {
            expression?.append(token)
        }
        step = session.feed(Int32(token))
    }
    return written
}
// harness: the library's greedy replies from both models, on both problem sets
let calculating = try Assistant(calculatorModel.languageModel)
calculating.tools[.calculator] = Calculator.tool
func calculatorAnswers(_ problems: [Problem]) throws -> [Reply] {
    var greedy = SeededGenerator(seed: 0)
    return try problems.map {
        try calculating.reply(
            to: [Message(.user, $0.question)], settings: .greedy, maxTokens: 96, using: &greedy)
    }
}
func mentalAnswers(_ problems: [Problem]) throws -> [Reply] {
    try Assistant(mentalModel.languageModel).replies(
        to: problems.map { [Message(.user, $0.question)] }, settings: .greedy, maxTokens: 96,
        seed: 0)
}
let heldOutWords = heldOut.filter { $0.kind == .arithmetic }
let (smallMental, smallCalculator) = (
    try mentalAnswers(heldOutWords), try calculatorAnswers(heldOutWords)
)
let (bigMental, bigCalculator) = (try mentalAnswers(bigHeldOut), try calculatorAnswers(bigHeldOut))
// end harness
let loopChecked = Array(bigHeldOut.prefix(12))
let loopDifferences = loopChecked.indices.filter {
    replyWithCalculator(calculatorModel.languageModel, loopChecked[$0].question)
        != bigCalculator[$0].tokens
}
expect(
    "our calculator loop writes the library's tokens", loopDifferences.isEmpty,
    measured: "\(loopChecked.count) held-out problems, \(loopDifferences.count) differ")

//: Step through one of them: each sum the model writes as a call, the calculator's result read
//: into its context (the tool's tokens on the page), the next step built on it.
// harness: a step-through page of the first checked problem
let calculatorStepper = try Stepper(
    model: calculatorModel.languageModel,
    tokens: chat.prompt([Message(.user, loopChecked[0].question)]), settings: .greedy, seed: 1)
calculatorStepper.tools[.calculator] = Calculator.tool
while calculatorStepper.contextTokens.last != chat.end
    && calculatorStepper.recording.frames.count < 120
{
    calculatorStepper.perform(.greedy)
}
showStepThrough(
    calculatorStepper.recording, name: "calculator",
    title: "Step through worked-calculator solving “\(loopChecked[0].question)”")

//: ### Mental sums against the calculator
//: Each wrong reply has one cause, checked in this order: its format (no single "The answer
//: is", cut off), a **result cut short** (a call whose result the runtime had no room left to
//: inject in full: it keeps the context's last tokens for the answer), a **wrong sum** (a
//: written step such as "12 + 4 = 17" is false), or a **wrong setup** (every written sum true,
//: but the wrong numbers or operations chosen).
enum Cause: String, CaseIterable {
    case right, format = "format", cut = "result cut short", sum = "wrong sum"
    case setup = "wrong setup"
}
func cause(_ reply: Reply, _ p: Problem) -> Cause {
    switch Verifier.check(reply.text, endedTurn: reply.isWellFormed, expected: p.answer) {
    case .right: return .right
    case .wrong where reply.calls.contains(where: \.truncated): return .cut
    case .wrong: return Verifier.falseSteps(in: reply.text) > 0 ? .sum : .setup
    default: return .format
    }
}
// harness: how each reply ends, one table for both problem sets
struct Comparison {
    let label: String, problems: [Problem], mental: [Cause], calculator: [Cause]
}
let comparisons = [
    Comparison(
        label: "numbers up to \(biggest)", problems: bigHeldOut,
        mental: zip(bigMental, bigHeldOut).map(cause),
        calculator: zip(bigCalculator, bigHeldOut).map(cause)),
    Comparison(
        label: "numbers up to \(ProblemSet.largest)",
        problems: heldOutWords, mental: zip(smallMental, heldOutWords).map(cause),
        calculator: zip(smallCalculator, heldOutWords).map(cause)),
]
show(
    Table(
        title: "Held-out word problems (greedy): how each reply ends",
        columns: [""] + comparisons.flatMap { ["\($0.label): mental sums", "calculator"] },
        rows: Cause.allCases.map { c in
            [c.rawValue]
                + comparisons.flatMap { [$0.mental, $0.calculator] }.map { causes in
                    Rate(causes) { $0 == c }.description
                }
        }))
let big = comparisons[0]
let longBig = big.problems.indices.filter { big.problems[$0].operations >= 3 }
let mentalLong = Rate(longBig) { big.mental[$0] == .right }
let calculatorLong = Rate(longBig) { big.calculator[$0] == .right }
// harness: the report card's numbers, the claims
metric("3–4 operations, numbers up to \(biggest), worked with mental sums", mentalLong)
metric("3–4 operations, numbers up to \(biggest), worked with the calculator", calculatorLong)
let mentalSums = Rate(big.mental) { $0 == .sum }
let calculatorSums = Rate(big.calculator) { $0 == .sum }
let calculatorVerdict = claim(
    "the calculator beats mental sums on held-out 3–4-operation problems with numbers up to "
        + "\(biggest) (accuracy)",
    calculatorLong, beats: mentalLong, by: 0, atLeast: 0.1)
if calculatorVerdict.failed {
    let setups = Rate(longBig) { big.calculator[$0] == .setup }
    let workedLong = accuracy(thinkerReplies) { $0.kind == .arithmetic && $0.operations >= 3 }
    show(
        """
        The calculator does not pay here: on these problems it is right \
        \(calculatorLong.description) against mental sums' \(mentalLong.description). It \
        removes wrong sums (\(calculatorSums.description) of its replies have one, against \
        \(mentalSums.description) with mental sums), but \(setups.description) of its replies \
        here set the problem up wrong: the wrong numbers or operations, each sum true. Both \
        models continue from this run's worked model, which is right on \
        \(workedLong.description) of the course's own 3–4-operation problems: a calculator \
        computes the sums it is given, not the setup.
        """)
}
metric("replies with a wrong sum, numbers up to \(biggest), mental", mentalSums)
metric("replies with a wrong sum, numbers up to \(biggest), calculator", calculatorSums)
claim(
    "the calculator removes wrong sums (share of replies with a false step, mental − "
        + "calculator)",
    mentalSums, beats: calculatorSums)
// harness: one problem with bigger numbers, both replies
let shownBig =
    longBig.first { big.calculator[$0] == .right && big.mental[$0] == .sum } ?? longBig.first
if let shownBig {
    show(
        Table(
            title: "One held-out problem with bigger numbers", columns: ["model", "reply", "ends"],
            rows: [
                [
                    "question", big.problems[shownBig].question,
                    "answer \(big.problems[shownBig].answer)",
                ],
                ["mental sums", bigMental[shownBig].text, big.mental[shownBig].rawValue],
                [
                    "calculator", bigCalculator[shownBig].text,
                    big.calculator[shownBig].rawValue,
                ],
            ]))
}
//: Where the calculator model still goes wrong, the calls show why: a number copied wrong
//: into a call, a step written as words instead of a call, the wrong operation, or a result
//: cut short where a long question and the calls before it left no room for it.
// harness: the calculator model's first wrong replies, as a table
let calculatorMistakes = big.problems.indices.filter { big.calculator[$0] != .right }.prefix(2)
show(
    Table(
        title: "The calculator model's first wrong replies (numbers up to \(biggest))",
        columns: ["question", "calls (expression → result)", "reply", "ends"],
        rows: calculatorMistakes.map { i in
            [
                big.problems[i].question,
                bigCalculator[i].calls.map { "\($0.input) → \($0.result)" }
                    .joined(separator: "; "),
                bigCalculator[i].text, big.calculator[i].rawValue,
            ]
        }))

//: ## Counting letters: the model sees tokens, not letters
//: "How many r's are in strawberry?" The word reaches the model as a few tokens; the letters
//: inside a token are not in its input at all. Spelling the word out first puts each letter in
//: the context as a token of its own, and the count can then go one letter at a time.
// harness: a held-out word as the model reads it
let word =
    heldOut.first { $0.kind == .counting && $0.operations >= 7 }
    ?? ProblemSet.counting(word: "Karimoor", letter: "o")
let wordText = String(word.question.split(separator: " ").last!.dropLast())
show(
    .tokenStrip(
        TokenStrip(
            title: "\"\(wordText)\" as the model reads it",
            tokens: tokenizer.encode(wordText).map { .init(text: sft.label(of: $0), id: $0) })
    ))
// harness: the report card's numbers, the claim, and the page's words if it fails
let direct = accuracy(blurterReplies) { $0.kind == .counting }
let spelled = accuracy(thinkerReplies) { $0.kind == .counting }
metric("counting, asked directly (answer first)", direct)
metric("counting, spelled out first (worked)", spelled)
let spellingVerdict = claim(
    "spelling out first beats counting directly (accuracy, spelled − direct)",
    spelled.value - direct.value, above: 0.1, "at least 10 points", unit: .points)
if spellingVerdict.failed {
    show(
        """
        Here spelling out loses, and badly. Answering directly scores \(direct.description) \
        because most counts are 0 or 1 and a short guess is often right; spelling out must first \
        write every letter of a coined word it has never seen, and one wrong letter (see the \
        replies below) spoils the count. Our finetune did not teach the model to spell tokens \
        letter by letter, and a model that cannot spell gains nothing from spelling out.
        """)
}
// harness: one counting problem, both replies
if let countingIndex = heldOut.firstIndex(of: word) {
    show(
        Table(
            title: "Counting, both ways", columns: ["model", "reply", "verdict"],
            rows: [
                ["question", word.question, "answer \(word.answer)"],
                [
                    "directly", blurterReplies[countingIndex].text,
                    verdict(blurterReplies[countingIndex], word).description,
                ],
                [
                    "spelled out", thinkerReplies[countingIndex].text,
                    verdict(thinkerReplies[countingIndex], word).description,
                ],
            ]))
}

//: > **What we tried** Spelling drills added to both letter models' data ("How do you spell
//: > Misilomo?" — "Misilomo is m i s i l o m o."): spelling out first did worse, its spellings
//: > running into repeated letters ("l o u u u u …"). Part of it is the tokenizer: a word that
//: > opens a reply has no space before it, so it is other tokens than in the question ("·Kali"
//: > there, "K ali" here). A reply that opens "The word Kali is …" keeps the question's tokens:
//: > the model copied the word far more often, and still spelled none of them right.

//: ## 9.11 or 9.9?
//: Two decimals with the same whole part. Read as tokens, "9.11" ends in the token 11 and "9.9"
//: in 9, and 11 is the bigger number. The worked solution first writes 9.9 as 9.90, which turns
//: the comparison into 90 against 11. Held-out pairs, split by where the trap is.
// A trap: the answer is the one-decimal number, "9.9".
func isTrap(_ p: Problem) -> Bool { p.answer.count == 3 }
let decimalGroups: [(String, (Problem) -> Bool)] = [
    ("the shorter number is bigger (9.9 > 9.11)", { $0.kind == .decimals && isTrap($0) }),
    ("the longer number is bigger (9.95 > 9.9)", { $0.kind == .decimals && !isTrap($0) }),
]
// harness: the decimal table, and the famous pair asked both ways
show(
    Table(
        title: "Held-out decimal comparisons", columns: ["pairs", "answer first", "worked"],
        rows: decimalGroups.map {
            [
                $0.0, accuracy(blurterReplies, where: $0.1).description,
                accuracy(thinkerReplies, where: $0.1).description,
            ]
        }))
let famousPair = ["Which is bigger, 9.11 or 9.9?", "Which is bigger, 9.9 or 9.11?"]
let famousReplies = try [guesser, speller].map { model in
    try Assistant(model.languageModel).replies(
        to: famousPair.map { [Message(.user, $0)] }, settings: .greedy, maxTokens: 48, seed: 0)
}
show(
    Table(
        title: "The famous pair, asked both ways", columns: ["question", "answer first", "worked"],
        rows: famousPair.indices.map {
            [famousPair[$0], famousReplies[0][$0].text, famousReplies[1][$0].text]
        }))
//: The worked model pads the shorter number and compares two-digit numbers. Where it goes
//: wrong, is it the comparison or the copying? Its "Compare … and …" sentence should hold the
//: two numbers after the point, padded: the verifier reads only the answer, so we check the
//: sentence too.
// harness: the worked replies' comparison sentence against the one they should write
let workedDecimals = zip(thinkerReplies, heldOut).filter { $0.1.kind == .decimals }
func comparesTheRightNumbers(_ reply: Reply, _ p: Problem) -> Bool {
    let sentence = p.steps[1]
    return reply.text.contains(String(sentence[..<sentence.firstIndex(of: ":")!]))
}
let copiedRight = workedDecimals.filter { comparesTheRightNumbers($0.0, $0.1) }
let copiedWrong = workedDecimals.filter { !comparesTheRightNumbers($0.0, $0.1) }
let copyDifference = RateDifference(
    a: Rate(copiedRight) { verdict($0.0, $0.1).isRight },
    b: Rate(copiedWrong) { verdict($0.0, $0.1).isRight })
// Two questions: does a miscopy make a wrong answer likelier, and where do most wrong answers
// begin (a model that rarely miscopies can do both: likelier, yet few).
let wrongAfterMiscopy = copyDifference.b.count - copyDifference.b.hits
let wrongAnswers = wrongAfterMiscopy + copyDifference.a.count - copyDifference.a.hits
let whereItGoesWrong =
    copiedWrong.isEmpty
    ? "It never miscopied: its mistakes are in the comparison itself."
    : copiedRight.isEmpty
        ? "It never copied both right."
        : """
        With the right numbers its answer is right \(copyDifference.a.description) of the time; \
        with a number miscopied, \(copyDifference.b.description) (\(copyDifference.description)\
        \(copyDifference.interval.low > 0
            ? ": a miscopy makes a wrong answer likelier"
            : ": on this many pairs, not clearly different")). \
        Of its \(wrongAnswers) wrong answers, \(wrongAfterMiscopy) came after a miscopy: \
        \(2 * wrongAfterMiscopy > wrongAnswers
            ? "most of its mistakes begin in the copying, before the comparison."
            : "most are made in the comparison itself, with the right numbers in view.")
        """
show(
    """
    The worked model's comparison holds the right two numbers in \
    \(Rate(hits: copiedRight.count, of: workedDecimals.count).description) of the held-out pairs. \
    \(whereItGoesWrong)
    """)
// harness: the report card's numbers
metric("decimals, answer first", accuracy(blurterReplies) { $0.kind == .decimals })
metric("decimals, worked", accuracy(thinkerReplies) { $0.kind == .decimals })
