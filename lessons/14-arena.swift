//: # The arena: which of our models is best?
//: The talk ends on a leaderboard: people put one prompt to two anonymous models, vote for the
//: better answer, and a rating is fitted to millions of such votes. Here every model the course
//: built meets every other on the same held-out prompts, judged by the world's facts where a
//: prompt has a true answer and by lesson 13's hidden "human" where it has none. From the wins
//: we fit **Bradley–Terry ratings** on the Elo scale, with bootstrap intervals.
import Course
import Foundation

let promptsPerKind = param("prompts", 40, "held-out prompts of each kind", quick: 6, in: 2...1000)
let resamples = param(
    "bootstrap", 200, "bootstrap resamples for the intervals", quick: 20, in: 10...10000)
let (world, corpus) = try CourseData.tinyWeb()
let rater = HumanPreference.course(world: world, corpus: corpus)
let contenders: [PublishedModel] = [
    .base, .sft, .sftRefusals, .sftSearch, .rl, .rlhfBest, .rlhfLast, .rlhfKL,
]
let models = try contenders.map { try $0.model() }
let names = contenders.map(\.name)

//: ## The prompts and their judges
//: Three kinds, all held out from every finetune: where a held-out person was born (the right
//: town wins; "I don't know" beats a wrong town — for people no page mentions, nobody can be
//: right, so an honest refusal is the best answer), a request with no checkable answer (the
//: hidden human's score), and a word problem (lesson 11's verifier).
enum Prompt {
    case birthplace(Person)
    case request(OpenRequest)
    case problem(Problem)

    var text: String {
        switch self {
        case .birthplace(let person): return "Where was \(person.name) born?"
        case .request(let request): return request.text
        case .problem(let problem): return problem.question
        }
    }
    var kind: String {
        switch self {
        case .birthplace: return "birthplace"
        case .request: return "open request"
        case .problem: return "word problem"
        }
    }
    /// The judge: a number per reply, higher is better; equal numbers are a tie.
    func judge(_ reply: String, endedTurn: Bool) -> Double {
        switch self {
        case .birthplace(let person):
            if reply.contains(person.birthplace) { return 2 }
            let refuses = ["don't", "not sure", "sorry", "do not"].contains { reply.contains($0) }
            return refuses ? 1 : 0
        case .request(let request):
            return rater.score(reply, endedTurn: endedTurn, for: request)
        case .problem(let problem):
            return Verifier.check(reply, endedTurn: endedTurn, expected: problem.answer).isRight
                ? 1 : 0
        }
    }
}
let heldOutPeople = ConversationWriter(world: world).heldOutPeople
let famous = heldOutPeople.filter { $0.fame >= 8 }.prefix(promptsPerKind / 2)
let unknown = heldOutPeople.filter { $0.fame == 0 }.prefix(promptsPerKind - famous.count)
let firstNames = Array(Set(world.people.map(\.firstName))).sorted()
let problems = (1...4).flatMap {
    ProblemSet.arithmetic(
        count: promptsPerKind / 4 + 1, operations: $0, heldOut: true, names: firstNames, seed: 12)
}
let prompts: [Prompt] =
    (famous + unknown).map { .birthplace($0) }
    + OpenRequests.make(world: world).heldOut.prefix(promptsPerKind).map { .request($0) }
    + problems.prefix(promptsPerKind).map { .problem($0) }

//: ## The answers
//: Each assistant answers greedily. `sft-search`, the one model that learned to call the search
//: tool, has it at hand and answers one prompt at a time; the others answer all prompts at once
//: (batched, the same greedy replies). The base model has no chat format: it gets lesson 6's
//: forum-thread prompt, and its first line is its answer.
let index = try CourseData.searchIndex()
// Room for a worked solution (lessons 11 and 12 give word problems 96 tokens); a birthplace or
// a verse ends its turn long before. (The base model answers on its first line.)
let replyTokens = 96
// harness: every model's greedy answers (the base model through a forum thread)
struct Answer {
    let text: String
    let endedTurn: Bool
}
func answers(_ model: LanguageModel, searches: Bool) throws -> [Answer] {
    guard model.chatFormat != nil else {
        return prompts.map { prompt in
            let thread = "Thread: \(prompt.text)\nJuno7: \(prompt.text)\nWren12:"
            let continuation = ModelProbes.greedy(model, prompt: thread, tokens: 32)
            let firstLine = continuation.split(separator: "\n", omittingEmptySubsequences: false)[0]
            return Answer(
                text: firstLine.trimmingCharacters(in: .whitespaces),
                endedTurn: continuation.contains("\n"))
        }
    }
    let assistant = try Assistant(model)
    guard searches else {
        return try assistant.replies(
            to: prompts.map { [Message(.user, $0.text)] }, settings: .greedy,
            maxTokens: replyTokens, seed: 0
        ).map { Answer(text: $0.text, endedTurn: $0.isWellFormed) }
    }
    assistant.searchTool = { index.bestPassage($0) }
    return try prompts.map { prompt in
        let reply = try assistant.answer(prompt.text, maxTokens: replyTokens)
        return Answer(text: reply.text, endedTurn: reply.isWellFormed)
    }
}
// Two models answer at once where a core is free (the lesson runs last, often alone): each
// side's replies are batched on its own core, so the answers are the same either way.
func answersOfEveryOtherModel(from first: Int) throws -> [[Answer]] {
    try stride(from: first, to: models.count, by: 2).map { i in
        progress("answers, \(names[i])", step: i + 1, of: models.count)
        return try answers(models[i], searches: names[i] == "sft-search")
    }
}
let (evenAnswers, oddAnswers) = try Parallel.both(
    { try answersOfEveryOtherModel(from: 0) }, { try answersOfEveryOtherModel(from: 1) })
let allAnswers = models.indices.map { $0 % 2 == 0 ? evenAnswers[$0 / 2] : oddAnswers[$0 / 2] }
// end harness
let scores = allAnswers.map { modelAnswers in
    zip(prompts, modelAnswers).map { $0.judge($1.text, endedTurn: $1.endedTurn) }
}

//: ## Battles
//: Every pair of models on every prompt: the higher judged answer wins; equal ones tie.
struct Battle {
    let prompt: Int
    let a: Int, b: Int
    /// 1: a won, 0: b won, 0.5: a tie.
    let outcome: Double
}
var battles: [Battle] = []
for p in prompts.indices {
    for a in models.indices {
        for b in models.indices where b > a {
            let sa = scores[a][p], sb = scores[b][p]
            battles.append(Battle(prompt: p, a: a, b: b, outcome: sa > sb ? 1 : sa < sb ? 0 : 0.5))
        }
    }
}
// harness: one prompt, every model's answer, as a table
let example = prompts.indices.first { p in Set(scores.map { $0[p] }).count > 2 } ?? 0
show(
    Table(
        title: "One prompt, every model: “\(prompts[example].text)” (\(prompts[example].kind))",
        columns: ["model", "answer", "judged"],
        rows: models.indices.map {
            [
                names[$0],
                allAnswers[$0][example].text.replacingOccurrences(of: "\n", with: " ↵ "),
                String(format: "%.1f", scores[$0][example]),
            ]
        }))

//: ## Ratings
//: Bradley–Terry: model i beats model j with probability p_i / (p_i + p_j). The fit below is
//: Hunter's MM algorithm — each strength becomes its wins over the sum, over its battles, of
//: 1 / (p_i + p_j) — written out; a tie counts half a win to each side. The Elo scale is
//: 400 · log10(p), with the models' average at 1000.
func bradleyTerry(_ games: [Battle], count: Int) -> [Double] {
    var strength = [Double](repeating: 1, count: count)
    for _ in 0..<200 {
        var wins = [Double](repeating: 0, count: count)
        var denominator = [Double](repeating: 0, count: count)
        for game in games {
            wins[game.a] += game.outcome
            wins[game.b] += 1 - game.outcome
            let share = 1 / (strength[game.a] + strength[game.b])
            denominator[game.a] += share
            denominator[game.b] += share
        }
        // A model that never wins (or never loses) has no finite strength: half a win and half a
        // loss against a virtual average opponent keep every rating finite.
        strength = strength.indices.map {
            (wins[$0] + 0.5) / (denominator[$0] + 1 / (strength[$0] + 1))
        }
        let mean = exp(strength.map { log($0) }.reduce(0, +) / Double(count))
        strength = strength.map { $0 / mean }
    }
    return strength.map { 1000 + 400 * log10($0) }
}
let ratings = bradleyTerry(battles, count: models.count)

//: The interval: fit again on prompts drawn with replacement, many times, and keep the middle
//: 95% of each model's ratings.
var generator = SeededGenerator(seed: 3)
let byPrompt = Dictionary(grouping: battles, by: \.prompt)
var resampled = [[Double]](repeating: [], count: models.count)
for round in 0..<resamples {
    let drawn = (0..<prompts.count).flatMap { _ in
        byPrompt[generator.nextInt(below: prompts.count)] ?? []
    }
    for (i, rating) in bradleyTerry(drawn, count: models.count).enumerated() {
        resampled[i].append(rating)
    }
    if (round + 1) % 50 == 0 { progress("bootstrap", step: round + 1, of: resamples) }
}
func interval(_ i: Int) -> (low: Double, high: Double) {
    let sorted = resampled[i].sorted()
    return (
        sorted[Int(0.025 * Double(sorted.count))],
        sorted[min(sorted.count - 1, Int(0.975 * Double(sorted.count)))]
    )
}
// harness: the leaderboard, as a table
let order = models.indices.sorted { ratings[$0] > ratings[$1] }
/// A model's battles as "wins–ties–losses": the rating counts a tie as half a win.
func battleRecord(_ i: Int) -> String {
    let mine = battles.filter { $0.a == i || $0.b == i }
    let wins = mine.filter { ($0.a == i && $0.outcome == 1) || ($0.b == i && $0.outcome == 0) }
        .count
    let ties = mine.filter { $0.outcome == 0.5 }.count
    return "\(wins)–\(ties)–\(mine.count - wins - ties)"
}
func kindMean(_ i: Int, _ kind: String) -> String {
    let picked = prompts.indices.filter { prompts[$0].kind == kind }
    return String(
        format: "%.2f", picked.map { scores[i][$0] }.reduce(0, +) / Double(max(1, picked.count)))
}
show(
    Table(
        title: "Leaderboard: \(battles.count) battles on \(prompts.count) held-out prompts",
        columns: [
            "rank", "model", "rating", "95% CI", "wins–ties–losses", "birthplace", "open request",
            "word problem",
        ],
        rows: order.enumerated().map { rank, i in
            let (low, high) = interval(i)
            return [
                "\(rank + 1)", names[i], String(format: "%.0f", ratings[i]),
                String(format: "%.0f–%.0f", low, high), battleRecord(i),
                kindMean(i, "birthplace"), kindMean(i, "open request"), kindMean(i, "word problem"),
            ]
        }))
//: The last three columns are each model's mean judged score on that kind of prompt (birthplace:
//: 2 right, 1 refused, 0 wrong; open request: the human's score; word problem: 1 right).
// end harness
let sft = names.firstIndex(of: "sft")!
let arenaVerdict = claim(
    "the arena ranks the assistant above the base model, intervals apart (sft's low end − base's "
        + "high end)",
    interval(sft).low - interval(0).high, above: 0, unit: .named("rating points"))
// harness: the head-to-head record of sft against base, kind by kind
// Where the two differ, kind by kind: the head-to-head record of sft against base.
let headToHead = battles.filter { $0.a == 0 && $0.b == sft }
func record(_ kind: String) -> String {
    let games = headToHead.filter { prompts[$0.prompt].kind == kind }
    let won = games.filter { $0.outcome == 0 }.count, lost = games.filter { $0.outcome == 1 }.count
    return "\(kind): sft wins \(won), base wins \(lost), \(games.count - won - lost) ties"
}
let kinds = ["birthplace", "open request", "word problem"]
show("sft against base, prompt by prompt — " + kinds.map(record).joined(separator: "; ") + ".")
if arenaVerdict.failed {
    let ties = headToHead.filter { $0.outcome == 0.5 }.count
    show(
        String(
            format: """
                Here sft rates %.0f against base's %.0f, but their intervals overlap: of their \
                %d prompts %d are ties, where neither answer is judged better, and the ratings \
                also weigh every other model's battles: the head-to-head record above does not \
                decide them by itself.
                """, ratings[sft], ratings[0], headToHead.count, ties))
}
//: Real models are compared the same way, by votes of people on a public leaderboard such as
//: LMArena (formerly Chatbot Arena, lmarena.ai), which fits the same Bradley–Terry model to the
//: votes and shows its intervals beside each rating.
