//: # Reinforcement learning: practice on problems a program can check
//: "We generated 15 solutions. Only 4 of them got the right answer. Take the top solution (each
//: right and short). Train on it. Repeat many, many times." Lesson 11 wrote its models' solutions
//: for them, and so told each how to write: the steps, then the answer; or the answer, then the
//: steps. Here nobody tells the model how. It starts from a model that has seen both of lesson 11's
//: styles, answer first far more often than worked, and writes both; it practises on training
//: problems, lesson 11's verifier checks each final answer, and the model is trained on what came
//: out right. The only signal is whether the answer was right — never the style, never a written
//: solution. Does it discover that working before answering pays?
import Course
import Foundation

// harness: the lesson's settings (listed under Parameters at the top)
let rounds = param("rounds", 5, "rounds of sample, check, train", quick: 2, in: 1...50)
let k = param("k", 15, "solutions sampled per problem", quick: 4, in: 2...64)
let perRound = param("problems", 128, "training problems per round", quick: 8, in: 1...5000)
let heldOutPerSize = param(
    "heldout", 50, "held-out problems per number of operations", quick: 6, in: 1...1000)
let temperature = param(
    "temperature", 1.0, "sampling temperature of the practice solutions", in: 0.05...2.0)
let learningRate = param("lr", 2e-5, "learning rate of the updates", in: 1e-7...1e-2)
let startProblems = param(
    "start_problems", 1500, "word problems per number of operations the mixed start learns from",
    quick: 40, in: 5...5000)
let startSteps = param(
    "start_steps", 300, "finetuning steps of the mixed start", quick: 10, in: 1...20000)
let startRate = param("start_lr", 1e-3, "peak learning rate of the mixed start", in: 1e-6...1e-1)
let workedShare = param(
    "worked_share", 0.33,
    "share of the mixed start's solutions written worked (the rest answer first)",
    in: 0.0...1.0)
let seed = param(
    "seed", 1, "seed of the mixed start's batch order and of the practice samples",
    in: 1...1_000_000)
// Each run of practice draws its samples from its own stream; seed 1 is the course's.
let practiceOffset = UInt64(seed - 1) * 1_000_003
let problemsPerStep = 8   // one optimiser step on the rows of this many problems
// A reply still writing after this many tokens (or at the context's end) is cut off, and wrong.
let maxTokens = 96
// harness: the world, lesson 7's model and its chat tokens
let (world, _) = try CourseData.tinyWeb()
let sft = try PublishedModel.sft.model()
let names = Array(Set(world.people.map(\.firstName))).sorted()
let chat = try sft.chatTokens()

//: ## The start: both styles, mixed
//: Lesson 11's answer-first model, which has only ever seen answers first, finetuned a little
//: further on lesson 11's training word problems with a share of the solutions written worked
//: (`worked_share`, a third by default, spread evenly) and the rest answer first: a student who
//: has mostly seen answers, and some worked examples. The start has seen both, answer first far
//: more often; which one it writes is up to its sampling. The steps are lesson 11's (each opening
//: with the sentence it uses), and the finetune takes lesson 11's learning rate for word
//: problems for `start_steps` steps: practice can only choose among what the start can do, so
//: the start must have learnt to work a sum on every seed. Its steps are few because the model
//: already writes every step, after its answer; it only learns that a reply may open with them.
//: The sweeps at the end of the page run it for half and twice as many.
// harness: lesson 11's answer-first model, and the start's problems and finetune
let answerFirstModel = try PublishedModel.answerFirst.model()
struct NotInStore: Error, CustomStringConvertible { let description: String }
let lesson11Written: WrittenSolutions = try ArtifactStore.stage(
    "written-solutions", inputs: ["model": Finetuning.fingerprint(answerFirstModel.model)]
) {
    throw NotInStore(
        description:
            "lesson 11's count of the written solutions behind '\(PublishedModel.answerFirst)' "
            + "is not in the store: run lesson 11 again (tokenwise run 11)")
}
func worked(_ p: Problem) -> String {
    (p.citedSteps + [p.answerSentence]).joined(separator: " ")
}
func answerFirst(_ p: Problem) -> String {
    ([p.answerSentence] + p.citedSteps).joined(separator: " ")
}
func fitsContext(_ p: Problem) -> Bool {
    chat.render([Message(.user, p.question), Message(.assistant, worked(p))]).tokens.count
        <= sft.model.config.contextLength
}
let startTraining = (1...4).flatMap {
    ProblemSet.arithmetic(
        count: startProblems, operations: $0, heldOut: false, names: names, seed: 9)
}.filter(fitsContext)
/// Whether the i-th solution is written worked: `workedShare` of them, spread evenly.
func isWorked(_ i: Int) -> Bool {
    Int((Double(i + 1) * workedShare).rounded(.down))
        > Int((Double(i) * workedShare).rounded(.down))
}
func startConversation(_ i: Int, _ p: Problem) -> [Message] {
    [Message(.user, p.question), Message(.assistant, isWorked(i) ? worked(p) : answerFirst(p))]
}
let startConversations = startTraining.enumerated().map(startConversation)
let writtenWorked = startTraining.indices.filter(isWorked).count
let mixed = try Finetuning.run(
    FinetuningSettings(
        steps: startSteps, batchSize: 16, learningRate: startRate, seed: UInt64(seed)),
    from: answerFirstModel, conversations: startConversations,
    heldOut: [], name: "mixed-styles")   // no loss curve: the page measures the start itself
metric("finetuning time, the mixed start", mixed.history.seconds, unit: "s")
let start = mixed.languageModel

//: ## The problems
//: Lesson 11's word problems (1–4 operations): the held-out ones are drawn as lesson 11's are
//: (the same generator and split), and training problems are drawn fresh for each round. Only
//: the question is given; the model writes the rest.
// harness: the practice pool and the held-out problems, kept where they fit
// Lesson 11's rule: the question and its worked solution fit the context; and the question
// leaves the room a reply gets (a quarter of the context; quick mode's small model fits almost
// no worked solution, so there the room alone, enough to run each step).
let replyRoom = min(maxTokens, start.model.config.contextLength / 4)
func fits(_ p: Problem) -> Bool {
    let prompt = chat.prompt([Message(.user, p.question)]).count + replyRoom
    let whole = chat.render([Message(.user, p.question), Message(.assistant, worked(p))]).tokens
        .count
    let needed = isQuick ? prompt : max(prompt, whole)
    return needed <= start.model.config.contextLength
}
var seededShuffle = SeededGenerator(seed: 10)
let pool = (1...4).flatMap {
    ProblemSet.arithmetic(
        count: rounds * perRound / 2 + 8, operations: $0, heldOut: false, names: names, seed: 10)
}
.filter(fits).shuffled(using: &seededShuffle)
let heldOut = (1...4).flatMap {
    ProblemSet.arithmetic(
        count: heldOutPerSize, operations: $0, heldOut: true, names: names, seed: 9)
}.filter(fits)
// A third of them, for the k-sample measures.
let passProblems = stride(from: 0, to: heldOut.count, by: 3).map { heldOut[$0] }
expect(
    "no held-out problem is a training problem",
    Set(pool.map(\.question) + startTraining.map(\.question)).isDisjoint(
        with: heldOut.map(\.question)),
    measured: "\(pool.count) practice, \(startTraining.count) start, \(heldOut.count) held-out "
        + "problems")

//: ### Which style a reply is in
//: A reply *works first* when it does not open with "The answer is": it writes something —
//: the steps — before it commits to an answer. The verifier never reads this; we do, to see
//: what practice does to the style. **Tokens before the answer** counts the reply's tokens up
//: to and including "The answer is ".
func worksFirst(_ reply: Reply) -> Bool { !reply.text.hasPrefix(Verifier.marker) }
func tokensBeforeAnswer(_ reply: Reply) -> Int? {
    guard let range = reply.text.range(of: Verifier.marker) else { return nil }
    return sft.tokenizer.encode(String(reply.text[..<range.upperBound])).count
}

//: ## One round, in our own code
//: **Sample** k solutions to each problem (batched: the k samples of one problem share its
//: prompt's cache). **Check** each with the verifier: a reply cut off at the token limit is
//: wrong and never trained on. **Select** the top one: the right solution the model wrote most
//: often, the shortest among ties (why not simply the shortest? a table below compares the
//: two). **Train** on it exactly as in finetuning — the loss on the reply's own tokens, the
//: prompt given.
struct Attempt {
    let reply: Reply
    let verdict: Verifier.Verdict
    var isRight: Bool { verdict.isRight }
    var length: Int { reply.tokens.count }
}
func attempts(
    _ policy: LanguageModel, _ problems: [Problem], k: Int, settings: SamplingSettings, seed: UInt64
) throws -> [[Attempt]] {
    let samples = try Assistant(policy).samples(
        for: problems.map { [Message(.user, $0.question)] }, count: k,
        settings: settings, maxTokens: maxTokens, seed: seed)
    return zip(samples, problems).map { replies, problem in
        replies.map {
            Attempt(
                reply: $0,
                verdict: Verifier.check(
                    $0.text, endedTurn: $0.isWellFormed, expected: problem.answer))
        }
    }
}
func shortestRight(_ tries: [Attempt]) -> Attempt? {
    tries.filter(\.isRight).min { $0.length < $1.length }
}
/// The right solution written most often; the shortest among equally frequent ones.
func topRight(_ tries: [Attempt]) -> Attempt? {
    let right = tries.filter(\.isRight)
    let counts = Dictionary(right.map { ($0.reply.text, 1) }, uniquingKeysWith: +)
    return right.min { (-counts[$0.reply.text]!, $0.length) < (-counts[$1.reply.text]!, $1.length) }
}
/// The prompt and the reply's own sampled tokens, each reply token weighted `weight`.
func trainingRow(_ problem: Problem, _ attempt: Attempt, weight: Float) -> RenderedChat {
    let prompt = chat.prompt([Message(.user, problem.question)])
    return RenderedChat(
        tokens: prompt + attempt.reply.tokens,
        weights: [Float](repeating: 0, count: prompt.count)
            + [Float](repeating: weight, count: attempt.length))
}
/// Expert iteration: the top right solution of each problem, weight 1.
func keepTopRight(_ problem: Problem, _ tries: [Attempt]) -> [RenderedChat] {
    topRight(tries).map { [trainingRow(problem, $0, weight: 1)] } ?? []
}

//: ### The policy-gradient variant
//: REINFORCE with a per-problem baseline: each solution's reward is 1 if right, 0 if not; its
//: *advantage* is the reward minus the mean reward of the k solutions to the same problem. Every
//: token of a solution gets its advantage as the loss weight, so right solutions are made more
//: likely and wrong ones less, in proportion to how surprising they were. A problem whose k
//: solutions are all right or all wrong teaches nothing (every advantage is 0). Cut-off
//: solutions count as 0 in the baseline but are never trained on.
func advantageWeighted(_ problem: Problem, _ tries: [Attempt]) -> [RenderedChat] {
    let baseline = Double(tries.filter(\.isRight).count) / Double(tries.count)
    return tries.compactMap { attempt in
        let advantage = (attempt.isRight ? 1 : 0) - baseline
        guard advantage != 0, attempt.verdict != .truncated else { return nil }
        return trainingRow(problem, attempt, weight: Float(advantage))
    }
}

// harness: what a round measures on held-out problems, kept per round
/// What one round measured.
struct RoundRecord: Codable {
    var round: Int
    var greedy: Rate   // held-out, greedy
    var greedyByOperations: [Rate]   // the same, for 1, 2, 3 and 4 operations
    var passAt1: Double   // held-out, mean share right of k samples
    var passAt1Problems: [Double]   // per problem, for the interval
    var passAtK: Rate   // held-out, ≥ 1 of k right
    var trainedOnShare: Rate?   // training problems with ≥ 1 right sample this round
    var meanLength: Double   // tokens per held-out sample
    var worksFirst: Rate   // held-out samples that work before answering
    var greedyWorksFirst: Rate   // the same, greedy
    var tokensBeforeAnswer: Mean   // held-out samples that give an answer
    var rows = 0
    var seconds = 0.0   // the round itself: sample, check, select, train
    var measuringSeconds = 0.0   // the held-out measures after it
}

/// Held-out measures of the current policy.
func measure(_ policy: LanguageModel, round: Int) throws -> RoundRecord {
    let greedy = try Assistant(policy).replies(
        to: heldOut.map { [Message(.user, $0.question)] }, settings: .greedy, maxTokens: maxTokens,
        seed: 0)
    let right = zip(greedy, heldOut).map {
        Verifier.check($0.0.text, endedTurn: $0.0.isWellFormed, expected: $0.1.answer).isRight
    }
    let byOperations = (1...4).map { n in
        Rate(zip(right, heldOut).filter { $0.1.operations == n }) { $0.0 }
    }
    let sampled = try attempts(
        policy, passProblems, k: k, settings: SamplingSettings(temperature: Float(temperature)),
        seed: 9_000)
    let shares = sampled.map { Double($0.filter(\.isRight).count) / Double(k) }
    let samples = Array(sampled.joined())
    let lengths = samples.map(\.length)
    return RoundRecord(
        round: round, greedy: Rate(right) { $0 }, greedyByOperations: byOperations,
        passAt1: shares.reduce(0, +) / Double(shares.count), passAt1Problems: shares,
        passAtK: Rate(sampled) { $0.contains(where: \.isRight) }, trainedOnShare: nil,
        meanLength: Double(lengths.reduce(0, +)) / Double(max(1, lengths.count)),
        worksFirst: Rate(samples) { worksFirst($0.reply) },
        greedyWorksFirst: Rate(greedy) { worksFirst($0) },
        tokensBeforeAnswer: Mean(
            samples.compactMap { tokensBeforeAnswer($0.reply) }.map(Double.init)))
}

//: ### The loop
//: One optimiser for the whole run (AdamW, no weight decay, the learning rate warmed up over
//: the first 10 steps, then constant). Each step takes the rows of 8 problems, in order: all
//: the samples of a problem are in the same step, so their advantages, which sum to zero
//: (cut-off samples aside), cancel on the tokens they share, and what is left pushes right
//: solutions up and wrong ones down where they differ.
//:
//: **Why so small a learning rate (2e-5).** A fresh AdamW moves every weight by about the
//: learning rate at each step, whatever the gradient's size. In a trial run we continued
//: finetuning an earlier model of lesson 11 with this loop on *its own written solutions* —
//: perfect data: at a rate a few times larger its held-out greedy accuracy fell, and at this one
//: it rose a little. A rate that damages the model on perfect data cannot show what practice
//: does. `tokenwise sweep 12 --set lr=2e-5,5e-5,1e-4` measures what the rate does to practice on
//: your machine.
/// Packed rows as a batch, cut after the last position any row trains on. A solution is
/// shorter than the context, so rows end in padding; the model being causal, the positions
/// after the last trained one change neither the loss nor anything before them. The same step
/// for less work (checked on the gallery's samples below).
func trimmedBatch(_ rows: [RenderedChat]) -> TrainingBatch {
    let end = max(1, rows.map { $0.weights.lastIndex { $0 != 0 } ?? 0 }.max()!)
    return Finetuning.batch(
        rows.map {
            RenderedChat(tokens: Array($0.tokens[...end]), weights: Array($0.weights[...end]))
        })
}
typealias Select = (Problem, [Attempt]) -> [RenderedChat]
func reinforce(
    _ name: String, from first: LanguageModel, measured initial: RoundRecord, select: Select,
    measuringEveryRound: Bool = true
) throws -> (LanguageModel, [RoundRecord]) {
    let policy = try LanguageModel(
        name: name, model: Finetuning.copy(first.model), tokenizer: first.tokenizer,
        chatFormat: first.chatFormat)
    let trainer = Trainer(
        model: policy.model,
        settings: .stepped(
            schedule: .constant(Float(learningRate), warmupSteps: 10),
            optimizer: AdamWSettings(weightDecay: 0)))
    var records = [initial]
    for round in 1...rounds {
        let began = Date()
        let first = ((round - 1) * perRound) % pool.count
        let problems = Array(pool[first..<min(pool.count, first + perRound)])
        let tries = try attempts(
            policy, problems, k: k, settings: SamplingSettings(temperature: Float(temperature)),
            seed: UInt64(round) * 100_003 + practiceOffset)
        let perProblem = zip(problems, tries).map(select).filter { !$0.isEmpty }
        let batches = stride(from: 0, to: perProblem.count, by: problemsPerStep).map { i in
            trimmedBatch(
                Finetuning.packRows(
                    Array(perProblem[i..<min(i + problemsPerStep, perProblem.count)].joined()),
                    length: start.model.config.contextLength + 1, padding: chat.start))
        }
        for batch in batches { trainer.step(on: batch) }
        // A run whose page shows only its start and its end is measured only there.
        if !measuringEveryRound && round < rounds {
            progress("\(name): round", step: round, of: rounds)
            continue
        }
        let practised = Date()
        var record = try measure(policy, round: round)
        record.trainedOnShare = Rate(tries) { $0.contains(where: \.isRight) }
        record.rows = perProblem.joined().count
        record.seconds = practised.timeIntervalSince(began)
        record.measuringSeconds = Date().timeIntervalSince(practised)
        records.append(record)
        progress("\(name): round", step: round, of: rounds)
    }
    return (policy, records)
}

// harness: round zero, measured once per starting model and stored
// Round 0 is the same for both methods: measured once per starting model, and stored.
struct StartSettings: Encodable {
    let start: String, heldOutPerSize: Int, k: Int, temperature: Double, code: String
}
func measuredStart(_ model: LanguageModel) throws -> RoundRecord {
    let settings = StartSettings(
        start: Finetuning.fingerprint(model.model), heldOutPerSize: heldOutPerSize, k: k,
        temperature: temperature, code: LessonContext.codeHash)
    return try stage("rl-start", settings: settings) { try measure(model, round: 0) }
}
let initial = try measuredStart(start)

//: ## Fifteen tries at one problem
//: The starting model's k solutions to one training problem, each checked. Expert iteration
//: keeps the top right one; the policy gradient weighs every solution by its advantage. The
//: verifier reads only the final answer; the "steps" column checks each written sum too, for
//: us — nothing is trained on it.
let galleryProblem = pool.first { $0.operations == 3 } ?? pool[0]
let gallery = try attempts(
    start, [galleryProblem], k: k, settings: SamplingSettings(temperature: Float(temperature)),
    seed: 1)[0]
let galleryBaseline = Double(gallery.filter(\.isRight).count) / Double(k)
let keptIndex = topRight(gallery).flatMap { kept in
    gallery.firstIndex { $0.reply.tokens == kept.reply.tokens }
}
// harness: the samples as a table, with their advantages and the kept one
show(
    Table(
        title:
            "\(k) sampled solutions to: \(galleryProblem.question) (answer "
            + "\(galleryProblem.answer))",
        columns: ["#", "solution", "tokens", "verdict", "steps", "advantage", "kept"],
        rows: gallery.enumerated().map { i, attempt in
            [
                "\(i + 1)", attempt.reply.text, "\(attempt.length)",
                attempt.isRight ? "✓ right" : "✗ \(attempt.verdict.description)",
                Verifier.falseSteps(in: attempt.reply.text) == 0
                    ? "all true" : "\(Verifier.falseSteps(in: attempt.reply.text)) false",
                attempt.verdict == .truncated
                    ? "not trained"
                    : String(format: "%+.2f", (attempt.isRight ? 1 : 0) - galleryBaseline),
                i == keptIndex ? "★ top right" : "",
            ]
        }))

//: ### Right for the wrong reason
//: A solution can reach the right answer through a false step ("Kalo finds 4 more: 12 + 4 = 17.
//: Kalo loses 2: 17 + 2 = 18."): two slips that cancel. An answer-first solution can be right
//: whatever its steps say, since the answer comes before them. Trained on, such a solution teaches
//: the slips, so which right solution we keep may matter. Over the first round's problems: the
//: share of kept solutions with a false step when we keep the shortest right one against the one
//: written most often. A false step is only what this check can see: a right solution whose every
//: written sum is true can still be built from numbers the problem does not give, and the verifier
//: counts it right too.
let luckyProblems = Array(pool.prefix(min(perRound, 32)))
let luckyTries = try attempts(
    start, luckyProblems, k: k, settings: SamplingSettings(temperature: Float(temperature)), seed: 2
)
let rightSamples = luckyTries.joined().filter(\.isRight)
let shortestKept = luckyTries.compactMap(shortestRight), topKept = luckyTries.compactMap(topRight)
// harness: right solutions with a false step, as a table
show(
    Table(
        title:
            "Right solutions with a false step (\(luckyProblems.count) training problems, k = "
            + "\(k))",
        columns: ["right solutions", "share with a false step"],
        rows: [
            [
                "every right sample",
                Rate(rightSamples) { Verifier.falseSteps(in: $0.reply.text) > 0 }.description,
            ],
            [
                "kept: the shortest right",
                Rate(shortestKept) { Verifier.falseSteps(in: $0.reply.text) > 0 }.description,
            ],
            [
                "kept: the most often written right",
                Rate(topKept) { Verifier.falseSteps(in: $0.reply.text) > 0 }.description,
            ],
        ]))
let ruleGap = RateDifference(
    a: Rate(topKept) { Verifier.falseSteps(in: $0.reply.text) > 0 },
    b: Rate(shortestKept) { Verifier.falseSteps(in: $0.reply.text) > 0 })
show(
    "Most often written − shortest: \(ruleGap.description)"
        + (ruleGap.interval.low > 0 || ruleGap.interval.high < 0
            ? ": here the rule we keep by changes how many false steps we train on."
            : ": a difference these \(luckyProblems.count) problems cannot tell from none."))
// end harness
// The row we train on is the finetuning row of the same conversation: the reply's sampled
// tokens are what the tokenizer would write for its text (checked on the kept one).
if let keptIndex {
    let ours = trainingRow(galleryProblem, gallery[keptIndex], weight: 1)
    let finetuningRow = chat.render([
        Message(.user, galleryProblem.question), Message(.assistant, gallery[keptIndex].reply.text),
    ])
    _ = expect(
        "the kept solution's training row equals finetuning's row for that conversation",
        ours == finetuningRow,
        measured: "\(ours.tokens.count) tokens, \(Int(ours.weights.reduce(0, +))) trained")
}

let galleryRows = Finetuning.packRows(
    gallery.filter { $0.verdict != .truncated }.map { trainingRow(galleryProblem, $0, weight: 1) },
    length: start.model.config.contextLength + 1, padding: chat.start)
if !galleryRows.isEmpty {
    func loss(_ batch: TrainingBatch) -> Float {
        let (loss, _) = start.model.loss(
            inputs: batch.inputs, targets: batch.targets, weights: batch.weights,
            batchSize: batch.batchSize, length: batch.length)
        defer { loss.releaseGraph() }
        return loss.item
    }
    let full = Finetuning.batch(galleryRows), cut = trimmedBatch(galleryRows)
    let (fullLoss, cutLoss) = (loss(full), loss(cut))
    _ = expect(
        "a batch cut after its last trained position has the full batch's loss",
        abs(fullLoss - cutLoss) <= 1e-5 * max(1, abs(fullLoss)),
        measured: String(
            format: "%.6f against %.6f nats; %d of %d positions per row", cutLoss, fullLoss,
            cut.length, full.length))
}

//: ## Rounds of practice
//: Both methods start from the mixed model with the same problems, sampling seeds and learning
//: rate; the library stores each run (a cached stage keyed on this lesson's code and settings).
// harness: each run of practice stored under its settings
struct RunSettings: Encodable {
    let method: String, start: String, rounds: Int, k: Int, problems: Int, heldOutPerSize: Int
    let temperature: Double, learningRate: Double, seed: Int, measuringEveryRound: Bool
    let code: String
}
func cached(
    _ name: String, from first: LanguageModel, measured initial: RoundRecord,
    select: @escaping Select, measuringEveryRound: Bool = true
) throws -> (LanguageModel, [RoundRecord]) {
    let settings = RunSettings(
        method: name, start: Finetuning.fingerprint(first.model), rounds: rounds, k: k,
        problems: perRound, heldOutPerSize: heldOutPerSize, temperature: temperature,
        learningRate: learningRate, seed: seed, measuringEveryRound: measuringEveryRound,
        code: LessonContext.codeHash)
    return try modelStage("rl", settings: settings, modelName: name) {
        try reinforce(
            name, from: first, measured: initial, select: select,
            measuringEveryRound: measuringEveryRound)
    }
}
// end harness
let (expert, expertRounds) = try cached(
    "expert-iteration", from: start, measured: initial, select: keepTopRight)
try PublishedModel.rl.publish(expert)
// The policy gradient and the contrast at the end of the page (expert iteration from lesson
// 11's answer-first model) do not depend on each other: side by side where a core is free, each
// computing the same bits as alone.
let answerFirstInitial = try measuredStart(answerFirstModel)
let ((_, gradientRounds), (_, answerFirstRounds)) = try Parallel.both(
    { try cached("policy-gradient", from: start, measured: initial, select: advantageWeighted) },
    {
        try cached(
            "expert-iteration-from-answer-first", from: answerFirstModel,
            measured: answerFirstInitial, select: keepTopRight, measuringEveryRound: false)
    })
// harness: the report card's seconds per round
// A round is the practice (sample, check, select, train); measuring the policy on held-out
// problems after it is the lesson's instrument, timed apart.
for (label, records) in [("expert iteration", expertRounds), ("policy gradient", gradientRounds)] {
    let practice = records.dropFirst()
    metric(
        "seconds per round, \(label) (sample, check, select, train)",
        practice.map(\.seconds).reduce(0, +) / Double(rounds), unit: "s")
    metric(
        "seconds per round, \(label): measuring held-out after it",
        practice.map(\.measuringSeconds).reduce(0, +) / Double(rounds), unit: "s")
}

// harness: the per-round tables and the chart
for (label, records) in [("expert iteration", expertRounds), ("policy gradient", gradientRounds)] {
    show(
        Table(
            title: "Per round, \(label) (round 0 is the mixed start)",
            columns: [
                "round", "held-out greedy", "held-out pass@1", "held-out pass@\(k)",
                "samples that work first", "tokens before the answer",
                "training problems with ≥ 1 right", "solutions trained",
            ],
            rows: records.map { r in
                [
                    "\(r.round)", r.greedy.description, Mean(r.passAt1Problems).percentDescription,
                    r.passAtK.description, r.worksFirst.description,
                    String(format: "%.1f", r.tokensBeforeAnswer.value),
                    r.trainedOnShare?.description ?? "–", r.round == 0 ? "–" : "\(r.rows)",
                ]
            }))
}
let roundAxis = expertRounds.map { Double($0.round) }
show(
    .line(
        LineChart(
            title: "Practice: the style it chooses, and how often it is right (held-out)",
            xLabel: "round", yLabel: "share",
            series: [
                .init(
                    name: "samples that work first, expert iteration", x: roundAxis,
                    y: expertRounds.map(\.worksFirst.value), smoothed: false),
                .init(
                    name: "samples that work first, policy gradient", x: roundAxis,
                    y: gradientRounds.map(\.worksFirst.value), dashed: true, smoothed: false),
                .init(
                    name: "greedy accuracy, expert iteration", x: roundAxis,
                    y: expertRounds.map(\.greedy.value), smoothed: false),
                .init(
                    name: "greedy accuracy, policy gradient", x: roundAxis,
                    y: gradientRounds.map(\.greedy.value), dashed: true, smoothed: false),
                .init(
                    name: "pass@1, expert iteration", x: roundAxis, y: expertRounds.map(\.passAt1),
                    smoothed: false),
            ])))

//: ## Did thinking emerge?
//: Three measurements of the start against the model after the last round of expert
//: iteration, on held-out problems. Nothing in the reward mentions the style: if the share of
//: replies that work first rises, practice chose it, and it paid where accuracy rose with it
//: (the claims below say whether both happened in this run).
// harness: the report card's numbers and the claims
let first = expertRounds[0], last = expertRounds.last!
metric("held-out samples that work first, the mixed start", first.worksFirst)
metric("held-out samples that work first after \(rounds) rounds, expert iteration", last.worksFirst)
claim(
    "practice raises the share of samples that work before answering (after − before, "
        + "temperature \(displayNumber(temperature)))",
    last.worksFirst, beats: first.worksFirst, by: 0, atLeast: 0.2)
metric("held-out greedy accuracy, the mixed start", first.greedy)
metric("held-out greedy accuracy after \(rounds) rounds, expert iteration", last.greedy)
metric(
    "held-out greedy accuracy after \(rounds) rounds, policy gradient", gradientRounds.last!.greedy)
claim(
    "practice raises held-out greedy accuracy (expert iteration, after − before)",
    last.greedy, beats: first.greedy, by: 0, atLeast: 0.1)
let longerThinking = last.tokensBeforeAnswer.value - first.tokensBeforeAnswer.value
metric("tokens before the answer, the mixed start", first.tokensBeforeAnswer.value, unit: "tokens")
metric(
    "tokens before the answer after \(rounds) rounds, expert iteration",
    last.tokensBeforeAnswer.value, unit: "tokens")
claim(
    "practice makes the model write more before its answer (mean tokens, after − before)",
    longerThinking, above: 0, "more tokens", unit: .named("tokens"))

//: ### Practice needs only the answer key
//: The talk's textbook: worked examples are finetuning, the exercises at the end of a chapter
//: are practice, and for those the book gives only the final answers. What each model was
//: trained on:
// harness: what each model learned from, as a table
/// Solutions written for lesson 11's model and for this lesson's finetune of it.
func solutions(_ lesson11: Int, _ here: Int) -> String {
    "\(lesson11 + here) (\(lesson11) in lesson 11, \(here) here)"
}
show(
    Table(
        title: "Written solutions and answers each model learned from",
        columns: [
            "model", "worked solutions written for it", "answer-first solutions written for it",
            "answers checked in practice", "held-out greedy accuracy",
        ],
        rows: [
            [
                "lesson 11's answer-first model", "\(lesson11Written.workedSolutions)",
                "\(lesson11Written.answerFirstSolutions)", "0",
                answerFirstRounds[0].greedy.description,
            ],
            [
                "the mixed start (it, finetuned further)",
                solutions(lesson11Written.workedSolutions, writtenWorked),
                solutions(
                    lesson11Written.answerFirstSolutions, startTraining.count - writtenWorked),
                "0", first.greedy.description,
            ],
            [
                "after \(rounds) rounds of expert iteration", "no more",
                "no more", "\(rounds * perRound * k) samples of \(rounds * perRound) problems",
                last.greedy.description,
            ],
        ]))

//: ### One problem, before and after
//: The same held-out problem sampled k times by the start and by the model after the last
//: round, at the practice temperature.
// harness: one held-out problem, sampled before and after practice
let shownProblem = heldOut.first { $0.operations == 3 } ?? heldOut[0]
let shownBefore = try attempts(
    start, [shownProblem], k: k, settings: SamplingSettings(temperature: Float(temperature)),
    seed: 3)[0]
let shownAfter = try attempts(
    expert, [shownProblem], k: k, settings: SamplingSettings(temperature: Float(temperature)),
    seed: 3)[0]
func describe(_ attempt: Attempt) -> String {
    (worksFirst(attempt.reply) ? "works first · " : "answers first · ")
        + (attempt.isRight ? "✓ right" : "✗ \(attempt.verdict.description)")
}
show(
    Table(
        title: "\(shownProblem.question) (answer \(shownProblem.answer))",
        columns: ["#", "the mixed start", "", "after practice", ""],
        rows: (0..<k).map { i in
            [
                "\(i + 1)", shownBefore[i].reply.text, describe(shownBefore[i]),
                shownAfter[i].reply.text, describe(shownAfter[i]),
            ]
        }))
show(
    "Of these \(k) samples, \(shownBefore.filter { worksFirst($0.reply) }.count) work first "
        + "before practice and \(shownAfter.filter { worksFirst($0.reply) }.count) after; "
        + "\(shownBefore.filter(\.isRight).count) are right before and "
        + "\(shownAfter.filter(\.isRight).count) after. One problem is one draw: the table by "
        + "number of operations below says where practice changed most.")

//: > **What we tried** Practice from lesson 11's worked model — the other start with one style,
//: > nothing to choose between — and with it, training only on problems with a wrong sample,
//: > several passes over each round's kept solutions, bigger steps at a higher rate, and problems
//: > with one more operation than lesson 11 showed: none raised accuracy clearly. An earlier start
//: > was finetuned from lesson 7's assistant, four times as long, its worked solutions bare steps
//: > ("7 + 5 = 12."). That start, with the two styles half and half: on some seeds its greedy
//: > replies were already mostly worked, which left greedy accuracy little room to rise — practice
//: > still raised the share that works first. That start, finetuned at twice the learning rate for
//: > two thirds of the steps: on one seed it wrote worked solutions but got their sums wrong, and
//: > practice had little right work to choose. `tokenwise sweep 12 --set worked_share=0.5,0.33
//: > --set seed=1,2,3` measures the share on your machine, with this start.

//: ### Where the gain comes from
//: pass@k asks whether *any* of k samples is right: it measures what the model can already
//: reach. If greedy accuracy and pass@1 rise toward a pass@k that stays put, practice made the
//: model pick, more often, solutions it could already find — it sharpened what was there. If
//: pass@k rises too, it now solves problems none of its k tries solved before.
// harness: the summary sentence, glued from the run's numbers and their intervals
let greedyGain = RateDifference(a: last.greedy, b: first.greedy)
let passAtKGain = RateDifference(a: last.passAtK, b: first.passAtK)
// pass@1 is a mean over the same problems before and after: its change, problem by problem.
let passAt1Gain = Mean(zip(last.passAt1Problems, first.passAt1Problems).map { $0 - $1 })
/// A change in whole points, "+3" or "-2"; one that rounds to zero is "+0", not "-0".
func points(_ change: Double) -> String { String(format: "%+.0f", (change * 100).rounded() + 0) }
let passAt1Line =
    "\(points(passAt1Gain.value)) points (95% CI \(points(passAt1Gain.interval.low)) to "
    + "\(points(passAt1Gain.interval.high)), paired over \(passAt1Gain.values.count) problems)"
let moved =
    "Over \(rounds) rounds of expert iteration, greedy accuracy moved \(greedyGain.description), "
    + "pass@1 \(passAt1Line) and pass@\(k) \(passAtKGain.description). "
let passAt1Rose = passAt1Gain.interval.low > 0, passAtKRose = passAtKGain.interval.low > 0
show(
    moved
        + (passAtKRose
            ? "pass@\(k) rose: the model now reaches right answers on problems where its "
                + "\(k) tries used to fail."
            : passAt1Rose
                ? "pass@1 rose and pass@\(k) did not clearly: the rounds made the model's own "
                    + "right solutions more likely. Whether practice can teach a problem none "
                    + "of the \(k) tries solved, this run cannot say if few such problems were "
                    + "left: at the start, \(first.passAtK.count - first.passAtK.hits) of "
                    + "\(first.passAtK.count) had no right try."
                : "Neither pass@1 nor pass@\(k) rose clearly: at these settings practice did not "
                    + "change what the model gets right."))

//: ### By the number of operations
//: Where did the practice pay? Greedy held-out accuracy before and after, by problem length.
// harness: accuracy by operations, as a table
let afterGradient = gradientRounds.last!.greedy
let columns = [first, last, gradientRounds.last!].map(\.greedyByOperations)
show(
    Table(
        title: "Held-out greedy accuracy by operations",
        columns: ["operations", "the mixed start", "expert iteration", "policy gradient"],
        rows: (0..<4).map { n in ["\(n + 1)"] + columns.map { $0[n].description } }))

//: ### Expert iteration or the policy gradient?
//: Both saw the same problems and the same number of samples. Expert iteration trains only on
//: right solutions, one per problem; the policy gradient also pushes wrong ones down and
//: ignores problems it always or never solves.
// harness: the two methods compared, in words from the run's numbers
let methodGap = RateDifference(a: afterGradient, b: last.greedy)
let methodLine =
    "After \(rounds) rounds the policy gradient is at \(afterGradient.description) and expert "
    + "iteration at \(last.greedy.description): policy gradient − expert iteration is "
    + "\(methodGap.description). "
show(
    methodLine
        + (methodGap.interval.low <= 0 && methodGap.interval.high >= 0
            ? "The interval holds 0: on this run neither method is clearly better."
            : methodGap.value > 0
                ? "The policy gradient did better here."
                : "The policy gradient did worse here: it trains on every sample, pushing wrong "
                    + "ones down with negative weights, and pushing a token's probability down has "
                    + "no floor — a step can wreck tokens that right solutions need too. Expert "
                    + "iteration only ever imitates right solutions."))
metric(
    "policy gradient − expert iteration, held-out greedy", methodGap.value * 100, unit: "points")

//: ## The contrast: practice with nothing to choose
//: The same expert iteration from lesson 11's answer-first model, the start before its worked
//: examples. It (almost) never works first: its samples differ in the answer they guess, and
//: the steps written after that answer cannot inform it, so practice can only select among
//: guesses. Practice chooses among what a model already writes; the table says whether it
//: made this one work first.
// harness: expert iteration from lesson 11's answer-first model (run above), as a table
/// A rate and its count, without the interval: the difference column carries it.
func counted(_ rate: Rate) -> String {
    String(format: "%.0f%% (%d of %d)", rate.value * 100, rate.hits, rate.count)
}
show(
    Table(
        title: "Expert iteration from each start (held-out)",
        columns: [
            "start", "greedy before", "greedy after", "after − before",
            "samples that work first, "
                + "before → after",
        ],
        rows: [
            ("the mixed start", expertRounds),
            ("lesson 11's answer-first model", answerFirstRounds),
        ].map {
            label, records in
            [
                label, counted(records[0].greedy), counted(records.last!.greedy),
                RateDifference(a: records.last!.greedy, b: records[0].greedy).description,
                "\(counted(records[0].worksFirst)) → \(counted(records.last!.worksFirst))",
            ]
        }))
