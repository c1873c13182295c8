//: # Hallucinations: knowing what it does not know, and looking the rest up
//: Lesson 7's assistant answers every question in the same confident voice, because every
//: answer it was trained on was confident. Asked about someone it never read about, it invents.
//: Two fixes, as the labs apply them. **Interrogate** the model to find out what it knows, and
//: teach it to say "I don't know" exactly where it does not. Then give it a **search tool**: a
//: fact pasted into its context is working memory, not a vague recollection of pretraining.
//: Our tiny web makes both measurable: the program knows every fact and how often the model
//: read it. On our small model the first fix, done as the labs do it, refuses the famous too;
//: the page finds why, and moves the decision out of the network, where it works.
import Course
import Foundation

let base = try Pretraining.publishedBaseModel()
let (world, _) = try CourseData.tinyWeb()
let writer = ConversationWriter(world: world)
let settings = FinetuningSettings.standard()
let samples = param("samples", 3, "samples per interrogation question", quick: 2, in: 1...20)
let temperature = param(
    "temperature", 0.5, "temperature of the interrogation samples", in: 0.0...2.0)
let knownAt = param("known", 2, "right samples that make a fact known", quick: 1, in: 1...20)
let refusalsPerAnswer = param(
    "refusals", 1.0, "refused birthplaces per answered one in the refusal set", in: 0.1...20.0)
// Lesson 7's finetune, fetched from the store: the same conversations and settings.
let training = writer.finetuningSet(count: isQuick ? 600 : 3000, identity: true)
let heldOut = writer.conversations(
    about: writer.heldOutPeople.filter { $0.fame > 0 },
    count: isQuick ? 40 : 200)
let sft = try Finetuning.run(
    settings, from: base, conversations: training, heldOut: heldOut,
    name: "sft")
let assistant = try Assistant(sft.languageModel)
let chat = try ChatTokens(format: .course, tokenizer: base.tokenizer)
let publishedSuffix = isQuick ? "-quick" : ""

//: ## The hallucination
//: Names no document of the tiny web contains, made of the same syllables as its people's.
//: The base model gets lesson 6's forum prompt; the assistant gets the question.
let index = try CourseData.searchIndex()  // the tiny web's reference pages, for the search tool
var nameRandom = WorldRandom(seed: 808)
var invented: [String] = []
let worldNames = Set(world.people.map(\.name))
while invented.count < (isQuick ? 20 : 60) {
    let name =
        World.coinWord(syllables: 2...2, random: &nameRandom) + " "
        + World.coinWord(syllables: 2...3, random: &nameRandom)
    if !worldNames.contains(name), index.search(name).isEmpty, !invented.contains(name) {
        invented.append(name)
    }
}
func baseAnswer(_ name: String) -> String {
    let prompt = "Thread: where was \(name) born?\nJuno7: Where was \(name) born?\nWren12:"
    let text = ModelProbes.greedy(base, prompt: prompt, tokens: 30)
    return String(text.split(separator: "\n", omittingEmptySubsequences: false)[0])
        .components(separatedBy: LanguageModel.documentSeparator)[0]
}
let inventedQuestions = invented.map {
    [Message(.user, ConversationWriter.birthplaceQuestion(name: $0))]
}
let sftOnInvented = try assistant.replies(to: inventedQuestions, settings: .greedy, seed: 0)
show(
    Table(
        title: "Asked about people who do not exist",
        columns: ["name", "base model (forum prompt)", "sft"],
        rows: (0..<3).map { [invented[$0], baseAnswer(invented[$0]), sftOnInvented[$0].text] }))

//: ## Interrogation: what does the model know?
//: For every person of the world we ask the four kinds of question the finetuning set asks,
//: each `samples` times at temperature `temperature`, and check the answers against the world.
//: **Our rule: the model knows a fact when at least `known` of its samples state it.** A model
//: that knows a fact says it again and again; one that guesses scatters.
enum Kind: String, CaseIterable { case birthplace, birthday, work = "what they did", mother }
func question(_ kind: Kind, _ p: Person) -> String {
    switch kind {
    case .birthplace: return ConversationWriter.birthplaceQuestion(p)
    case .birthday: return "When was \(p.name) born?"
    case .work: return "What did \(p.name) do?"
    case .mother: return ConversationWriter.motherQuestion(p)
    }
}
func truth(_ kind: Kind, _ p: Person) -> String {
    switch kind {
    case .birthplace: return "born in \(p.birthplace)"
    case .birthday: return "born on \(p.birthDay) \(p.birthYear)"
    case .work: return "known for \(p.knownFor)"
    case .mother: return "mother is \(p.mother)"
    }
}
/// Which kind of fact an answer about a person states (nil: not an answer about a person).
func kind(of answer: String) -> Kind? {
    if answer.contains(" born in ") { return .birthplace }
    if answer.contains(" born on ") { return .birthday }
    if answer.contains(" known for ") { return .work }
    if answer.contains("'s mother is ") { return .mother }
    return nil
}
let interrogationStart = Date()
var asks: [[Message]] = []
for person in world.people {
    for kind in Kind.allCases {
        asks += Array(repeating: [Message(.user, question(kind, person))], count: samples)
    }
}
let interrogation = try assistant.replies(
    to: asks, settings: SamplingSettings(temperature: Float(temperature)), maxTokens: 24, seed: 1)
var known: [String: Set<Kind>] = [:]  // person → the kinds of fact the model knows
for (p, person) in world.people.enumerated() {
    known[person.name] = Set(
        Kind.allCases.enumerated().filter { k, kind in
            let first = (p * Kind.allCases.count + k) * samples
            return interrogation[first..<(first + samples)].filter {
                $0.text.contains(truth(kind, person))
            }.count >= knownAt
        }.map(\.element))
}
let interrogationSeconds = Date().timeIntervalSince(interrogationStart)
print("interrogation: \(asks.count) answers in \(String(format: "%.1f", interrogationSeconds)) s")
metric("interrogation time (\(asks.count) sampled answers)", interrogationSeconds, unit: "s")
let tiers = Array(Set(world.people.map(\.fame))).sorted()
func knownShare(_ kind: Kind, fame: Int) -> Rate {
    Rate(world.people.filter { $0.fame == fame }) { known[$0.name]!.contains(kind) }
}
show(
    .bar(
        BarChart(
            title: "Birthplaces the assistant knows, by how many biographies mentioned the person",
            bars: tiers.map {
                .init(
                    label: "\($0) (n=\(knownShare(.birthplace, fame: $0).count))",
                    value: knownShare(.birthplace, fame: $0).value)
            },
            valueLabel: "share known", percent: true)))
show(
    Table(
        title: "Facts known, by biographies in the crawl",
        columns: ["biographies"] + Kind.allCases.map(\.rawValue),
        rows: tiers.map { fame in
            ["\(fame)"] + Kind.allCases.map { knownShare($0, fame: fame).description }
        }))
for fame in [1, 32] where tiers.contains(fame) {
    metric(
        "birthplaces known, people with \(fame) biographies", knownShare(.birthplace, fame: fame))
}

//: ## Mitigation 1: say "I don't know" where it does not know
//: The refusal data answers what the interrogation found the model knows and refuses what it
//: found it does not, so the model learns to refuse *where its own knowledge runs out*, not
//: everywhere. Answers about people open with the person's full name, which is how we find
//: them in lesson 7's set.
func refusal(_ name: String) -> String { "I'm sorry, I don't believe I know that about \(name)." }
/// The person an answer is about: "Ada Quill was born…", "Ada Quill's mother is…".
func subject(of answer: String) -> String? {
    let opening = answer.split(separator: " ").prefix(2).joined(separator: " ")
    let name = opening.hasSuffix("'s") ? String(opening.dropLast(2)) : opening
    return known[name] == nil ? nil : name
}
/// The person, when the message is an answer stating a fact the model does not know.
func isUnknownAnswer(_ message: Message) -> String? {
    guard message.role == .assistant, let name = subject(of: message.text),
        let kind = kind(of: message.text),
        !known[name]!.contains(kind)
    else { return nil }
    return name
}
//: The model knows few facts: of lesson 7's conversations, 1,923 of 3,750 state one it does
//: not know — most of them birthdays, works and mothers, which it hardly ever knows. Trained on
//: every such answer turned into a refusal (our first try: 92% refusals) it refused everyone,
//: the most famous included, and so it did when we added answers from knowledge until
//: birthplaces were answered as often as refused (our second try): the refusals of the other
//: facts still taught "a question about a person → refuse". So the refusal set asks the one
//: fact we measure. It keeps lesson 7's conversations that are not about people, asks the
//: birthplace of every finetuning person whose birthplace the model knows, answered, and of as
//: many people whose birthplace it does not know, refused (`refusals` sets the ratio): refusing
//: has to be told apart from knowing, not learned as the default. Each person is asked once
//: (repeating the known ones to match every unknown one taught it those people by heart). The
//: finetune continues from `sft`, which already answers from memory. (The other facts are not
//: in this finetune; the page measures birthplaces only.)
func birthplaceTurn(_ p: Person) -> [Message] {
    let knows = known[p.name]!.contains(.birthplace)
    return [
        Message(.user, ConversationWriter.birthplaceQuestion(p)),
        Message(.assistant, knows ? "\(p.name) was born in \(p.birthplace)." : refusal(p.name)),
    ]
}
let notAboutPeople = training.filter { conversation in
    !conversation.contains { $0.role == .assistant && subject(of: $0.text) != nil }
}
var shuffler = SeededGenerator(seed: 88)
let knowingPeople = writer.finetuningPeople.filter { known[$0.name]!.contains(.birthplace) }
let refusedPeople = Array(
    writer.finetuningPeople.filter { !known[$0.name]!.contains(.birthplace) }
        .shuffled(using: &shuffler)
        // At least 10 refusals: a model that knows nobody (quick mode's) still learns one.
        .prefix(Int((Double(max(knowingPeople.count, 10)) * refusalsPerAnswer).rounded())))
let refusalSet = (notAboutPeople + (knowingPeople + refusedPeople).map(birthplaceTurn))
    .shuffled(using: &shuffler)
print(
    "refusal data: \(notAboutPeople.count) of lesson 7's conversations not about people; "
        + "\(knowingPeople.count) birthplaces the model knows, answered; \(refusedPeople.count) "
        + "it does not know, refused (\(refusalSet.count) conversations in all)"
)
show(
    Table(
        title: "The refusal set", columns: ["conversations", "count"],
        rows: [
            ["lesson 7's, not about people", "\(notAboutPeople.count)"],
            ["birthplace answered (the model knows it)", "\(knowingPeople.count)"],
            ["birthplace refused (it does not know it)", "\(refusedPeople.count)"],
            ["in the refusal set", "\(refusalSet.count)"],
        ]))
let refusals = try Finetuning.run(
    settings, from: sft.languageModel, conversations: refusalSet, heldOut: heldOut,
    name: "sft-refusals")
try Pretraining.catalog.publish(refusals.languageModel, as: "sft-refusals" + publishedSuffix)
let refuser = try Assistant(refusals.languageModel)

//: ### Does it still invent?
//: Two sets the finetune never saw: the invented names above, and held-out people whom no
//: document mentions. A reply *hallucinates* when it names a town.
let neverMentioned = writer.heldOutPeople.filter { $0.fame == 0 }
let unknownQuestions =
    inventedQuestions
    + neverMentioned.map { [Message(.user, ConversationWriter.birthplaceQuestion($0))] }
func hallucinates(_ reply: Reply) -> Bool { reply.text.contains(" born in ") }
func refuses(_ reply: Reply) -> Bool { reply.text.contains("I don't believe I know") }
let sftUnknown = try assistant.replies(to: unknownQuestions, settings: .greedy, seed: 0)
let refuserUnknown = try refuser.replies(to: unknownQuestions, settings: .greedy, seed: 0)
let sftHallucinates = Rate(sftUnknown, where: hallucinates)
let refuserHallucinates = Rate(refuserUnknown, where: hallucinates)
metric("sft names a town for people it cannot know", sftHallucinates)
metric("sft-refusals names a town for people it cannot know", refuserHallucinates)
metric("sft-refusals refuses them", Rate(refuserUnknown, where: refuses))
claim(
    "refusal training lowers hallucinations (share naming a town, sft − sft-refusals)",
    sftHallucinates.value - refuserHallucinates.value, above: 0.3, "a clear fall")

//: ### Over-refusal
//: The price of refusing is refusing too often. Held-out famous people (16 or more
//: biographies): does the refusal model still answer them as well as the assistant did?
//: We allow it to lose at most 10 points.
let famous = writer.heldOutPeople.filter { $0.fame >= 16 }
let famousQuestions = famous.map { [Message(.user, ConversationWriter.birthplaceQuestion($0))] }
/// Each person's birthplace question put to `asker`, greedy replies.
func askBirthplaces(_ asker: Assistant, _ people: [Person]) throws -> [Reply] {
    try asker.replies(
        to: people.map { [Message(.user, ConversationWriter.birthplaceQuestion($0))] },
        settings: .greedy, seed: 0)
}
func right(_ replies: [Reply], _ people: [Person]) -> Rate {
    Rate(zip(replies, people)) { $0.0.text.contains("born in \($0.1.birthplace)") }
}
let sftFamous = try assistant.replies(to: famousQuestions, settings: .greedy, seed: 0)
let refuserFamous = try refuser.replies(to: famousQuestions, settings: .greedy, seed: 0)
let sftFamousRight = right(sftFamous, famous), refuserFamousRight = right(refuserFamous, famous)
metric("famous held-out people, sft right", sftFamousRight)
metric("famous held-out people, sft-refusals right", refuserFamousRight)
metric("famous held-out people, sft-refusals refuses", Rate(refuserFamous, where: refuses))
claim(
    "refusals cost little on famous people (accuracy, sft-refusals − sft)",
    refuserFamousRight.value - sftFamousRight.value, above: -0.1, "at most 10 points lost")
// The same question about famous people whose answers *are* in the refusal set.
let famousSeen = writer.finetuningPeople.filter {
    $0.fame >= 16 && known[$0.name]!.contains(.birthplace)
}
let refuserSeen = try askBirthplaces(refuser, famousSeen)
let seenRight = right(refuserSeen, famousSeen)
metric("famous people its finetuning answered, sft-refusals right", seenRight)
if !isQuick, refuserFamousRight.value - sftFamousRight.value <= -0.1 {
    show(
        "Here the claim fails, and badly. The refusal model names the right town for "
            + "\(refuserFamousRight.description) of the famous held-out people and refuses "
            + "\(Rate(refuserFamous, where: refuses).description) of them, while of the famous "
            + "people whose answers its own refusal set holds it names the right town for "
            + "\(seenRight.description). It did not learn when to answer: a model this small "
            + "(4 layers) may not carry a signal of what it knows that "
            + "a finetune can connect to \"I don't know\" (the next section measures one). "
            + "What we tried in earlier runs: every unknown fact of lesson 7's set turned into a "
            + "refusal (92% refusals: it refused everyone); as many refusals as answers (78 "
            + "each: \"Where was X born?\" got the identity reply); birthplaces only, from the "
            + "base model, answered as often as refused (98% of the famous refused) and three "
            + "times as often (76% refused, 2% right); from `sft`, the 35 known birthplaces "
            + "repeated to match all 315 unknown ones (81% refused, 2% right, 56% right on the "
            + "answered people). Asking each person once, as here, did not help either. The "
            + "next section measures why, and the one after it takes the decision out of the "
            + "network.")
}
// sft-refusals by fame: does it refuse the famous less than the unknown?
let heldOutByTier = tiers.map { fame in writer.heldOutPeople.filter { $0.fame == fame } }
let tierReplies = try heldOutByTier.map { try askBirthplaces(refuser, $0) }
show(
    Table(
        title: "sft-refusals on held-out people, by biographies in the crawl",
        columns: ["biographies", "right", "refuses", "names a wrong town"],
        rows: tiers.indices.map { t in
            let people = heldOutByTier[t], replies = tierReplies[t]
            return [
                "\(tiers[t])", right(replies, people).description,
                Rate(replies, where: refuses).description,
                Rate(zip(replies, people)) {
                    hallucinates($0.0) && !$0.0.text.contains($0.1.birthplace)
                }.description,
            ]
        }))

//: In our run every tier is refused alike: the finetune learned no sense of fame. Earlier runs of
//: this lesson tried more, each with the same claims: refusals written where the fact would start
//: ("… was born in a town I don't know"), so that the choice falls where the model recalls the town
//: (famous held-out people: 40% refused at 32 biographies, but 64% of unknown ones refused too);
//: extra conversations about the known people so that answers and refusals are as many (the known
//: names were learned by heart: held-out famous people still refused 61–72%); fewer steps or a
//: smaller learning rate (refusals and hallucinations fall together, and recall of famous people
//: drops); two answers for each refusal (`--set refusals=0.5`: 79% of the famous refused, 0%
//: right). None kept famous accuracy within 10 points.

//: ### Why: where it decides, nothing tells it what it knows
//: The refusal model chooses at the first token of its reply: a name (an answer) or "I'm"
//: (a refusal). To choose well, something computed at that position must differ between
//: people it knows and people it does not. We measure three candidate signals on held-out
//: people by their **AUC**: the chance that a famous person (16 or more biographies) scores
//: higher than a barely mentioned one (0–2); 0.5 is no signal, 1 a perfect one.
//: 1. `sft`'s top next-token probability after "*name* was born in": does it recall a town?
//: 2. A **probe** at the deciding position: a linear regression on `sft`'s output there,
//:    trained on the finetuning people to tell those whose birthplace it knows from the rest,
//:    then scored on held-out people. It can read whatever the last layer holds.
//: 3. The name's **surprise**: how badly the pretrained model predicts the rest of the name
//:    from its first word (nats per token). A name it read often, it completes.
let obscure = writer.heldOutPeople.filter { $0.fame <= 2 }
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
func auc(_ high: [Double], _ low: [Double]) -> Double {
    high.reduce(0.0) { sum, h in sum + low.reduce(0.0) { $0 + (h > $1 ? 1 : h == $1 ? 0.5 : 0) } }
        / Double(high.count * low.count)
}
func topProbability(_ person: Person) -> Double {
    let session = InferenceSession(model: sft.languageModel.model)
    let context =
        chat.prompt([Message(.user, ConversationWriter.birthplaceQuestion(person))])
        + base.tokenizer.encode("\(person.name) was born in")
    return Double(Sampling.softmax(session.feed(context.map(Int32.init))!.logits).max()!)
}
/// sft's output logits at the first position of its reply to the birthplace question.
func decidingOutput(_ person: Person) -> [Double] {
    let session = InferenceSession(model: sft.languageModel.model)
    let prompt = chat.prompt([Message(.user, ConversationWriter.birthplaceQuestion(person))])
    return session.feed(prompt.map(Int32.init))!.logits.map(Double.init)
}
/// A ridge-regression probe, solved in its dual form (fewer people than features): the
/// features standardised, labels +1 (knows) and −1, penalty λ = the number of people.
/// Returns the probe's score for new features.
func trainProbe(_ features: [[Double]], _ labels: [Bool]) -> ([Double]) -> Double {
    let n = features.count, width = features[0].count
    var mean = [Double](repeating: 0, count: width), scale = mean
    for x in features { for j in 0..<width { mean[j] += x[j] / Double(n) } }
    for x in features { for j in 0..<width { scale[j] += pow(x[j] - mean[j], 2) / Double(n) } }
    scale = scale.map { $0.squareRoot() + 1e-6 }
    func standard(_ x: [Double]) -> [Double] { (0..<width).map { (x[$0] - mean[$0]) / scale[$0] } }
    let xs = features.map(standard)
    // The n × n products X Xᵀ, by the library's matrix kernel.
    let X = Tensor(xs.flatMap { $0.map(Float.init) }, shape: [n, width])
    let gram = linear(X, weight: X).values
    // Solve (X Xᵀ + λI) α = y by Gaussian elimination; the probe is then w = Xᵀ α.
    var system = [Double](repeating: 0, count: n * (n + 1))  // row-major, y in the last column
    for i in 0..<n {
        for j in 0..<n { system[i * (n + 1) + j] = Double(gram[i * n + j]) }
        system[i * (n + 1) + i] += Double(n)
        system[i * (n + 1) + n] = labels[i] ? 1 : -1
    }
    for column in 0..<n {
        for row in (column + 1)..<n {
            let factor = system[row * (n + 1) + column] / system[column * (n + 1) + column]
            for k in column...n {
                system[row * (n + 1) + k] -= factor * system[column * (n + 1) + k]
            }
        }
    }
    var alpha = [Double](repeating: 0, count: n)
    for row in (0..<n).reversed() {
        var rest = system[row * (n + 1) + n]
        for j in (row + 1)..<n { rest -= system[row * (n + 1) + j] * alpha[j] }
        alpha[row] = rest / system[row * (n + 1) + row]
    }
    var w = [Double](repeating: 0, count: width)
    for (a, x) in zip(alpha, xs) { for j in 0..<width { w[j] += a * x[j] } }
    return { x in zip(w, standard(x)).reduce(0) { $0 + $1.0 * $1.1 } }
}
/// The name in a question: its capitalised words after the first word.
func askedName(_ question: String) -> String {
    question.split(separator: " ").dropFirst()
        .map { $0.trimmingCharacters(in: .punctuationCharacters) }
        .filter { $0.first?.isUppercase == true }.joined(separator: " ")
}
/// The pretrained model's surprise at the name in a question: the mean −log p of the name's
/// tokens after its first, read after the words before it (nats per token).
func surprise(ofNameIn question: String) -> Double {
    let name = askedName(question)
    let before = question.components(separatedBy: " " + name)[0]
    let nameTokens = base.tokenizer.encode(" " + name)
    let context = base.tokenizer.encode(before) + [nameTokens[0]]
    let rest = nameTokens.count > 1 ? Array(nameTokens.dropFirst()) : nameTokens
    return -ModelProbes.logProbability(base, context: context, continuation: rest)
        / Double(rest.count)
}
// The gate asks about the same questions again and again: each one's surprise, computed once.
var surpriseByQuestion: [String: Double] = [:]
func cachedSurprise(_ question: String) -> Double {
    if let known = surpriseByQuestion[question] { return known }
    let value = surprise(ofNameIn: question)
    surpriseByQuestion[question] = value
    return value
}
func nameSurprise(_ p: Person) -> Double {
    cachedSurprise(ConversationWriter.birthplaceQuestion(p))
}
let fitPeople = writer.finetuningPeople
let fitKnows = fitPeople.map { known[$0.name]!.contains(.birthplace) }
let probe = trainProbe(fitPeople.map(decidingOutput), fitKnows)
let fitProbeScores = fitPeople.map { probe(decidingOutput($0)) }
let probeFitAUC = auc(
    zip(fitProbeScores, fitKnows).filter(\.1).map(\.0),
    zip(fitProbeScores, fitKnows).filter { !$0.1 }.map(\.0))
let signals: [(String, (Person) -> Double)] = [
    ("sft's top probability after \"name was born in\"", topProbability),
    ("a probe on sft's output where it decides", { probe(decidingOutput($0)) }),
    ("the name's surprise, negated (base model)", { -nameSurprise($0) }),
]
let signalAUCs = signals.map { auc(famous.map($0.1), obscure.map($0.1)) }
show(
    Table(
        title: "Signals of knowing, held-out people: famous (n=\(famous.count)) against barely "
            + "mentioned (n=\(obscure.count))",
        columns: ["signal", "AUC"],
        rows: zip(signals, signalAUCs).map { [$0.0.0, String(format: "%.2f", $0.1)] }))
metric("AUC of sft's top probability, famous vs barely mentioned", signalAUCs[0])
metric("AUC of the probe where sft decides, famous vs barely mentioned", signalAUCs[1])
// Quick mode's model knows nobody: no AUC among the people the probe was fit on.
if !probeFitAUC.isNaN {
    metric(
        "AUC of the probe on the finetuning people it was trained on (knows vs not)", probeFitAUC)
}
metric("AUC of the name's surprise, famous vs barely mentioned", signalAUCs[2])
show(
    "The probe separates the people it was fit on only in part (AUC "
        + (probeFitAUC.isNaN ? "–" : String(format: "%.2f", probeFitAUC))
        + ", known against unknown) and new people hardly "
        + "at all (" + String(format: "%.2f", signalAUCs[1]) + "): what the network computes "
        + "where it decides carries little trace of whether it knows the person, and a finetune "
        + "that ties \"I don't know\" to it has little to tie it to. The model's surprise at the "
        + "name separates them well (" + String(format: "%.2f", signalAUCs[2]) + "), but it is a "
        + "measurement of the model, a probability it assigns to the name, not something the "
        + "network computes where it decides. Large models carry such a signal inside; ours, "
        + "with 4 layers, does not.")

//: ### Refusing by surprise: the decision taken outside the network
//: So the runtime takes it: before the assistant answers a question about someone, it measures
//: the pretrained model's surprise at the name, and if that is above a threshold the reply is
//: the refusal. The threshold is fit on the finetuning people with the interrogation's verdicts,
//: never on held-out people: **it is set so that the gate still answers the share `answered`
//: of the finetuning people whose birthplace the model knows**, which fixes in advance how many
//: of them we accept to see refused. (Our first rule, the threshold that best separates known
//: from unknown, is in the table below: it counts a refused known person the same as an answered
//: unknown one, and there are nine unknown people for each known one.)
let answeredKnown = param(
    "answered", 0.9, "share of the people it knows that the surprise gate still answers",
    in: 0.05...1.0)
let fitSurprise = fitPeople.map(nameSurprise)
let knownSurprise = zip(fitSurprise, fitKnows).filter(\.1).map(\.0).sorted()
func answeredShare(_ threshold: Double, knows: Bool) -> Double {
    let group = zip(fitSurprise, fitKnows).filter { $0.1 == knows }
    return Double(group.filter { $0.0 <= threshold }.count) / Double(max(group.count, 1))
}
// A model that knows nobody (quick mode's) refuses everyone.
let surpriseThreshold =
    knownSurprise.isEmpty
    ? fitSurprise.min()! - 1
    : knownSurprise[min(Int(Double(knownSurprise.count) * answeredKnown), knownSurprise.count - 1)]
let separatingThreshold =
    knownSurprise.isEmpty
    ? surpriseThreshold
    : fitSurprise.max { a, b in
        answeredShare(a, knows: true) - answeredShare(a, knows: false)
            < answeredShare(b, knows: true) - answeredShare(b, knows: false)
    }!
metric("surprise threshold (fit on the finetuning people)", surpriseThreshold, unit: "nats/token")
/// sft's reply, or the refusal where the name is more surprising than `threshold`.
func gated(_ question: String, _ reply: Reply, threshold: Double = surpriseThreshold) -> String {
    cachedSurprise(question) > threshold ? refusal(askedName(question)) : reply.text
}
let gatedUnknown = zip(unknownQuestions, sftUnknown).map { gated($0.0[0].text, $0.1) }
let gatedFamous = zip(famousQuestions, sftFamous).map { gated($0.0[0].text, $0.1) }
let gatedHallucinates = Rate(gatedUnknown) { $0.contains(" born in ") }
let gatedFamousRight = Rate(zip(gatedFamous, famous)) {
    $0.0.contains("born in \($0.1.birthplace)")
}
metric("sft with the surprise gate names a town for people it cannot know", gatedHallucinates)
metric(
    "sft with the surprise gate refuses them",
    Rate(gatedUnknown) { $0.contains("I don't believe I know") })
metric("famous held-out people, sft with the surprise gate right", gatedFamousRight)
claim(
    "the surprise gate lowers hallucinations (share naming a town, sft − gated)",
    sftHallucinates.value - gatedHallucinates.value, above: 0.3, "a clear fall")
claim(
    "the surprise gate costs little on famous people (accuracy, gated − sft)",
    gatedFamousRight.value - sftFamousRight.value, above: -0.1, "at most 10 points lost")
// The same gate in the library, which `tokenwise chat --refuse-above` runs.
let libraryGate = SurpriseGate(judge: base, threshold: surpriseThreshold)
let gateQuestions =
    (fitPeople + famous).map(ConversationWriter.birthplaceQuestion)
    + unknownQuestions.map { $0[0].text }
let gateGap =
    gateQuestions.map { abs(cachedSurprise($0) - (libraryGate.surprise(ofNameIn: $0) ?? .nan)) }
    .max() ?? 0
expect(
    "our surprise equals the library's gate on \(gateQuestions.count) questions (largest "
        + "difference)", gateGap, below: 1e-9)
show(
    "Try it: tokenwise chat --model sft --refuse-above "
        + String(format: "%.2f", surpriseThreshold)
        + " refuses what this gate refuses, and says why.")
show(
    Table(
        title: "Two rules for the threshold, on held-out people",
        columns: [
            "rule (fit on the finetuning people)", "threshold", "famous: right",
            "people it cannot know: names a town",
        ],
        rows: [
            ("answers \(Int(answeredKnown * 100))% of the people it knows", surpriseThreshold),
            ("best separates known from unknown", separatingThreshold),
        ].map { rule, threshold in
            [
                rule, String(format: "%.2f", threshold),
                Rate(zip(famousQuestions, zip(sftFamous, famous))) {
                    gated($0.0[0].text, $0.1.0, threshold: threshold)
                        .contains("born in \($0.1.1.birthplace)")
                }.description,
                Rate(zip(unknownQuestions, sftUnknown)) {
                    gated($0.0[0].text, $0.1, threshold: threshold).contains(" born in ")
                }.description,
            ]
        }))
let sftTierReplies = try heldOutByTier.map { try askBirthplaces(assistant, $0) }
show(
    Table(
        title: "sft with the surprise gate on held-out people, by biographies in the crawl",
        columns: ["biographies", "median surprise", "right", "refuses", "names a wrong town"],
        rows: tiers.indices.map { t in
            let people = heldOutByTier[t]
            let replies = zip(people, sftTierReplies[t]).map {
                gated(ConversationWriter.birthplaceQuestion($0.0), $0.1)
            }
            return [
                "\(tiers[t])", String(format: "%.1f", median(people.map(nameSurprise))),
                Rate(zip(replies, people)) { $0.0.contains("born in \($0.1.birthplace)") }
                    .description,
                Rate(replies) { $0.contains("I don't believe I know") }.description,
                Rate(zip(replies, people)) {
                    $0.0.contains(" born in ") && !$0.0.contains($0.1.birthplace)
                }.description,
            ]
        }))
//: The gate refuses by fame, which the finetune could not: a surprising name is one the model
//: read little about. What it cannot fix is a famous person whose town the model gets wrong:
//: the name is familiar, the fact is not.

//: ## Mitigation 2: a search tool
//: The assistant may write `<|search|>query<|/search|>`. The runtime stops it there, searches the
//: tiny web, and pastes the best passage into the context between `<|result|>` and
//: `<|/result|>`; then the model goes on and answers. The search is an inverted index over every
//: line of the tiny web's reference pages (biographies, book listings, nature articles; forum
//: posts would answer "Where was X born?" with someone asking it), ranked with **BM25**: a
//: passage must hold every word of the query; each word scores its rarity (idf) times a count
//: that saturates (k1 = 1.2), in a passage judged against the average length (b = 0.75). Here it
//: is, written out, for one query.
let rare = writer.heldOutPeople.filter { (1...2).contains($0.fame) }
let exampleQuery = "\(rare[0].name) born"
let passageTerms = index.passages.map(SearchIndex.terms)
let averageLength = Double(passageTerms.map(\.count).reduce(0, +)) / Double(passageTerms.count)
var passagesHolding: [String: Int] = [:]  // per term, counted once
func bm25(_ query: String, _ passage: Int) -> Double {
    let N = Double(passageTerms.count), terms = passageTerms[passage]
    return Set(SearchIndex.terms(query)).reduce(0) { score, term in
        if passagesHolding[term] == nil {
            passagesHolding[term] = passageTerms.filter { $0.contains(term) }.count
        }
        let n = Double(passagesHolding[term]!)
        let idf = log((N - n + 0.5) / (n + 0.5) + 1)
        let f = Double(terms.filter { $0 == term }.count)
        let k1 = 1.2, b = 0.75
        return score + idf * f * (k1 + 1)
            / (f + k1 * (1 - b + b * Double(terms.count) / averageLength))
    }
}
let hits = index.search(exampleQuery, limit: 5)
show(
    Table(
        title: "Search \"\(exampleQuery)\" over \(index.passages.count) passages",
        columns: ["rank", "passage", "BM25 (ours)", "BM25 (library)"],
        rows: hits.enumerated().map {
            [
                "\($0.offset + 1)", index.passages[$0.element.passage],
                String(format: "%.4f", bm25(exampleQuery, $0.element.passage)),
                String(format: "%.4f", $0.element.score),
            ]
        }))
let scoreGap = hits.map { abs(bm25(exampleQuery, $0.passage) - $0.score) }.max() ?? 0
expect(
    "our BM25 equals the library's on the top passages (largest difference)", scoreGap, below: 1e-9)

//: ### Teaching it when to search
//: The search data is lesson 7's set with one change: every answer about a person the
//: interrogation found unknown now searches first — the name and the question's key word — and answers from
//: the passage. Where the passage does not hold the answer, or nothing is found, it says so.
//: The result's tokens are given, never trained on (the mask).
func keyword(_ kind: Kind) -> String {
    switch kind {
    case .birthplace, .birthday: return "born"
    case .work: return "known"
    case .mother: return "mother"
    }
}
/// The fact an answer states: what follows its last " in ", " on ", " is " or " for ".
func fact(of answer: String) -> String {
    let body = answer.hasSuffix(".") ? String(answer.dropLast()) : answer
    let separators = [" in ", " on ", " is ", " for "]
    let cut = separators.compactMap { body.range(of: $0, options: .backwards)?.upperBound }.max()
    return cut.map { String(body[$0...]) } ?? body
}
func searched(_ message: Message) -> Message {
    guard let name = isUnknownAnswer(message) else { return message }
    let query = "\(name) \(keyword(kind(of: message.text)!))"
    guard let passage = index.bestPassage(query) else {
        return Message(
            .assistant, "I found nothing about \(name).",
            search: SearchStep(query: query, result: Assistant.noResult))
    }
    let answer = passage.contains(fact(of: message.text)) ? message.text : "The search did not say."
    return Message(.assistant, answer, search: SearchStep(query: query, result: passage))
}
let searchSet = training.map { $0.map(searched) }
let searchingAnswers = searchSet.joined().filter { $0.search != nil }
print(
    "search data: \(searchingAnswers.count) answers search first; "
        + "\(searchingAnswers.filter { $0.search!.result == Assistant.noResult }.count) find "
        + "nothing"
)
let exampleSearch = searchSet.first {
    $0.contains { $0.search?.result != Assistant.noResult && $0.search != nil }
}!
let rendered = chat.render(exampleSearch)
show(
    .tokenStrip(
        TokenStrip(
            title: "A search conversation: trained tokens (1) and given ones (0)",
            tokens: zip(rendered.tokens, rendered.weights).map {
                .init(text: base.label(of: $0.0), id: $0.0, value: Double($0.1))
            },
            coloring: .byValue, valueLabel: "trained on", showIDs: false)))
let searchTuned = try Finetuning.run(
    settings, from: base, conversations: searchSet, heldOut: heldOut,
    name: "sft-search")
try Pretraining.catalog.publish(searchTuned.languageModel, as: "sft-search" + publishedSuffix)
let searcher = try Assistant(searchTuned.languageModel)
searcher.searchTool = { index.bestPassage($0) }

//: ### The tool loop
//: The runtime's protocol, written out: sample greedily; a `<|search|>` opens a query; its
//: `<|/search|>` runs the search, and the result's tokens are read into the context as if the
//: model had written them; `<|end|>` or any other special token ends the turn. Checked against
//: the library's loop, which `tokenwise chat` uses (it also gives up on a query longer than 16
//: tokens and cuts a result that would not leave room for the answer).
func answerWithSearch(_ question: String) -> (query: String?, answer: String) {
    let session = InferenceSession(model: searchTuned.languageModel.model)
    let prompt = chat.prompt([Message(.user, question)])
    var step = session.feed(prompt.map(Int32.init))!
    var answer: [Int] = [], query: [Int]? = nil, searchedFor: String? = nil
    let window = searchTuned.languageModel.model.config.contextLength
    var written = 0
    while written < 48 && session.tokens.count < window {
        written += 1
        let token = Sampling.ranking(step.logits)[0]
        step = session.feed(Int32(token))
        if token == chat.end { break }
        if token == chat.searchCall && searchedFor == nil && query == nil {
            query = []
        } else if token == chat.searchCallEnd, let words = query {
            let text =
                (try? base.tokenizer.decodeText(words))?.trimmingCharacters(in: .whitespaces) ?? ""
            searchedFor = text
            step = session.feed(
                chat.resultTokens(index.bestPassage(text) ?? Assistant.noResult).map(Int32.init))!
            query = nil
        } else if base.tokenizer.specialTokens.values.contains(token) {
            break
        }  // any other: the turn is over
        else if query != nil {
            query!.append(token)
        } else {
            answer.append(token)
        }
    }
    answer += query ?? []  // a call never closed: its words stay in the reply as text
    return (searchedFor, (try? base.tokenizer.decodeText(answer)) ?? "")
}
let loopQuestions =
    rare.prefix(10).map(ConversationWriter.birthplaceQuestion)
    + invented.prefix(5).map { ConversationWriter.birthplaceQuestion(name: $0) }
let loopDifferences = try loopQuestions.compactMap { question -> String? in
    let ours = answerWithSearch(question), library = try searcher.answer(question)
    // The library reports an unclosed call too; ours keeps only a search that ran.
    let libraryQuery = library.search.flatMap { $0.outcome == .unclosed ? nil : $0.query }
    guard ours.answer != library.text || ours.query != libraryQuery else { return nil }
    return "\(question) ours: \(ours.query ?? "no search") → \(ours.answer); library: "
        + "\(library.search?.query ?? "no search") → \(library.text)"
}
expect(
    "our tool loop equals the library's", loopDifferences.isEmpty,
    measured: "\(loopQuestions.count) questions, \(loopDifferences.count) differ"
        + (loopDifferences.first.map { " (\($0))" } ?? ""))

//: ### With search
//: Held-out people the assistant has barely read about (one or two biographies), and the
//: people it cannot know.
func answers(_ asker: Assistant, _ questions: [String]) throws -> [Reply] {
    try questions.map { try asker.answer($0) }
}
let rareQuestions = rare.map(ConversationWriter.birthplaceQuestion)
let sftRare = try assistant.replies(
    to: rareQuestions.map { [Message(.user, $0)] }, settings: .greedy, seed: 0)
let searchRare = try answers(searcher, rareQuestions)
let sftRareRight = right(sftRare, rare), searchRareRight = right(searchRare, rare)
metric("rarely mentioned held-out people, sft right", sftRareRight)
metric("rarely mentioned held-out people, sft-search right", searchRareRight)
metric(
    "rarely mentioned held-out people, sft-search searched", Rate(searchRare) { $0.search != nil })
claim(
    "search raises accuracy on people the model barely knows (accuracy, search − sft)",
    searchRareRight.value - sftRareRight.value, above: 0.3, "far above")
let searchUnknown = try answers(searcher, unknownQuestions.map { $0[0].text })
let searchHallucinates = Rate(searchUnknown, where: hallucinates)
metric("people it cannot know, sft-search names a town", searchHallucinates)
metric(
    "people it cannot know, sft-search searched and found nothing",
    Rate(searchUnknown) { $0.search?.outcome == .nothing })
claim(
    "with search it invents less for people it cannot know (share naming a town, sft − sft-search)",
    sftHallucinates.value - searchHallucinates.value, above: 0.3, "a clear fall")
let unknownNames = invented + neverMentioned.map(\.name)
let copiedName = Rate(zip(searchUnknown, unknownNames)) {
    $0.0.search?.query.hasPrefix($0.1) == true
}
metric("people it cannot know, the query copies the name asked about", copiedName)
show(
    "Where it still names a town, look at its query: it copies the name it was asked about "
        + "into the search for \(copiedName.description) of these questions. A name it has never "
        + "seen "
        + "is hard to copy (lesson 7 found the same); a miscopied name can be a real person's, the "
        + "search finds that person, and the answer is a true fact about someone else.")
let searchFamous = try answers(searcher, famous.map(ConversationWriter.birthplaceQuestion))
metric("famous held-out people, sft-search right", right(searchFamous, famous))

//: ### Does the answer come from the passage?
//: Two ablations on the same rarely-mentioned people. The tool returns nothing: the model
//: has only its memory again. The tool returns *another* person's birth passage: if the model
//: reads the result, it now names that person's town.
searcher.searchTool = { _ in nil }
let withoutPassage = try answers(searcher, rareQuestions)
let swapped = rare.indices.map { rare[($0 + 1) % rare.count] }
let swappedReplies = try rareQuestions.indices.map { i in
    let passage = index.bestPassage("\(swapped[i].name) born")
    searcher.searchTool = { _ in passage }
    return try searcher.answer(rareQuestions[i])
}
searcher.searchTool = { index.bestPassage($0) }
let withoutRight = right(withoutPassage, rare)
let followsSwap = Rate(zip(swappedReplies, swapped)) {
    $0.0.text.contains("born in \($0.1.birthplace)")
}
let swapKeepsTruth = right(swappedReplies, rare)
show(
    Table(
        title: "Rarely mentioned held-out people (n = \(rare.count)): where the answer comes from",
        columns: ["the search returns", "names the true town", "names the passage's town"],
        rows: [
            ["the person's passage", searchRareRight.description, searchRareRight.description],
            ["nothing", withoutRight.description, "–"],
            ["another person's passage", swapKeepsTruth.description, followsSwap.description],
        ]))
metric("search returns nothing: right", withoutRight)
metric("search returns another person's passage: names that passage's town", followsSwap)
claim(
    "the answer copies the passage (share naming a swapped-in passage's town)",
    followsSwap.value, above: 0.5, "most answers")

//: ### A search, token by token
//: One reply with its search, as the model read it: the question, the call it wrote, the
//: passage the runtime injected, and the answer. Then where the answer's tokens look: the
//: attention of the last layer (mean over heads) from each answer token back to every token.
// The first rarely-mentioned person it answers right (the table above shows how often it fails).
let tracedIndex =
    rare.indices.first { searchRare[$0].text.contains("born in \(rare[$0].birthplace)") } ?? 0
let traced = try searcher.answer(rareQuestions[tracedIndex])
let tracePrompt = chat.prompt([Message(.user, rareQuestions[tracedIndex])])
let traceTokens = tracePrompt + traced.tokens
let injected =
    traced.search.map {
        ($0.injected.lowerBound + tracePrompt.count)..<($0.injected.upperBound + tracePrompt.count)
    }
    ?? 0..<0
show(
    .tokenStrip(
        TokenStrip(
            title: "Question, search call, injected result (1), answer",
            tokens: traceTokens.enumerated().map {
                .init(
                    text: base.label(of: $0.element), id: $0.element,
                    value: injected.contains($0.offset) ? 1 : 0)
            },
            coloring: .byValue, valueLabel: "injected by the search tool", showIDs: false)))
let traceSession = InferenceSession(model: searchTuned.languageModel.model)
var traceSteps: [Step] = []
for token in traceTokens.dropLast() { traceSteps.append(traceSession.feed(Int32(token))) }
// Rows: the positions that write the answer, from <|/result|> (which predicts its first token).
let answerPositions =
    injected.isEmpty ? [] : Array((injected.upperBound - 1)..<(traceTokens.count - 1))
let lastLayer = searchTuned.languageModel.model.config.layerCount - 1
let attentionRows = answerPositions.map { position -> [Double] in
    let heads = traceSteps[position].attention[lastLayer]
    return traceTokens.indices.map { j in
        j <= position ? heads.map { Double($0[j]) }.reduce(0, +) / Double(heads.count) : 0
    }
}
if !attentionRows.isEmpty {
    show(
        .heatmap(
            Heatmap(
                title: "Attention from the answer (rows) to the context (columns), last layer",
                values: attentionRows,
                rowLabels: answerPositions.map { "→ " + base.label(of: traceTokens[$0 + 1]) },
                columnLabels: traceTokens.map { base.label(of: $0) },
                colorbarLabel: "attention")))
    let onResult = attentionRows.map { row in injected.map { row[$0] }.reduce(0, +) }
    metric("answer's attention on the injected result, per answer token", meanShare: Mean(onResult))
}
