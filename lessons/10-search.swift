//: # Search: looking the rest up
//: Lesson 9 taught the assistant to say "I don't know" where its memory runs out. The labs'
//: second fix for hallucinations gives it a **search tool**: a fact pasted into its context is
//: working memory, not a vague recollection of pretraining. Our tiny web makes it measurable:
//: the program knows every fact, which people the assistant knows, and which it cannot know.
import Course
import Foundation

let seed = param("seed", 1, "seed of the search finetune's batch order", in: 1...1_000_000)

// harness: the models, the world and lesson 9's findings, loaded
let base = try PublishedModel.base.model()
let sft = try PublishedModel.sft.model()   // lesson 7's assistant, as it published it
let (world, _) = try CourseData.tinyWeb()
let writer = ConversationWriter(world: world)
var settings = FinetuningSettings.standard()
settings.seed = UInt64(seed)
let (training, heldOut) = try AssistantRecipe.standard.conversations()   // lesson 7's
let assistant = try Assistant(sft)
let chat = try ChatTokens(format: .course, tokenizer: base.tokenizer)
let index = try CourseData.searchIndex()   // the tiny web's reference pages
// Lesson 9's interrogation, with its standard settings (from the store when lesson 9 ran):
// person → the kinds of fact the assistant knows.
let known = try Interrogation.run(sft, people: world.people).known
// People it cannot know, as in lesson 9: invented names, and held-out people no document
// mentions.
let invented = Interrogation.inventedNames(in: world, index: index)
let neverMentioned = writer.heldOutPeople.filter { $0.fame == 0 }
let unknownNames = invented + neverMentioned.map(\.name)
let unknownQuestions = unknownNames.map(ConversationWriter.birthplaceQuestion(name:))
let rare = writer.heldOutPeople.filter { (1...2).contains($0.fame) }   // one or two biographies
let famous = writer.heldOutPeople.filter { $0.fame >= 16 }
/// A reply *hallucinates* about someone it cannot know when it names a town.
func hallucinates(_ reply: Reply) -> Bool { reply.text.contains(" born in ") }
/// Whether `text` names the birthplace of `p`.
func right(_ text: String, _ p: Person) -> Bool {
    PersonFact(.birthplace, of: p).isStated(in: text)
}
func right(_ replies: [Reply], _ people: [Person]) -> Rate {
    Rate(zip(replies, people)) { right($0.0.text, $0.1) }
}
let sftUnknown = try assistant.replies(
    to: unknownQuestions.map { [Message(.user, $0)] }, settings: .greedy, seed: 0)
let sftHallucinates = Rate(sftUnknown, where: hallucinates)

//: ## A search tool
//: The assistant may write `<|search|>query<|/search|>`. The runtime stops it there, searches the
//: tiny web, and pastes the best passage into the context between `<|result|>` and
//: `<|/result|>`; then the model goes on and answers. The search is an inverted index over every
//: line of the tiny web's reference pages (biographies, book listings, nature articles; forum
//: posts would answer "Where was X born?" with someone asking it), ranked with **BM25**: a
//: passage must hold every word of the query; each word scores its rarity (idf) times a count
//: that saturates (k1 = 1.2), in a passage judged against the average length (b = 0.75). Here it
//: is, written out, for one query.
let exampleQuery = "\(rare[0].name) born"
let passageTerms = index.passages.map(SearchIndex.terms)
let averageLength = Double(passageTerms.map(\.count).reduce(0, +)) / Double(passageTerms.count)
var passagesHolding: [String: Int] = [:]   // per term, counted once
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
//: The search data is lesson 7's set with one change: every answer stating a fact the
//: interrogation found the model does not know now searches first — the person's name and the
//: question's key word — and answers from the passage. Where the passage does not hold the
//: answer, or nothing is found, it says so. Each conversation carries the facts its answers
//: state, so nothing is read back out of the text. The result's tokens are given, never
//: trained on (the mask).
func keyword(_ kind: PersonFact.Kind) -> String {
    switch kind {
    case .birthplace, .birthday: return "born"
    case .work: return "known"
    case .mother: return "mother"
    }
}
/// The answer `message`, which states `fact`, rewritten to search first.
func searched(_ message: Message, stating fact: PersonFact) -> Message {
    let query = "\(fact.person) \(keyword(fact.kind))"
    guard let passage = index.bestPassage(query) else {
        return Message(
            .assistant, "I found nothing about \(fact.person).",
            search: SearchStep(query: query, result: Assistant.noResult))
    }
    let answer = passage.contains(fact.value) ? message.text : "The search did not say."
    return Message(.assistant, answer, search: SearchStep(query: query, result: passage))
}
let searchSet = training.map { conversation in
    conversation.messages.enumerated().map { i, message in
        guard let fact = conversation.facts[i], !known[fact.person]!.contains(fact.kind) else {
            return message
        }
        return searched(message, stating: fact)
    }
}
let searchingAnswers = searchSet.joined().filter { $0.search != nil }
let foundNothing = searchingAnswers.filter { $0.search!.result == Assistant.noResult }
print(
    "search data: \(searchingAnswers.count) answers search first; "
        + "\(foundNothing.count) find nothing")
let exampleSearch = searchSet.first {
    $0.contains { $0.search?.result != Assistant.noResult && $0.search != nil }
}!
let rendered = chat.render(exampleSearch)
show(
    base.weightStrip(
        "A search conversation: trained tokens (1) and given ones (0)", rendered,
        valueLabel: "trained on"))
let searchTuned = try Finetuning.run(
    settings, from: base, conversations: searchSet, heldOut: heldOut.map(\.messages),
    name: "sft-search")
try PublishedModel.sftSearch.publish(searchTuned.languageModel)
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
        }   // any other: the turn is over
        else if query != nil {
            query!.append(token)
        } else {
            answer.append(token)
        }
    }
    answer += query ?? []   // a call never closed: its words stay in the reply as text
    return (searchedFor, (try? base.tokenizer.decodeText(answer)) ?? "")
}
let loopQuestions =
    rare.prefix(10).map(ConversationWriter.birthplaceQuestion)
    + invented.prefix(5).map { ConversationWriter.birthplaceQuestion(name: $0) }
let loopDifferences = try loopQuestions.compactMap { question -> String? in
    let ours = answerWithSearch(question), library = try searcher.answer(question)
    // The library reports an unclosed call too; ours keeps only a search that ran.
    let libraryQuery = library.search.flatMap { $0.outcome == .unclosed ? nil : $0.input }
    guard ours.answer != library.text || ours.query != libraryQuery else { return nil }
    return "\(question) ours: \(ours.query ?? "no search") → \(ours.answer); library: "
        + "\(library.search?.input ?? "no search") → \(library.text)"
}
expect(
    "our tool loop equals the library's", loopDifferences.isEmpty,
    measured: "\(loopQuestions.count) questions, \(loopDifferences.count) differ"
        + (loopDifferences.first.map { " (\($0))" } ?? ""))

//: ### Step through a search
//: One of those questions, stepped through: the call's tokens, the result read into the context
//: (marked as the tool's on the page), and the answer the model writes after it.
let searchStepper = try Stepper(
    model: searchTuned.languageModel, tokens: chat.prompt([Message(.user, loopQuestions[0])]),
    settings: .greedy, seed: 1)
searchStepper.tools[.search] = { index.bestPassage($0) }
while searchStepper.contextTokens.last != chat.end && searchStepper.recording.frames.count < 80 { searchStepper.perform(.greedy) }
showStepThrough(searchStepper.recording, name: "search", title: "Step through sft-search answering “\(loopQuestions[0])”")

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
// harness: the report card's numbers and the claims
metric("rarely mentioned held-out people, sft right", sftRareRight)
metric("rarely mentioned held-out people, sft-search right", searchRareRight)
metric(
    "rarely mentioned held-out people, sft-search searched", Rate(searchRare) { $0.search != nil })
claim(
    "search raises accuracy on people the model barely knows (accuracy, search − sft)",
    searchRareRight.value - sftRareRight.value, above: 0.3, "far above", unit: .points)
let searchUnknown = try answers(searcher, unknownQuestions)
let searchHallucinates = Rate(searchUnknown, where: hallucinates)
metric("people it cannot know, sft names a town", sftHallucinates)
metric("people it cannot know, sft-search names a town", searchHallucinates)
metric(
    "people it cannot know, sft-search searched and found nothing",
    Rate(searchUnknown) { $0.search?.outcome == .nothing })
claim(
    "with search it invents less for people it cannot know "
        + "(share naming a town, sft − sft-search)",
    sftHallucinates.value - searchHallucinates.value, above: 0.3, "a clear fall", unit: .points)
let copiedName = Rate(zip(searchUnknown, unknownNames)) {
    $0.0.search?.input.hasPrefix($0.1) == true
}
metric("people it cannot know, the query copies the name asked about", copiedName)
show(
    """
    Where it still names a town, look at its query: it copies the name it was asked about into \
    the search for \(copiedName.description) of these questions. A name it has never seen is \
    hard to copy (lesson 8 found the same); a miscopied name can be a real person's, the search \
    finds that person, and the answer is a true fact about someone else.
    """)
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
let followsSwap = right(swappedReplies, swapped)
let swapKeepsTruth = right(swappedReplies, rare)
// harness: the ablations as a table, the report card's numbers and the claim
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
    followsSwap.value, above: 0.5, "most answers", unit: .percent)

//: This claim sits close to its line. About half the answers follow the swapped-in passage;
//: the stored sweeps at the end of the page show it holding on three seeds with one BLAS kernel
//: and failing on three with another. Which side of "most" it lands on is decided by rounding,
//: so read it as "the passage steers about half the answers", not as a majority that travels.
//:
//: ### A search, token by token
//: One reply with its search, as the model read it: the question, the call it wrote, the
//: passage the runtime injected, and the answer. Then where the answer's tokens look: the
//: attention of the last layer (mean over heads) from each answer token back to every token.
// The first rarely-mentioned person it answers right (the table above shows how often it fails).
let tracedIndex = rare.indices.first { right(searchRare[$0].text, rare[$0]) } ?? 0
let traced = try searcher.answer(rareQuestions[tracedIndex])
let tracePrompt = chat.prompt([Message(.user, rareQuestions[tracedIndex])])
let traceTokens = tracePrompt + traced.tokens
let injected =
    traced.search.map {
        ($0.injected.lowerBound + tracePrompt.count)..<($0.injected.upperBound + tracePrompt.count)
    }
    ?? 0..<0
show(
    base.valueStrip(
        "Question, search call, injected result (1), answer", tokens: traceTokens,
        values: traceTokens.indices.map { injected.contains($0) ? 1 : 0 },
        valueLabel: "injected by the search tool"))
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
