//: # Search: looking the rest up
//: Lesson 9 taught the assistant to say "I don't know" where its memory runs out. The labs'
//: second fix for hallucinations gives it a **search tool**: a fact pasted into its context is
//: working memory, not a vague recollection of pretraining. Our tiny web makes it measurable:
//: the program knows every fact, which people the assistant knows, and which it cannot know.
import Course
import Foundation

let seed = param("seed", 1, "seed of the search finetune's batch order", in: 1...1_000_000)
let twoHopCount = param(
    "two_hop", 300, "two-hop conversations (two searches) in the search data", quick: 60,
    in: 0...5000)

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
    return Set(SearchIndex.terms(query)).sorted().reduce(0) { score, term in
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
//: Some questions take two searches. "Where was the author of *a book* born?": the book's
//: listing names its author, and only then can the assistant ask where the author was born.
//: The search data gains conversations that search the title and *by* (a shop's listing reads
//: "Item …: *title* by *author*"; the title alone finds the page's heading), then the name the
//: listing gave and *born*, and answer from the second passage (always both searches, whether
//: or not the model knows the author). Their books are by the people lesson 7's set talks
//: about; books by held-out people are kept for a test at the end of the lesson.
let authorNamed = Dictionary(uniqueKeysWithValues: world.people.map { ($0.name, $0) })
/// A two-hop conversation: the title's listing, then where its author was born.
func twoHops(_ book: Book, asked question: String) -> [Message] {
    let titleQuery = "\(book.title) by"
    guard let listing = index.bestPassage(titleQuery) else {
        let nothing = SearchStep(query: titleQuery, result: Assistant.noResult)
        let answer = "I found nothing about \(book.title)."
        return [Message(.user, question), Message(.assistant, answer, search: nothing)]
    }
    guard listing.contains("by \(book.author)") else {
        let found = SearchStep(query: titleQuery, result: listing)
        let answer = "The search did not say."
        return [Message(.user, question), Message(.assistant, answer, search: found)]
    }
    let authorQuery = "\(book.author) born"   // the name the first result gave
    let passage = index.bestPassage(authorQuery) ?? Assistant.noResult
    let town = authorNamed[book.author]!.birthplace
    let answer =
        passage.contains(town) ? "\(book.author) was born in \(town)." : "The search did not say."
    return [
        Message(.user, question),
        Message(
            .assistant,
            parts: [
                .call(ToolCall(.search, input: titleQuery, result: listing)),
                .call(ToolCall(.search, input: authorQuery, result: passage)),
                .text(answer),
            ]),
    ]
}
// harness: the books of each side (a title two books share is left out), the questions asked
let titleCounts = Dictionary(world.books.map { ($0.title, 1) }, uniquingKeysWith: +)
let finetuningNames = Set(writer.finetuningPeople.map(\.name))
let twoHopTraining = world.books.filter {
    titleCounts[$0.title] == 1 && finetuningNames.contains($0.author)
}
let twoHopTest = world.books.filter {
    titleCounts[$0.title] == 1 && !finetuningNames.contains($0.author)
}
func twoHopQuestion(_ book: Book) -> String { "Where was the author of \(book.title) born?" }
let twoHopAskings: [(Book) -> String] = [
    twoHopQuestion, { "Where was the writer of \($0.title) born?" },
    { "In which town was the author of \($0.title) born?" },
]
// Each training book in turn, asked each way in turn; kept where it fits the context.
let twoHopSet = (0..<(twoHopTraining.isEmpty ? 0 : twoHopCount)).map { i in
    let book = twoHopTraining[i % twoHopTraining.count]
    let asking = twoHopAskings[i / twoHopTraining.count % twoHopAskings.count]
    return twoHops(book, asked: asking(book))
}.filter { chat.render($0).tokens.count <= base.model.config.contextLength }
let searchedTwice = twoHopSet.filter { $0[1].parts != nil }
print(
    "two-hop data: \(twoHopSet.count) conversations about \(twoHopTraining.count) books, "
        + "\(searchedTwice.count) of them search twice; "
        + "\(twoHopTest.count) books by held-out people kept for the test")
if let example = searchedTwice.first {
    show(
        base.weightStrip(
            "A two-hop conversation: trained tokens (1) and given ones (0)", chat.render(example),
            valueLabel: "trained on"))
}
// The search finetune, lesson 7's recipe, on both sets.
let searchTuned = try Finetuning.run(
    settings, from: base, conversations: searchSet + twoHopSet, heldOut: heldOut.map(\.messages),
    name: "sft-search")
try PublishedModel.sftSearch.publish(searchTuned.languageModel)
let searcher = try Assistant(searchTuned.languageModel)
searcher.searchTool = { index.bestPassage($0) }

//: ### The tool loop
//: The runtime's protocol, written out: sample greedily; a `<|search|>` opens a query; its
//: `<|/search|>` runs the search, and the result's tokens are read into the context as if the
//: model had written them; `<|end|>` or any other special token ends the turn. A reply may
//: make `allowed` searches (one, here); once they are spent, `<|search|>` is masked out of the
//: choice and the model must answer with what it has. Checked against the library's loop, which
//: `tokenwise chat` uses (it also gives up on a query longer than 16 tokens and cuts a result
//: that would not leave room for the answer).
func answerWithSearches(_ question: String, allowed: Int) -> (queries: [String], answer: String) {
    let session = InferenceSession(model: searchTuned.languageModel.model)
    let prompt = chat.prompt([Message(.user, question)])
    var step = session.feed(prompt.map(Int32.init))!
    var answer: [Int] = [], query: [Int]? = nil, queries: [String] = []
    let window = searchTuned.languageModel.model.config.contextLength
    var written = 0
    while written < 48 && session.tokens.count < window {
        written += 1
        let token = Sampling.ranking(step.logits).first {
            $0 != chat.searchCall || queries.count < allowed
        }!
        step = session.feed(Int32(token))
        if token == chat.end { break }
        if token == chat.searchCall && query == nil {
            query = []
        } else if token == chat.searchCallEnd, let words = query {
            let text =
                (try? base.tokenizer.decodeText(words))?.trimmingCharacters(in: .whitespaces) ?? ""
            queries.append(text)
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
    return (queries, (try? base.tokenizer.decodeText(answer)) ?? "")
}
/// How `question` differs between our loop and the library's, each allowing `allowed`
/// searches (nil: the same queries and answer).
func loopDifference(_ question: String, allowed: Int) throws -> String? {
    searcher.callsAllowed[.search] = allowed
    defer { searcher.callsAllowed[.search] = nil }
    let ours = answerWithSearches(question, allowed: allowed)
    let library = try searcher.answer(question)
    // The library reports an unclosed call too; ours keeps only the searches that ran.
    let libraryQueries = library.searches.filter { $0.outcome != .unclosed }.map(\.input)
    guard ours.answer != library.text || ours.queries != libraryQueries else { return nil }
    return "\(question) ours: \(ours.queries) → \(ours.answer); library: "
        + "\(libraryQueries) → \(library.text)"
}
let loopQuestions =
    rare.prefix(10).map(ConversationWriter.birthplaceQuestion)
    + invented.prefix(5).map { ConversationWriter.birthplaceQuestion(name: $0) }
let loopDifferences = try loopQuestions.compactMap { try loopDifference($0, allowed: 1) }
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
//: reads the result, it now names that person's town. The control is the same town named with
//: no passage at all: a model that ignored the passage would name it no more often than that.
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
let withoutNamesSwapped = right(withoutPassage, swapped)
let followsSwap = right(swappedReplies, swapped)
let swapKeepsTruth = right(swappedReplies, rare)
// harness: the ablations as a table, the report card's numbers and the claim
show(
    Table(
        title: "Rarely mentioned held-out people (n = \(rare.count)): where the answer comes from",
        columns: ["the search returns", "names the true town", "names the other person's town"],
        rows: [
            ["the person's passage", searchRareRight.description, "–"],
            ["nothing", withoutRight.description, withoutNamesSwapped.description],
            ["another person's passage", swapKeepsTruth.description, followsSwap.description],
        ]))
metric("search returns nothing: right", withoutRight)
metric("search returns another person's passage: names that passage's town", followsSwap)
metric("search returns nothing: names the other person's town", withoutNamesSwapped)
let steers = claim(
    "the passage steers the answer (share naming another person's town: that person's passage "
        + "returned, against no passage)",
    followsSwap, beats: withoutNamesSwapped, atLeast: 0.2)
show(
    """
    With another person's passage, \(followsSwap.description) of the answers name that \
    person's town, against \(withoutNamesSwapped.description) with no passage: \(steers.held
        ? "the model reads what the search returned"
        : "this run does not show the passage steering the answer by a clear margin"). \
    Compare the first row: with the person's own passage it names the true town in \
    \(searchRareRight.description). Only \(swapKeepsTruth.description) of the answers keep the \
    true town against a wrong passage: for these people the model's memory barely competes \
    with what the search returns. The stored sweeps at the end of the page show this share \
    in each of their runs.
    """)

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

//: ## Two searches: the seed of agents
//: "Where was the author of *a book* born?" takes two lookups, and the second query can only be
//: written once the first result is read: the listing names the author, then the author's name
//: finds the birthplace. A loop of calls, each built from the last result, is what an agent
//: is. The test: books by held-out people, never in any finetuning conversation, each asked
//: once, with the tool loop above allowing 0, 1 or 2 searches (a spent search is masked out, so
//: the model must answer with what it has).
let twoHopQuestions = twoHopTest.map(twoHopQuestion)
let twoHopAuthors = twoHopTest.map { authorNamed[$0.author]! }
let budgets = [0, 1, 2]
var twoHopReplies: [Int: [Reply]] = [:]
for allowed in budgets {
    searcher.callsAllowed[.search] = allowed
    twoHopReplies[allowed] = try answers(searcher, twoHopQuestions)
}
searcher.callsAllowed[.search] = nil
let twoHopRight = twoHopReplies.mapValues { right($0, twoHopAuthors) }
let loopTwoHopDifferences = try twoHopQuestions.prefix(10).compactMap {
    try loopDifference($0, allowed: 2)
}
// harness: the check of our loop
expect(
    "our tool loop equals the library's, two searches allowed", loopTwoHopDifferences.isEmpty,
    measured: "\(min(10, twoHopQuestions.count)) questions, \(loopTwoHopDifferences.count) differ"
        + (loopTwoHopDifferences.first.map { " (\($0))" } ?? ""))

//: Masking the second search is harsh: the model never learned to answer after one result.
//: So the control is generous to one search. One search can at best give the author's name
//: (the listing's) and leave the birthplace to memory; lesson 7's assistant, asked "Where was
//: *author* born?" by name, shows what memory holds. A question counts for "one search" when
//: either way names the right town.
let sftOnAuthors = try assistant.replies(
    to: twoHopAuthors.map { [Message(.user, ConversationWriter.birthplaceQuestion($0))] },
    settings: .greedy, seed: 0)
let memoryRight = right(sftOnAuthors, twoHopAuthors)
let oneSearchAtBest = Rate(twoHopAuthors.indices) {
    right(twoHopReplies[1]![$0].text, twoHopAuthors[$0])
        || right(sftOnAuthors[$0].text, twoHopAuthors[$0])
}
// harness: the table, the report card's numbers and the claim
let searchedTwiceRate = twoHopReplies.mapValues { replies in
    Rate(replies) { $0.searches.count >= 2 }.description
}
show(
    Table(
        title: "Two-hop questions about held-out books (n = \(twoHopTest.count))",
        columns: ["the assistant, searches", "names the author's birthplace", "searched twice"],
        rows: budgets.map { allowed in
            [
                "sft-search, \(allowed) allowed", twoHopRight[allowed]!.description,
                searchedTwiceRate[allowed]!,
            ]
        } + [
            ["sft, asked by the author's name (memory)", memoryRight.description, "–"],
            ["one search at best: 1 allowed, or memory", oneSearchAtBest.description, "–"],
        ]))
for allowed in budgets {
    let searches = allowed == 1 ? "search" : "searches"
    metric("two-hop questions, \(allowed) \(searches) allowed, right", twoHopRight[allowed]!)
}
metric("two-hop questions, sft asked by the author's name, right", memoryRight)
claim(
    "a second search raises two-hop accuracy (two searches allowed, against one search or "
        + "memory of the author's birthplace)",
    twoHopRight[2]!, beats: oneSearchAtBest, atLeast: 0.2)

//: Where this gain is lost, it is lost at the second query: the model copies the author's name
//: from the listing into its second query often, not always (the next table counts it), and a
//: miscopied name finds someone else or nothing. The stored sweeps at the end of the page
//: retry the claim on other seeds.
//:
//: Does the answer come from the second search? With two allowed, split the questions by
//: whether the second query names the author the first result gave: copying the name right
//: should be what makes the answer right.
// Whether a reply's second query names the author its first result gave.
func namesTheAuthor(_ reply: Reply, _ book: Book) -> Bool {
    let searches = reply.searches.filter { $0.outcome != .unclosed }
    return searches.count >= 2 && searches[0].result.contains("by \(book.author)")
        && searches[1].input.contains(book.author)
}
let named = twoHopTest.indices.filter { namesTheAuthor(twoHopReplies[2]![$0], twoHopTest[$0]) }
let notNamed = twoHopTest.indices.filter { !named.contains($0) }
func rightShare(_ questions: [Int]) -> Rate {
    Rate(questions) { right(twoHopReplies[2]![$0].text, twoHopAuthors[$0]) }
}
// harness: the split, the report card's numbers and the claim
let namedRate = Rate(hits: named.count, of: twoHopTest.count)
show(
    Table(
        title: "Two searches allowed: right, by the second query",
        columns: ["the second query", "questions", "names the author's birthplace"],
        rows: [
            ["names the listing's author", "\(named.count)", rightShare(named).description],
            ["does not (or there is none)", "\(notNamed.count)", rightShare(notNamed).description],
        ]))
metric("two-hop questions, the second query names the listing's author", namedRate)
claim(
    "the two-hop answer comes from the second search (right when the second query names the "
        + "listing's author, against when it does not)",
    rightShare(named), beats: rightShare(notNamed), atLeast: 0.2)

//: One question traced, with each budget: both queries, what each search returned, and the
//: answer (with fewer searches than it learned to make, read what it writes instead).
// The first held-out book it answers right with two searches (the tables show how often).
let tracedBook = twoHopTest.indices.first {
    right(twoHopReplies[2]![$0].text, twoHopAuthors[$0])
}
if let b = tracedBook {
    show(
        Table(
            title: "“\(twoHopQuestions[b])” (the author: \(twoHopTest[b].author))",
            columns: [
                "searches allowed", "first query → result", "second query → result", "answer",
            ],
            rows: budgets.map { allowed in
                let reply = twoHopReplies[allowed]![b]
                let calls = reply.searches.map { "\($0.input) → \($0.result)" }
                let second = calls.dropFirst().first ?? "–"
                return ["\(allowed)", calls.first ?? "–", second, reply.text]
            }))
}
