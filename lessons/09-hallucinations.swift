//: # Hallucinations: knowing what it does not know
//: Lesson 7's assistant answers every question in the same confident voice, because every
//: answer it was trained on was confident. Asked about someone it never read about, it invents.
//: The labs' first fix: **interrogate** the model to find out what it knows, and teach it to
//: say "I don't know" exactly where it does not. Our tiny web makes it measurable: the program
//: knows every fact and how often the model read it. On our small model this fix, done as the
//: labs do it, refuses the famous too; the page finds why, and moves the decision out of the
//: network, where it works. Lesson 10 gives the assistant the second fix, a search tool.
import Course
import Foundation

// samples, temperature and known: their defaults are Interrogation.Settings.standard, which
// lesson 10 reads the interrogation with.
let samples = param("samples", 3, "samples per interrogation question", quick: 2, in: 1...20)
let temperature = param(
    "temperature", 0.5, "temperature of the interrogation samples", in: 0.0...2.0)
let knownAt = param("known", 2, "right samples that make a fact known", quick: 1, in: 1...20)
let refusalsPerAnswer = param(
    "refusals", 1.0, "refused birthplaces per answered one in the refusal set", in: 0.1...20.0)
let seed = param("seed", 1, "seed of the refusal finetune's batch order", in: 1...1_000_000)
let answeredKnown = param(
    "answered", 0.9, "share of the people it knows that the surprise gate still answers",
    in: 0.05...1.0)

let base = try PublishedModel.base.model()
let sft = try PublishedModel.sft.model()   // lesson 7's assistant, as it published it
let (world, _) = try CourseData.tinyWeb()
let writer = ConversationWriter(world: world)
var settings = FinetuningSettings.standard()
settings.seed = UInt64(seed)
let (training, heldOut) = try AssistantRecipe.standard.conversations()   // lesson 7's
let assistant = try Assistant(sft)
let chat = try ChatTokens(format: .course, tokenizer: base.tokenizer)

//: ## The hallucination
//: Names no document of the tiny web contains, made of the same syllables as its people's
//: (`Interrogation.inventedNames`; lesson 10 asks about the same ones). The base model gets
//: lesson 6's forum prompt; the assistant gets the question.
let index = try CourseData.searchIndex()   // the tiny web's reference pages: nothing on them
let invented = Interrogation.inventedNames(in: world, index: index)
func baseAnswer(_ name: String) -> String {
    let prompt = "Thread: where was \(name) born?\nJuno7: Where was \(name) born?\nWren12:"
    let text = ModelProbes.greedy(base, prompt: prompt, tokens: 30)
    return String(text.split(separator: "\n", omittingEmptySubsequences: false)[0])
        .components(separatedBy: LanguageModel.documentSeparator)[0]
}
/// The birthplace question about each name, as a conversation of its own.
func birthplaceQuestions(_ names: [String]) -> [[Message]] {
    names.map { [Message(.user, ConversationWriter.birthplaceQuestion(name: $0))] }
}
let inventedQuestions = birthplaceQuestions(invented)
let sftOnInvented = try assistant.replies(to: inventedQuestions, settings: .greedy, seed: 0)
show(
    Table(
        title: "Asked about people who do not exist",
        columns: ["name", "base model (forum prompt)", "sft"],
        rows: (0..<3).map { [invented[$0], baseAnswer(invented[$0]), sftOnInvented[$0].text] }))

//: ## Interrogation: what does the model know?
//: For every person of the world we ask the four kinds of question the finetuning set asks,
//: each `samples` times at temperature `temperature` (the parameters at the top of the page give
//: their values), and check the answers against the world.
//: **Our rule: the model knows a fact when at least `known` of its samples state it.** A model
//: that knows a fact says it again and again; one that guesses scatters. The sampling is the
//: library's (`Interrogation.run`, kept in the store, where lesson 10 reads what the model
//: knows); the rule is written out here, and checked equal to the library's.
let interrogation = try Interrogation.run(
    sft, people: world.people,
    settings: .init(samples: samples, temperature: temperature, knownAt: knownAt))
let kinds = PersonFact.Kind.allCases
/// What an answer that states `kind` of `p` says ("born in Ashford", "mother is Ada Quill").
func statement(_ kind: PersonFact.Kind, _ p: Person) -> String {
    switch kind {
    case .birthplace: return "born in \(p.birthplace)"
    case .birthday: return "born on \(p.birthDay) \(p.birthYear)"
    case .work: return "known for \(p.knownFor)"
    case .mother: return "mother is \(p.mother)"
    }
}
var known: [String: Set<PersonFact.Kind>] = [:]   // person → the kinds of fact the model knows
for (p, person) in world.people.enumerated() {
    // The samples of question k about person p: do at least `knownAt` state the fact?
    known[person.name] = Set(
        kinds.enumerated().filter { k, kind in
            let replies = interrogation.replies[p * kinds.count + k]
            return replies.filter { $0.contains(statement(kind, person)) }.count >= knownAt
        }.map(\.element))
}
let ruleDifferences = world.people.filter { known[$0.name] != interrogation.known[$0.name] }
expect(
    "our rule finds the facts the library's interrogation finds", ruleDifferences.isEmpty,
    measured: "\(world.people.count) people, \(ruleDifferences.count) differ")
// harness: the report card's time, and what the model knows by fame, as a chart and table
let asked = interrogation.answerCount
print("interrogation: \(asked) answers in \(String(format: "%.1f", interrogation.seconds)) s")
metric("interrogation time (\(asked) sampled answers)", interrogation.seconds, unit: "s")
let tiers = Array(Set(world.people.map(\.fame))).sorted()
func knownShare(_ kind: PersonFact.Kind, fame: Int) -> Rate {
    Rate(world.people.filter { $0.fame == fame }) { known[$0.name]!.contains(kind) }
}
let birthplacesKnown = tiers.map { knownShare(.birthplace, fame: $0) }
show(
    .bar(
        BarChart(
            title: "Birthplaces the assistant knows, by how many biographies mentioned the person",
            bars: zip(tiers, birthplacesKnown).map {
                .init(label: "\($0) (n=\($1.count))", value: $1.value)
            },
            valueLabel: "share known", percent: true)))
show(
    Table(
        title: "Facts known, by biographies in the crawl",
        columns: ["biographies"] + kinds.map(\.rawValue),
        rows: tiers.map { fame in ["\(fame)"] + kinds.map { knownShare($0, fame: fame).description }
        }))
for fame in [1, 32] where tiers.contains(fame) {
    let share = knownShare(.birthplace, fame: fame)
    metric("birthplaces known, people with \(fame) biographies", share)
}

//: ## Say "I don't know" where it does not know
//: The refusal data answers what the interrogation found the model knows and refuses what it
//: found it does not, so the model learns to refuse *where its own knowledge runs out*, not
//: everywhere. Each of lesson 7's conversations carries the facts its answers state, which is
//: how we find the answers about people.
//:
//: The model knows few facts (the table above): birthdays, works and mothers it hardly ever
//: knows, and refusing every answer that states one would teach "a question about a person →
//: refuse". So the refusal set asks the one fact we measure. It keeps lesson 7's conversations
//: that are not about people, asks the birthplace of every finetuning person whose birthplace
//: the model knows, answered, and of as many people whose birthplace it does not know, refused
//: (`refusals` sets the ratio): refusing has to be told apart from knowing, not learned as the
//: default. Each person is asked once. The finetune continues from `sft`, which already answers
//: from memory. (The other facts are not in this finetune; the page measures birthplaces only.)
func knowsBirthplace(_ p: Person) -> Bool { known[p.name]!.contains(.birthplace) }
func birthplaceTurn(_ p: Person) -> [Message] {
    let answer = "\(p.name) was born in \(p.birthplace)."
    // The refusal: "I'm sorry, I don't believe I know that about <name>."
    return [
        Message(.user, ConversationWriter.birthplaceQuestion(p)),
        Message(.assistant, knowsBirthplace(p) ? answer : SurpriseGate.refusal(p.name)),
    ]
}
let notAboutPeople = training.filter { !$0.isAboutPeople }.map(\.messages)
var shuffler = SeededGenerator(seed: 88)
let knowingPeople = writer.finetuningPeople.filter(knowsBirthplace)
let refusedPeople = Array(
    writer.finetuningPeople.filter { !knowsBirthplace($0) }
        .shuffled(using: &shuffler)
        // At least 10 refusals: a model that knows nobody (quick mode's) still learns one.
        .prefix(Int((Double(max(knowingPeople.count, 10)) * refusalsPerAnswer).rounded())))
let refusalSet = (notAboutPeople + (knowingPeople + refusedPeople).map(birthplaceTurn))
    .shuffled(using: &shuffler)
// harness: the refusal set, counted as a table
print(
    "refusal data: \(notAboutPeople.count) of lesson 7's conversations not about people; "
        + "\(knowingPeople.count) birthplaces the model knows, answered; \(refusedPeople.count) "
        + "it does not know, refused (\(refusalSet.count) conversations in all)")
show(
    Table(
        title: "The refusal set", columns: ["conversations", "count"],
        rows: [
            ["lesson 7's, not about people", "\(notAboutPeople.count)"],
            ["birthplace answered (the model knows it)", "\(knowingPeople.count)"],
            ["birthplace refused (it does not know it)", "\(refusedPeople.count)"],
            ["in the refusal set", "\(refusalSet.count)"],
        ]))
// end harness
let refusals = try Finetuning.run(
    settings, from: sft, conversations: refusalSet, heldOut: heldOut.map(\.messages),
    name: "sft-refusals")
try PublishedModel.sftRefusals.publish(refusals.languageModel)
let refuser = try Assistant(refusals.languageModel)

//: ### Does it still invent?
//: Two sets the finetune never saw: the invented names above, and held-out people whom no
//: document mentions. A reply *hallucinates* when it names a town.
let neverMentioned = writer.heldOutPeople.filter { $0.fame == 0 }
let unknownQuestions = birthplaceQuestions(invented + neverMentioned.map(\.name))
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
    sftHallucinates.value - refuserHallucinates.value, above: 0.3, "a clear fall", unit: .points)

//: ### Over-refusal
//: The price of refusing is refusing too often. Held-out famous people (16 or more
//: biographies): does the refusal model still answer them as well as the assistant did?
//: We allow it to lose at most 10 points.
let famous = writer.heldOutPeople.filter { $0.fame >= 16 }
let famousQuestions = birthplaceQuestions(famous.map(\.name))
/// Each person's birthplace question put to `asker`, greedy replies.
func askBirthplaces(_ asker: Assistant, _ people: [Person]) throws -> [Reply] {
    try asker.replies(to: birthplaceQuestions(people.map(\.name)), settings: .greedy, seed: 0)
}
/// Whether `text` names the birthplace of `p`.
func right(_ text: String, _ p: Person) -> Bool {
    PersonFact(.birthplace, of: p).isStated(in: text)
}
func right(_ replies: [Reply], _ people: [Person]) -> Rate {
    Rate(zip(replies, people)) { right($0.0.text, $0.1) }
}
let sftFamous = try assistant.replies(to: famousQuestions, settings: .greedy, seed: 0)
let refuserFamous = try refuser.replies(to: famousQuestions, settings: .greedy, seed: 0)
let sftFamousRight = right(sftFamous, famous), refuserFamousRight = right(refuserFamous, famous)
let refuserFamousRefuses = Rate(refuserFamous, where: refuses)
metric("famous held-out people, sft right", sftFamousRight)
metric("famous held-out people, sft-refusals right", refuserFamousRight)
metric("famous held-out people, sft-refusals refuses", refuserFamousRefuses)
let famousCost = claim(
    "refusals cost little on famous people (accuracy, sft-refusals − sft)",
    refuserFamousRight.value - sftFamousRight.value, above: -0.1, "at most 10 points lost", unit: .points)
// The same question about famous people whose answers *are* in the refusal set.
let famousSeen = writer.finetuningPeople.filter { $0.fame >= 16 && knowsBirthplace($0) }
let refuserSeen = try askBirthplaces(refuser, famousSeen)
let seenRight = right(refuserSeen, famousSeen)
metric("famous people its finetuning answered, sft-refusals right", seenRight)
if famousCost.failed {
    show(
        """
        Here the claim fails, and badly. The refusal model names the right town for \
        \(refuserFamousRight.description) of the famous held-out people and refuses \
        \(refuserFamousRefuses.description) of them, while of the famous people whose answers \
        its own refusal set holds it names the right town for \(seenRight.description). It did \
        not learn when to answer: a model this small may not carry a signal of what it knows \
        that a finetune can connect to "I don't know". The next section measures one.
        """)
}
// harness: sft-refusals by fame, as a table
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
                    hallucinates($0.0) && !right($0.0.text, $0.1)
                }.description,
            ]
        }))

//: A finetune that learned a sense of fame would refuse the famous tiers less than the people no
//: page mentions; the table shows whether this one does.
//:
//: > **What we tried** Other refusal sets, each with the same claims: every fact the model does
//: > not know refused, not only birthplaces; the known birthplaces repeated, or extra
//: > conversations about the known people, until answers matched refusals; refusals written where
//: > the town would start ("… was born in a town I don't know"); fewer finetuning steps or a
//: > smaller learning rate. Each refused the famous too, learned the answered people by heart, or
//: > let hallucinations back in as refusals fell; none kept famous accuracy within the claim's
//: > margin. `tokenwise sweep 9 --set refusals=0.5,1,2` measures the ratio of refusals to answers
//: > on your machine.

//: ### Why: where it decides, nothing tells it what it knows
//: The refusal model chooses at the first token of its reply: a name (an answer) or "I'm"
//: (a refusal). To choose well, something computed at that position must differ between
//: people it knows and people it does not. We measure three candidate signals on held-out
//: people by their **AUC** (`Statistics.auc`): the chance that a famous person (16 or more
//: biographies) scores higher than a barely mentioned one (0–2); 0.5 is no signal, 1 a perfect
//: one.
//: 1. `sft`'s top next-token probability after "*name* was born in": does it recall a town?
//: 2. A **probe** at the deciding position: a linear regression on `sft`'s output there
//:    (`RidgeProbe`: ridge regression, features standardised, labels ±1), trained on the
//:    finetuning people to tell those whose birthplace it knows from the rest, then scored on
//:    held-out people. It can read whatever the last layer holds.
//: 3. The name's **surprise**: how badly the pretrained model predicts the rest of the name
//:    from its first word (nats per token). A name it read often, it completes.
let obscure = writer.heldOutPeople.filter { $0.fame <= 2 }
func topProbability(_ person: Person) -> Double {
    let session = InferenceSession(model: sft.model)
    let context =
        chat.prompt([Message(.user, ConversationWriter.birthplaceQuestion(person))])
        + base.tokenizer.encode("\(person.name) was born in")
    return Double(Sampling.softmax(session.feed(context.map(Int32.init))!.logits).max()!)
}
/// sft's output logits at the first position of its reply to the birthplace question.
func decidingOutput(_ person: Person) -> [Double] {
    let session = InferenceSession(model: sft.model)
    let prompt = chat.prompt([Message(.user, ConversationWriter.birthplaceQuestion(person))])
    return session.feed(prompt.map(Int32.init))!.logits.map(Double.init)
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
// harness: each question's surprise, computed once
// The gate asks about the same questions again and again: each one's surprise, computed once.
var surpriseByQuestion: [String: Double] = [:]
func cachedSurprise(_ question: String) -> Double {
    if let cached = surpriseByQuestion[question] { return cached }
    surpriseByQuestion[question] = surprise(ofNameIn: question)
    return surpriseByQuestion[question]!
}
func nameSurprise(_ p: Person) -> Double {
    cachedSurprise(ConversationWriter.birthplaceQuestion(p))
}
// end harness
let fitPeople = writer.finetuningPeople
let fitKnows = fitPeople.map(knowsBirthplace)
let probe = RidgeProbe(features: fitPeople.map(decidingOutput), labels: fitKnows)
let fitProbeScores = fitPeople.map { probe.score(decidingOutput($0)) }
let probeFitAUC = Statistics.auc(
    zip(fitProbeScores, fitKnows).filter(\.1).map(\.0),
    zip(fitProbeScores, fitKnows).filter { !$0.1 }.map(\.0))
let signals: [(String, (Person) -> Double)] = [
    ("sft's top probability after \"name was born in\"", topProbability),
    ("a probe on sft's output where it decides", { probe.score(decidingOutput($0)) }),
    ("the name's surprise, negated (base model)", { -nameSurprise($0) }),
]
// harness: the signals compared, as a table, and the report card's numbers
let signalAUCs = signals.map { Statistics.auc(famous.map($0.1), obscure.map($0.1)) }
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
// end harness
show(
    """
    The probe separates the people it was fit on only in part (AUC \
    \(probeFitAUC.isNaN ? "–" : String(format: "%.2f", probeFitAUC)), known against unknown) \
    and new people hardly at all (\(String(format: "%.2f", signalAUCs[1]))): what the network \
    computes where it decides carries little trace of whether it knows the person, and a \
    finetune that ties "I don't know" to it has little to tie it to. The model's surprise at \
    the name separates them well (\(String(format: "%.2f", signalAUCs[2]))), but it is a \
    measurement of the model, a probability it assigns to the name, not something the network \
    computes where it decides. Large models carry such a signal inside; ours does not.
    """)

//: ### Refusing by surprise: the decision taken outside the network
//: So the runtime takes it: before the assistant answers a question about someone, it measures
//: the pretrained model's surprise at the name, and if that is above a threshold the reply is
//: the refusal. The threshold is fit on the finetuning people with the interrogation's verdicts,
//: never on held-out people: **it is set so that the gate still answers the share `answered`
//: of the finetuning people whose birthplace the model knows**, which fixes in advance how many
//: of them we accept to see refused. (Our first rule, the threshold that best separates known
//: from unknown, is in the table below: it counts a refused known person the same as an answered
//: unknown one, and the model knows few of the people.)
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
    cachedSurprise(question) > threshold ? SurpriseGate.refusal(askedName(question)) : reply.text
}
let gatedUnknown = zip(unknownQuestions, sftUnknown).map { gated($0.0[0].text, $0.1) }
let gatedFamous = zip(famousQuestions, sftFamous).map { gated($0.0[0].text, $0.1) }
let gatedHallucinates = Rate(gatedUnknown) { $0.contains(" born in ") }
let gatedFamousRight = Rate(zip(gatedFamous, famous)) { right($0.0, $0.1) }
metric("sft with the surprise gate names a town for people it cannot know", gatedHallucinates)
metric(
    "sft with the surprise gate refuses them",
    Rate(gatedUnknown) { $0.contains("I don't believe I know") })
metric("famous held-out people, sft with the surprise gate right", gatedFamousRight)
claim(
    "the surprise gate lowers hallucinations (share naming a town, sft − gated)",
    sftHallucinates.value - gatedHallucinates.value, above: 0.3, "a clear fall", unit: .points)
claim(
    "the surprise gate costs little on famous people (accuracy, gated − sft)",
    gatedFamousRight.value - sftFamousRight.value, above: -0.1, "at most 10 points lost", unit: .points)
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
// harness: two rules for the threshold, and the gate by fame, as tables
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
                    right(gated($0.0[0].text, $0.1.0, threshold: threshold), $0.1.1)
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
                "\(tiers[t])",
                String(format: "%.1f", Statistics.median(people.map(nameSurprise))),
                Rate(zip(replies, people)) { right($0.0, $0.1) }.description,
                Rate(replies) { $0.contains("I don't believe I know") }.description,
                Rate(zip(replies, people)) {
                    $0.0.contains(" born in ") && !right($0.0, $0.1)
                }.description,
            ]
        }))
//: The gate refuses by fame, which the finetune could not: a surprising name is one the model
//: read little about. What it cannot fix is a famous person whose town the model gets wrong:
//: the name is familiar, the fact is not. Lesson 10 takes the other road: instead of refusing
//: what the model does not know, it lets the model look it up.
