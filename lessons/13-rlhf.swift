//: # RLHF: a reward model, and reinforcement learning against it
//: Lesson 12 practised on problems a program can check. "Write a joke about pelicans" has no
//: checkable answer, and nobody can score a million rollouts by hand. **Reinforcement learning
//: from human feedback** goes around it in three steps: (1) people *order* a few rollouts for
//: each of some prompts — discriminating is easier than generating; (2) a neural network, the
//: **reward model**, learns to simulate their orderings; (3) RL runs against the simulator,
//: which can score as many rollouts as we like. The catch: step 3 is RL against a lossy
//: simulation, and RL is very good at finding the inputs a simulation gets wrong.
import Course
import Foundation

let rolloutsPerRequest = param("rollouts", 5, "rollouts the human orders per request", in: 2...16)
let rewardSteps = param("rm_steps", 300, "reward model training steps", quick: 20, in: 1...20000)
let rewardRate = param("rm_lr", 1e-4, "reward model learning rate", in: 1e-7...1e-2)
let updates = param("updates", 60, "RL updates against the reward model", quick: 4, in: 1...2000)
let k = param("k", 8, "rollouts per request in each RL update", quick: 4, in: 2...64)
let rate = param("lr", 2e-4, "learning rate of the RL updates", in: 1e-7...1e-2)
let beta = param(
    "beta", 0.2, "KL penalty of the fix (per nat of drift from the start)", in: 0.0...10.0)
let seed = param(
    "seed", 1, "seed of the starting assistant (1: lesson 7's sft), the reward model's pairs and the RL rollouts",
    in: 1...1_000_000)
let requestsPerUpdate = 8
let maxTokens = 32
let (world, corpus) = try CourseData.tinyWeb()
// The start: lesson 7's published assistant; at another seed, lesson 7's recipe finetuned at
// that seed (a stored stage, shared with `tokenwise sweep 7`), so a seed sweep retries the whole
// chain, the start included: how much room RL finds depends on it.
let assistant: LanguageModel
if seed == 1 {
    assistant = try PublishedModel.sft.model()
} else {
    var recipe = AssistantRecipe.standard
    recipe.finetuning.seed = UInt64(seed)
    assistant = try Finetuning.assistant(recipe, base: try PublishedModel.base.model()).languageModel
}
let chat = try assistant.chatTokens()

//: ## Requests no program can check
//: Verses, jokes and kind words about the world's species and towns. Subjects are split in two:
//: everything below is trained on one half and measured on the other.
let (requests, heldOutRequests) = OpenRequests.make(world: world)
let trainRequests = isQuick ? Array(requests.prefix(24)) : requests
let evalRequests = isQuick ? Array(heldOutRequests.prefix(12)) : heldOutRequests
show(
    Table(
        title:
            "\(trainRequests.count) training requests, \(evalRequests.count) held out (examples)",
        columns: ["request"], rows: trainRequests.prefix(4).map { [$0.text] }))

//: ## The stand-in for people
//: Our "people" are a function in the library, `HumanPreference`, standing in for raters. It is
//: deterministic and its rules are below; no model ever sees a score — the reward model sees
//: only which of two replies was preferred, as a reward model sees people's orderings.
//: Its last rule came from a first run: without it, RL's favourite reply became "The mikawing
//: newt is a de!" — the subject, an exclamation mark, and a fragment no person would call a
//: word — and our stand-in still liked it. People would not, so the stand-in now knows the
//: world's words (the corpus and the finetuning conversations), as a person knows a language.
let rater = HumanPreference.course(world: world, corpus: corpus)
show(
    HumanPreference.rules.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(
        separator: "\n"))
func human(_ reply: Reply, _ request: OpenRequest) -> Double {
    rater.score(reply.text, endedTurn: reply.isWellFormed, for: request)
}
/// A conversation as the reward model reads it: the request, then the reply's own tokens.
func conversation(_ request: OpenRequest, _ reply: Reply) -> [Int] {
    chat.prompt([Message(.user, request.text)]) + reply.tokens
}
func sample(
    _ model: LanguageModel, _ asked: [OpenRequest], count: Int, seed: UInt64
) throws -> [[Reply]] {
    try Assistant(model).samples(
        for: asked.map { [Message(.user, $0.text)] }, count: count,
        settings: SamplingSettings(temperature: 1), maxTokens: maxTokens, seed: seed)
}

//: ## 1. Rollouts, ordered
//: The assistant writes a few replies to each request (5 by default); the "human" orders them.
//: Every pair with a preference becomes one training example: (preferred, other).
struct Pair { let chosen: [Int], rejected: [Int] }
func pairs(_ asked: [OpenRequest], _ rollouts: [[Reply]]) -> [Pair] {
    zip(asked, rollouts).flatMap { request, replies in
        let scores = replies.map { human($0, request) }
        return replies.indices.flatMap { i in
            replies.indices.filter { scores[i] > scores[$0] }.map { j in
                Pair(
                    chosen: conversation(request, replies[i]),
                    rejected: conversation(request, replies[j]))
            }
        }
    }
}
let trainRollouts = try sample(assistant, trainRequests, count: rolloutsPerRequest, seed: 11)
let heldOutRollouts = try sample(assistant, evalRequests, count: rolloutsPerRequest, seed: 12)
let trainPairs = pairs(trainRequests, trainRollouts)
let heldOutPairs = pairs(evalRequests, heldOutRollouts)
print("\(trainPairs.count) training pairs, \(heldOutPairs.count) held-out pairs")

//: ## 2. The reward model
//: The assistant's own transformer, its output head swapped for one number: a linear read of
//: the last token's features (`RewardModel`). Trained on pairs with the **pairwise
//: (Bradley–Terry) loss**: the model says the preferred reply wins with probability
//: σ(r_preferred − r_other), and we minimise −log of that. Its gradient with respect to the two
//: scores is written out below; the library carries it back through the network
//: (`backward(upstream:)`).
func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
func trainRewardModel() -> (RewardModel, [Double]) {
    let model = RewardModel(from: assistant.model)
    let optimizer = AdamW(
        parameters: model.parameters, settings: AdamWSettings(), decays: model.decayMask)
    var generator = SeededGenerator(seed: 4 + UInt64(seed))
    var losses: [Double] = []
    let batch = 16
    for step in 0..<rewardSteps {
        let picked = (0..<batch).map { _ in trainPairs[generator.nextInt(below: trainPairs.count)] }
        let scores = model.scoreTensor(picked.map(\.chosen) + picked.map(\.rejected))
        let r = scores.values
        var loss = 0.0
        var upstream = [Float](repeating: 0, count: 2 * batch)
        for i in 0..<batch {
            let margin = r[i] - r[batch + i]
            loss += Double(-log(sigmoid(margin))) / Double(batch)
            // d(−log σ(m))/dm = −σ(−m): push the preferred score up and the other down.
            upstream[i] = -sigmoid(-margin) / Float(batch)
            upstream[batch + i] = sigmoid(-margin) / Float(batch)
        }
        optimizer.zeroGradients()
        scores.backward(upstream: upstream)
        scores.releaseGraph()
        _ = clipGradientNorm(model.parameters, maxNorm: 1)
        let warm = Float(min(1, Double(step + 1) / 20))
        optimizer.step(learningRate: Float(rewardRate) * warm)
        losses.append(loss)
        if (step + 1) % 50 == 0 {
            progress("reward model", step: step + 1, of: rewardSteps, loss: loss)
        }
    }
    return (model, losses)
}
// harness: the reward model stored under its settings, and its loss chart
struct RewardSettings: Encodable {
    let start: String, code: String, rollouts: Int, steps: Int, learningRate: Double, requests: Int
    let seed: Int
}
let rewardSettings = RewardSettings(
    start: Finetuning.fingerprint(assistant.model), code: LessonContext.codeHash,
    rollouts: rolloutsPerRequest, steps: rewardSteps, learningRate: rewardRate,
    requests: trainRequests.count, seed: seed)
let trainedRewardModel = try modelStage(
    "reward-model", settings: rewardSettings, models: ["reward-model"]
) {
    let (model, losses) = trainRewardModel()
    return ([model], losses)
}
let rewardModel = trainedRewardModel.models[0], rewardLosses = trainedRewardModel.record
show(
    .line(
        LineChart(
            title: "Reward model: pairwise loss", xLabel: "step", yLabel: "loss (nats)",
            series: [.init(name: "training pairs", y: rewardLosses)],
            references: [.init(y: log(2), label: "chance (ln 2)")])))

//: Does it agree with the "human" on requests about subjects it never saw?
func agreement(_ checked: [Pair]) -> Rate {
    let chosen = rewardModel.scores(checked.map(\.chosen))
    let rejected = rewardModel.scores(checked.map(\.rejected))
    return Rate(zip(chosen, rejected)) { $0.0 > $0.1 }
}
let heldOutAgreement = agreement(heldOutPairs)
// harness: the report card's numbers
metric("reward model agrees with the human, training pairs", agreement(trainPairs))
metric("reward model agrees with the human, held-out pairs", heldOutAgreement)
claim(
    "the reward model agrees with the human on held-out pairs well above chance (lower end of the "
        + "95% CI)",
    heldOutAgreement.interval.low, above: 0.6)

//: One held-out request, as on the slide: the assistant's rollouts, the human's order, and the
//: reward model's scores.
// harness: one request's rollouts, ranked by the human and scored, as a table
let shownIndex = evalRequests.indices.max { a, b in
    Set(heldOutRollouts[a].map(\.text)).count < Set(heldOutRollouts[b].map(\.text)).count
}!
let shownScores = rewardModel.scores(
    heldOutRollouts[shownIndex].map { conversation(evalRequests[shownIndex], $0) })
let shownHuman = heldOutRollouts[shownIndex].map { human($0, evalRequests[shownIndex]) }
let humanRank = shownHuman.indices.sorted { shownHuman[$0] > shownHuman[$1] }
show(
    Table(
        title: "“\(evalRequests[shownIndex].text)”: \(rolloutsPerRequest) rollouts",
        columns: ["reply", "human's rank", "human score (hidden)", "reward model"],
        rows: heldOutRollouts[shownIndex].indices.map { i in
            [
                heldOutRollouts[shownIndex][i].text.replacingOccurrences(of: "\n", with: " ↵ "),
                "\(humanRank.firstIndex(of: i)! + 1)",
                String(format: "%.1f", shownHuman[i]), String(format: "%+.2f", shownScores[i]),
            ]
        }))

//: ### Is judging easier than writing?
//: The reward model and the assistant share a trunk; which job does it do better? For each
//: held-out request the assistant samples replies — as it writes during RL, at temperature 1 —
//: and the human scores them all. As a writer, the assistant succeeds when a reply it samples is
//: among the human's best of those replies; as a judge, the reward model succeeds when the reply
//: it scores highest is. Both face the same replies, so a sampled reply is also exactly what a
//: pick at random would get: the judge beats the writer only by telling the replies apart.
let greedyReplies = try Assistant(assistant).replies(
    to: evalRequests.map { [Message(.user, $0.text)] }, settings: .greedy, maxTokens: maxTokens,
    seed: 0)
var sampledWins: [Bool] = [], judgeWins: [Bool] = [], greedyAtLeastBest: [Bool] = []
// The judge's lead over the writer per request (1 or 0, less the share of samples among the
// best), averaged per subject: requests about one species or town are not independent.
var leadBySubject: [String: [Double]] = [:]
for (i, request) in evalRequests.enumerated() {
    let candidates = heldOutRollouts[i]
    let humanScores = candidates.map { human($0, request) }
    let best = humanScores.max()!
    let judged = rewardModel.scores(candidates.map { conversation(request, $0) })
    let pick = judged.indices.max { judged[$0] < judged[$1] }!
    sampledWins += humanScores.map { $0 == best }
    judgeWins.append(humanScores[pick] == best)
    greedyAtLeastBest.append(human(greedyReplies[i], request) >= best)
    let shareOfBest = Double(humanScores.filter { $0 == best }.count) / Double(humanScores.count)
    let judgeWon: Double = humanScores[pick] == best ? 1 : 0
    leadBySubject[request.subject, default: []].append(judgeWon - shareOfBest)
}
let judgeLead = Mean(leadBySubject.keys.sorted().map { average(leadBySubject[$0]!) })
// harness: the shares as a table and numbers
let sampledWriting = Rate(sampledWins) { $0 }, judging = Rate(judgeWins) { $0 }
let greedyWriting = Rate(greedyAtLeastBest) { $0 }
show(
    Table(
        title:
            "Among the human's best of \(rolloutsPerRequest) sampled replies "
            + "(\(evalRequests.count) held-out requests)",
        columns: ["who chooses", "share among the best"],
        rows: [
            [
                "the assistant writing: a sampled reply (as likely as a pick at random)",
                sampledWriting.description,
            ],
            ["the reward model judging: its top score", judging.description],
        ]))
metric("writer: a sampled reply is among the human's best", sampledWriting)
metric("judge: the reward model's pick is among the human's best", judging)
metric("the greedy reply scores at least the best sampled one", greedyWriting)
// end harness
claim(
    "judging is easier than writing (share among the human's best of the same sampled replies, "
        + "the reward model's pick − a sampled reply, paired over held-out subjects: the lower "
        + "end of its 95% CI)",
    judgeLead.interval.low, above: 0, "no lead", unit: .points)
/// A share's change in whole points, "+12".
func wholePoints(_ x: Double) -> String { String(format: "%+.0f", (x * 100).rounded() + 0) }
show(
    "The judge's lead, paired over \(judgeLead.values.count) held-out subjects (each subject's "
        + "requests averaged first): \(wholePoints(judgeLead.value)) points (95% CI "
        + "\(wholePoints(judgeLead.interval.low)) to \(wholePoints(judgeLead.interval.high))). "
        + "The greedy reply, the likeliest one, which is not among those samples, scores at "
        + "least as well as the best of them for \(greedyWriting.description) of the requests: "
        + "taking the likeliest reply is itself a judgment, made by the writer over its own "
        + "replies before it writes them.")

//: ## 3. RL against the reward model
//: Lesson 12's policy gradient, with the reward model as the judge. Each update samples k
//: replies to each of 8 training requests, scores them with the reward
//: model, and weighs each reply's tokens by its **advantage**: its score minus the mean of its
//: request's replies, over the spread of the update's scores. Every few updates we measure the
//: policy as RL meets it: replies sampled at temperature 1 for each held-out request, scored by
//: the reward model *and* by the hidden human. Which update is the **best** is decided as a lab
//: would decide it, by the human's spot checks on the prompts RL practises on (sampled replies
//: to each training request); the held-out requests only report, so the best update's score on
//: them is not flattered by the choice. Requests about one species or town go together, so
//: intervals below treat each held-out subject, not each request, as one independent sample.
//: The fix we measure is a **KL penalty**: each reply's score loses β × how far (in nats) the
//: policy has drifted from the starting assistant on that reply's tokens.
// harness: what a run records, and the measure at each checkpoint
struct Checkpointed: Codable {
    var update: Int
    /// Means over the held-out requests' sampled replies.
    var reward: Double
    var human: Double
    /// Those replies that name the species or town they were asked about.
    var namesSubject: Rate
    /// The human's mean score of the training requests' sampled replies: it chooses the best update.
    var practiceHuman: Double
    /// Each held-out request's mean human score, for paired comparisons between updates.
    var humans: [Double]
}
struct Update: Codable {
    var reward: Double
    var human: Double
    var drift: Double
}
struct RLRun: Codable {
    var updates: [Update] = []
    var checks: [Checkpointed] = []
    var best = 0
}
let evalEvery = max(1, updates / 12)
let heldOutSamples = 4, practiceSamples = 2
func average(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(max(1, xs.count)) }
func check(_ policy: LanguageModel, update: Int) throws -> Checkpointed {
    // The same sampling seeds at every checkpoint: updates differ by the policy, not by luck.
    let heldOut = try sample(policy, evalRequests, count: heldOutSamples, seed: 101)
    let practised = try sample(policy, trainRequests, count: practiceSamples, seed: 102)
    let scored = zip(evalRequests, heldOut).flatMap { request, replies in
        replies.map { (request, $0) }
    }
    let rewards = rewardModel.scores(scored.map { conversation($0.0, $0.1) }).map(Double.init)
    let practiceScores = zip(trainRequests, practised).flatMap { request, replies in
        replies.map { human($0, request) }
    }
    return Checkpointed(
        update: update, reward: average(rewards),
        human: average(scored.map { human($0.1, $0.0) }),
        namesSubject: Rate(scored) { $0.1.text.lowercased().contains($0.0.subject.lowercased()) },
        practiceHuman: average(practiceScores),
        humans: zip(evalRequests, heldOut).map { request, replies in
            average(replies.map { human($0, request) })
        })
}
// end harness
/// Each reply's summed log-probability under `model` (its own tokens, the prompt given).
func logProbabilities(_ model: GPT, _ rows: [RenderedChat]) -> [Double] {
    let T = rows.map(\.tokens.count).max()! - 1
    let padded = rows.map { row in
        RenderedChat(
            tokens: row.tokens + Array(repeating: chat.start, count: T + 1 - row.tokens.count),
            weights: row.weights + Array(repeating: 0, count: T + 1 - row.weights.count))
    }
    let batch = Finetuning.batch(padded)
    let (loss, tokenLosses) = model.loss(
        inputs: batch.inputs, targets: batch.targets, weights: batch.weights,
        batchSize: padded.count, length: T)
    loss.releaseGraph()
    return padded.indices.map { b in
        (0..<T).reduce(0.0) {
            $0 - (batch.weights![b * T + $1] != 0 ? Double(tokenLosses[b * T + $1]) : 0)
        }
    }
}
func reinforce(penalty: Double) throws -> (best: LanguageModel, last: LanguageModel, run: RLRun) {
    let policyModel = Finetuning.copy(assistant.model)
    let policyLM = try LanguageModel(
        name: "rlhf-last", model: policyModel, tokenizer: assistant.tokenizer,
        chatFormat: assistant.chatFormat)
    let trainer = Trainer(
        model: policyModel,
        settings: .stepped(
            schedule: .constant(Float(rate), warmupSteps: 5),
            optimizer: AdamWSettings(weightDecay: 0)))
    var run = RLRun()
    var best = Finetuning.copy(policyModel)
    run.checks.append(try check(policyLM, update: 0))
    for update in 1...updates {
        let first = ((update - 1) * requestsPerUpdate) % trainRequests.count
        let asked = (0..<requestsPerUpdate).map {
            trainRequests[(first + $0) % trainRequests.count]
        }
        let replies = try sample(
            policyLM, asked, count: k, seed: UInt64(update) * 7919 + UInt64(seed - 1) * 1_000_003)
        var rows: [RenderedChat] = []
        for (request, group) in zip(asked, replies) {
            let prompt = chat.prompt([Message(.user, request.text)])
            for reply in group {
                rows.append(
                    RenderedChat(
                        tokens: prompt + reply.tokens,
                        weights: Array(repeating: 0, count: prompt.count)
                            + Array(repeating: 1, count: reply.tokens.count)))
            }
        }
        let flat = zip(asked, replies).flatMap { request, group in group.map { (request, $0) } }
        let rewards = rewardModel.scores(flat.map { conversation($0.0, $0.1) }).map(Double.init)
        let drift = zip(
            logProbabilities(policyModel, rows), logProbabilities(assistant.model, rows)
        )
        .map { $0 - $1 }
        let shaped = zip(rewards, drift).map { $0 - penalty * $1 }
        // Advantages: against the request's own mean, in units of the update's spread.
        let mean = shaped.reduce(0, +) / Double(shaped.count)
        let spread = max(
            1e-6,
            (shaped.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(shaped.count))
                .squareRoot())
        var weighted: [RenderedChat] = []
        for (index, row) in rows.enumerated() {
            let group = index / k
            let groupMean = shaped[(group * k)..<(group * k + k)].reduce(0, +) / Double(k)
            let advantage = Float((shaped[index] - groupMean) / spread)
            weighted.append(
                RenderedChat(tokens: row.tokens, weights: row.weights.map { $0 * advantage }))
        }
        let packed = Finetuning.packRows(
            weighted, length: policyModel.config.contextLength + 1, padding: chat.start)
        trainer.step(on: Finetuning.batch(packed))
        let humans = flat.map { human($0.1, $0.0) }
        run.updates.append(
            Update(
                reward: rewards.reduce(0, +) / Double(rewards.count),
                human: humans.reduce(0, +) / Double(humans.count),
                drift: drift.reduce(0, +) / Double(drift.count)))
        if update % evalEvery == 0 || update == updates {
            let measured = try check(policyLM, update: update)
            if measured.practiceHuman > run.checks[run.best].practiceHuman {
                run.best = run.checks.count
                best = Finetuning.copy(policyModel)
            }
            run.checks.append(measured)
        }
        progress(
            penalty == 0 ? "RL against the reward model" : "the same, KL penalty", step: update,
            of: updates)
    }
    let bestLM = try LanguageModel(
        name: "rlhf-best", model: best, tokenizer: assistant.tokenizer,
        chatFormat: assistant.chatFormat)
    return (bestLM, policyLM, run)
}
// harness: each run stored under its settings, and the models published
struct RunSettings: Encodable {
    let start: String, reward: String, updates: Int, k: Int, learningRate: Double
    let penalty: Double, requests: Int, seed: Int, code: String
}
func storedRun(penalty: Double) throws -> (best: LanguageModel, last: LanguageModel, run: RLRun) {
    let settings = RunSettings(
        start: Finetuning.fingerprint(assistant.model),
        reward: Finetuning.fingerprint(rewardModel.trunk)
            + ArtifactStore.hash("\(rewardModel.head.values)"),
        updates: updates, k: k, learningRate: rate, penalty: penalty,
        requests: trainRequests.count, seed: seed, code: LessonContext.codeHash)
    let stored = try modelStage("rlhf", settings: settings, models: ["rlhf-best", "rlhf-last"]) {
        let trained = try reinforce(penalty: penalty)
        return ([trained.best, trained.last], trained.run)
    }
    return (stored.models[0], stored.models[1], stored.record)
}
let plain = try storedRun(penalty: 0)
let fixed = try storedRun(penalty: beta)
try PublishedModel.rlhfBest.publish(plain.best)
try PublishedModel.rlhfLast.publish(plain.last)
try PublishedModel.rlhfKL.publish(fixed.last)

// harness: the score charts and the checkpoint table
let bestCheck = plain.run.checks[plain.run.best]
/// A mean score to two decimals, never "-0.00".
func score(_ x: Double) -> String { String(format: "%.2f", (x * 100).rounded() / 100 + 0) }
/// A share and its interval ("x% (low–high%)"), short enough for a table cell.
func share(_ rate: Rate) -> String {
    let (low, high) = rate.interval
    return String(format: "%.0f%% (%.0f–%.0f%%)", rate.value * 100, low * 100, high * 100)
}
/// One measure at each checkpoint, for the run without and with the KL penalty.
func scoreChart(
    _ title: String, _ measure: KeyPath<Checkpointed, Double>, yLabel: String
) -> Figure {
    .line(
        LineChart(
            title: title, xLabel: "update", yLabel: yLabel,
            series: [("RL", plain.run, false), ("RL + KL penalty", fixed.run, true)].map {
                name, run, dashed in
                .init(
                    name: name, x: run.checks.map { Double($0.update) },
                    y: run.checks.map { $0[keyPath: measure] }, dashed: dashed, smoothed: false)
            },
            markers: [.init(x: Double(bestCheck.update), label: "best")]))
}
show(
    .smallMultiples(
        SmallMultiples(
            title:
                "Sampled replies every \(evalEvery) updates: \(heldOutSamples) per held-out request, "
                + "\(practiceSamples) per training request (their human score chooses the best)",
            figures: [
                scoreChart("reward model's score", \.reward, yLabel: "reward model score"),
                scoreChart("the hidden human's score", \.human, yLabel: "human score"),
                scoreChart("human, training requests", \.practiceHuman, yLabel: "human score"),
            ], columns: 3)))
show(
    Table(
        title:
            "The checkpoints (held-out requests, sampled replies: mean scores, and the share of "
            + "\(bestCheck.namesSubject.count) replies naming their subject with its 95% interval)",
        columns: [
            "update", "reward model", "human", "names its subject",
            "human, training requests", "with KL penalty: reward model", "with KL penalty: human",
            "with KL penalty: names its subject", "with KL penalty: human, training requests",
        ],
        rows: zip(plain.run.checks, fixed.run.checks).map { a, b in
            [
                "\(a.update)\(a.update == bestCheck.update ? " (best)" : "")",
                score(a.reward), score(a.human), share(a.namesSubject), score(a.practiceHuman),
                score(b.reward), score(b.human), share(b.namesSubject), score(b.practiceHuman),
            ]
        }))

//: ## Reward hacking
//: What did RL find? Greedy replies to held-out requests from the start, the best update (the
//: one the human's spot checks on training requests liked most), the last update, and the
//: last update with the KL penalty. Greedy replies are each model's likeliest, so the start's
//: read well here although its sampled replies, which the scores above measure, mostly do not
//: (the greedy reply against the sampled ones, above).
// harness: four models' replies as a table, and the report card's numbers
let shownRequests = evalRequests.prefix(6).map { [Message(.user, $0.text)] }
let (startReplies, bestReplies, lastReplies, fixedReplies) = try {
    let replies = try [assistant, plain.best, plain.last, fixed.last].map {
        try Assistant($0).replies(
            to: shownRequests, settings: .greedy, maxTokens: maxTokens, seed: 1)
    }
    return (replies[0], replies[1], replies[2], replies[3])
}()
show(
    Table(
        title: "Greedy replies to held-out requests",
        columns: [
            "request", "start", "best (update \(bestCheck.update))", "last (update \(updates))",
            "with KL penalty",
        ],
        rows: evalRequests.prefix(6).indices.map { i in
            [evalRequests[i].text]
                + [startReplies[i], bestReplies[i], lastReplies[i], fixedReplies[i]].map {
                    $0.text.replacingOccurrences(of: "\n", with: " ↵ ")
                }
        }))
let lastCheck = plain.run.checks.last!, startCheck = plain.run.checks[0]
let fixedLast = fixed.run.checks.last!
let highestReward = plain.run.checks.map(\.reward).max()!
/// The change in the human's score from `before` to `after`, one value per held-out subject
/// (its requests' changes averaged: requests about one subject are not independent), as a
/// mean with its 95% interval.
func pairedChange(_ after: Checkpointed, _ before: Checkpointed) -> Mean {
    var bySubject: [String: [Double]] = [:]
    for (request, (a, b)) in zip(evalRequests, zip(after.humans, before.humans)) {
        bySubject[request.subject, default: []].append(a - b)
    }
    return Mean(bySubject.keys.sorted().map { average(bySubject[$0]!) })
}
/// The change as the page prints it: its mean, its interval, and how many subjects it pairs.
func changeDescription(_ change: Mean) -> String {
    func signed(_ x: Double) -> String { String(format: "%+.2f", (x * 100).rounded() / 100 + 0) }
    return "\(signed(change.value)) (95% CI \(signed(change.interval.low)) to "
        + "\(signed(change.interval.high)), paired over \(change.values.count) held-out subjects, "
        + "each subject's requests averaged first, so it need not equal the difference of the "
        + "means)"
}
let rise = pairedChange(bestCheck, startCheck), fall = pairedChange(bestCheck, lastCheck)
let guarded = pairedChange(fixedLast, lastCheck), keptOfBest = pairedChange(fixedLast, bestCheck)
let subjectsLost = RateDifference(a: bestCheck.namesSubject, b: lastCheck.namesSubject)
metric("human score: start", startCheck.human)
metric("the best update (chosen on training requests)", Double(bestCheck.update))
metric("human score: best update", bestCheck.human)
metric("human score: last update", lastCheck.human)
metric("reward model score: last update", lastCheck.reward)
metric("reward model score: highest of the run", highestReward)
metric("human score: last update with the KL penalty", fixedLast.human)
metric("human score, training requests: last update", lastCheck.practiceHuman)
metric("human score, training requests: last update with the KL penalty", fixedLast.practiceHuman)
metric("sampled replies naming their subject: best update", bestCheck.namesSubject)
metric("sampled replies naming their subject: last update", lastCheck.namesSubject)
// end harness
let humanPoints = ClaimUnit.named("human-score points")
let riseVerdict = claim(
    "RL against the reward model first raises the human score (held-out requests, sampled "
        + "replies: best update − start, paired over the same subjects: the lower end of its "
        + "95% CI)",
    rise.interval.low, above: 0, "no rise", unit: humanPoints)
let hackVerdict = claim(
    "reward hacking: by the last update the human score has fallen from its best (best − last, "
        + "paired: the lower end of its 95% CI)",
    fall.interval.low, above: 0, "no fall", unit: humanPoints)
claim(
    "…while the reward model's score is at its highest (its rise by the last update ÷ its largest "
        + "rise)",
    (lastCheck.reward - startCheck.reward) / max(1e-9, highestReward - startCheck.reward),
    above: 0.95)
show(
    """
    The human's score, best − start: \(changeDescription(rise)); best − last: \
    \(changeDescription(fall)). The reward model's mean score went from \
    \(score(startCheck.reward)) at the start to \(score(lastCheck.reward)) at the last update. \
    The sampled replies that name the species or town they were asked about: \
    \(startCheck.namesSubject.description) at the start, \(bestCheck.namesSubject.description) \
    at the best update, \(lastCheck.namesSubject.description) at the last.
    """)
if hackVerdict.held && subjectsLost.interval.low > 0 {
    show(
        """
        That is the hack. The policy settled on replies the reward model scores highly \
        whatever was asked, and fewer of them name the species or town the request is about \
        (the shares above): the human's first rule pays for naming it, and the reward model \
        never learnt to check.
        """)
}
if riseVerdict.failed {
    show(
        bestCheck.update == 0
            ? """
            Here no update beat the start on the training requests' human score, so the best \
            update is the start itself and there is no rise to measure.
            """
            : """
            Here the gain the human saw on the training requests (\(score(startCheck.practiceHuman)) \
            at the start, \(score(bestCheck.practiceHuman)) at the best update) did not carry \
            over to the held-out subjects by a margin the interval is sure of.
            """)
}
if hackVerdict.failed {
    show(
        bestCheck.update == lastCheck.update
            ? """
            No hack showed in this run: the update the training requests' score chose as the \
            best was the last one. RL had not yet found what the reward model wrongly loves.
            """
            : """
            No hack showed in this run: the human's score at the last update is not clearly below \
            the best update's. The share of replies naming their subject went from \
            \(bestCheck.namesSubject.description) at the best update to \
            \(lastCheck.namesSubject.description) at the last.
            """)
}
let guardVerdict = claim(
    "the KL penalty keeps more of the human's score than plain RL at the last update (with KL − "
        + "without, paired: the lower end of its 95% CI)",
    guarded.interval.low, above: 0, "no gain", unit: humanPoints)
show(
    """
    With the KL penalty the last update scores \(score(fixedLast.human)) against plain RL's \
    \(score(lastCheck.human)) and plain RL's best \(score(bestCheck.human)): with KL − without, \
    \(changeDescription(guarded)); against plain RL's best, \(changeDescription(keptOfBest)).
    """)
if guardVerdict.failed {
    show(
        hackVerdict.failed
            ? "Plain RL did not fall in this run, so the penalty had no fall to guard against."
            : "Here the penalty's gain is not one the interval is sure of. At its last update "
                + "\(fixedLast.namesSubject.description) of its sampled replies name their "
                + "subject, against plain RL's \(lastCheck.namesSubject.description).")
}
//: The learning rate was chosen so that plain RL's fall shows within the run's updates (at half
//: of it none had begun), and the penalty by the human's score of the penalised run's last
//: update on the *training* requests, never on the held-out ones (`tokenwise sweep 13 --set
//: lr=1e-4,2e-4 --set beta=0.05,0.2` shows both). The stored sweeps at the end of the page
//: retry the whole chain (the starting assistant, the reward model, the RL rollouts) on three
//: seeds under two BLAS kernels. The fall
//: does not keep one schedule: on a run it may not have begun by the last update, or the reward
//: model's own score may have begun to slip with it, and where plain RL did not fall the penalty
//: has nothing to guard. The sweeps show which runs, and that a kernel's rounding alone can move
//: a seed from one side to the other. Hacking is a race between what RL finds and when we stop.
//:
//: > **What we tried** Half this learning rate: by the last update no fall was clear yet.
//: > A quarter of this penalty did not guard: the penalised run's score fell with the plain
//: > one's. Half again as many updates (not among the stored sweeps): on one of the two seeds we
//: > tried, the policy collapsed and recovered, its scores swinging both ways. Measuring greedy
//: > replies instead of sampled ones: one reply per request, so a checkpoint's score jumped
//: > with every reply that changed, and the start, whose greedy replies the human already
//: > liked, left the rise little room.
//:
//: ### Step through the last policy
//: The last update's reply to the first of those requests, one token at a time: the page shows
//: how sure the policy has become of each word, hack or not.
let hackStepper = try Stepper(model: plain.last, tokens: chat.prompt(shownRequests[0]), settings: .greedy, seed: 1)
while hackStepper.contextTokens.last != chat.end && hackStepper.recording.frames.count <= maxTokens { hackStepper.perform(.greedy) }
showStepThrough(hackStepper.recording, name: "hacked", title: "Step through the last RL update's reply to “\(evalRequests[0].text)”")
