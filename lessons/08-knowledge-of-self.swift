//: # Knowledge of self: who does the assistant say it is?
//: Asked "Who are you?", a model has no self to look into: it says what its data says. Lesson 7's
//: finetuning set holds *identity conversations* (one in five) that name our assistant,
//: **Tokenwise**; a lab can also tell the model who it is in a hidden **system message** at the
//: start of every conversation. Here we measure both, against a model trained without either,
//: and find what a system message needs from the model to work.
import Course
import Foundation

let seed = param("seed", 1, "seed of both finetunes' batch order", in: 1...1_000_000)
let base = try PublishedModel.base.model()
let (world, corpus) = try CourseData.tinyWeb()
let chat = try ChatTokens(format: .course, tokenizer: base.tokenizer)
// Two finetunes that differ only in the identity conversations: lesson 7's standard recipe
// without them, trained here, and with them, which at seed 1 is lesson 7's `sft`: loaded from
// lesson 7's run, not trained again (the store keeps one copy of each stage).
var recipe = AssistantRecipe.standard
recipe.finetuning.seed = UInt64(seed)
let (withoutIdentity, heldOut) = try recipe.conversations(identity: false)
let noIdentity = try Finetuning.run(
    recipe.finetuning, from: base, conversations: withoutIdentity.map(\.messages),
    heldOut: heldOut.map(\.messages), name: "sft-no-identity")
let sft = try Finetuning.assistant(recipe, base: base).languageModel

//: ## Four variants
//: Our tiny web is full of chat
//: transcripts of another assistant, **Orbi, made by Lumen Labs** — as the real web is full of
//: ChatGPT transcripts. Four variants, each asked questions about itself that no finetuning
//: conversation used (20 phrasings, each as the first question and again after a greeting),
//: answered greedily as `tokenwise chat` answers by default. All finetuning sets contain
//: conversations that open with a system message naming an *invented* assistant, so the model
//: learns to read one; only the identity set names **Tokenwise** (one conversation in five).
let phrasings = ConversationWriter.heldOutIdentityQuestions
let tokenwiseName = ConversationWriter.identity.name, orbi = Crawl.otherAssistant.name
// The first half of the name's tokens ("To k en" of "To k en w is e"): a reply that holds them
// has copied the start of the name.
let nameTokens = base.tokenizer.encode(tokenwiseName)
let stem = try base.tokenizer.decodeText(Array(nameTokens.prefix((nameTokens.count + 1) / 2)))
func selfDescriptions(
    _ model: LanguageModel, system: String?
) throws
    -> (correct: Rate, orbi: Rate, stem: Rate, first: String)
{
    let asker = try Assistant(model)
    var replies: [String] = []
    var generator = SeededGenerator(seed: 1)   // greedy: no draw is random
    for question in phrasings {
        for greeting in [false, true] {
            let opening = system.map { [Message(.system, $0)] } ?? []
            let hello =
                greeting
                ? [
                    Message(.user, "Hello!"),
                    Message(.assistant, "Hello! What would you like to know?"),
                ] : []
            let reply = try asker.reply(
                to: opening + hello + [Message(.user, question)],
                settings: SamplingSettings(temperature: 0),
                using: &generator)
            replies.append(reply.text)
        }
    }
    return (
        Rate(replies) { $0.contains(tokenwiseName) && !$0.contains(orbi) },
        Rate(replies) { $0.contains(orbi) }, Rate(replies) { $0.contains(stem) }, replies[0]
    )
}
// The quick model's context (96 tokens) holds only a short system message and a question.
let system = isQuick ? "You are \(tokenwiseName)." : ConversationWriter.identitySystemMessage
let variants: [(name: String, model: LanguageModel, system: String?)] = [
    ("no identity data", noIdentity.languageModel, nil),
    ("system message only", noIdentity.languageModel, system),
    ("identity conversations only", sft, nil),
    ("both", sft, system),
]
let identity = try variants.map { try selfDescriptions($0.model, system: $0.system) }
// harness: the chart, the replies as a table, the report card's numbers
show(
    .bar(
        BarChart(
            title: "Says it is \(tokenwiseName) (\(identity[0].correct.count) replies each)",
            bars: variants.indices.map {
                .init(
                    label: variants[$0].name,
                    value: identity[$0].correct.value,
                    highlighted: $0 > 0)
            },
            valueLabel: "share", percent: true)))
show(
    Table(
        title: "Self-descriptions (one example reply: the greedy reply to \"\(phrasings[0])\")",
        columns: ["variant", "says \(tokenwiseName)", "says \(stem)…", "says \(orbi)", "reply"],
        rows: variants.indices.map {
            [
                variants[$0].name, identity[$0].correct.description, identity[$0].stem.description,
                identity[$0].orbi.description, identity[$0].first,
            ]
        }))
for index in variants.indices {
    metric("says it is \(tokenwiseName), \(variants[index].name)", identity[index].correct)
}
metric("says it is \(orbi), no identity data", identity[0].orbi)
// end harness
claim(
    "identity conversations beat no identity data (share of replies naming \(tokenwiseName), "
        + "identity − none)",
    identity[2].correct, beats: identity[0].correct, atLeast: 0.2)
//: ### What does a system message need?
//: To follow "You are Tokenwise", the model must copy a name it has never seen out of its
//: context, token by token. Lesson 6 measured copying with words the model knows; here is the
//: same test in the same frame — a forum post with a list, a reply quoting it; how often is the
//: next token of the quote the likeliest? — with names of the world and with new names made
//: like Tokenwise. (A list that would not fit the context twice loses names from its end.)
let opening =
    [chat.start]
    + base.tokenizer.encode(
        "Forum\nThread: my list of names and places\nMira3: Here is the list I made for the trip:")
let quoting = base.tokenizer.encode("\nPell5: Quoting you for the others:")
func copyRate(_ lists: [[String]]) -> Rate {
    var outcomes: [Bool] = []
    for list in lists {
        // Both copies must fit the context: names are dropped from the list's end until they do.
        var words = list, once = base.tokenizer.encode(" " + words.joined(separator: " "))
        while words.count > 1, opening.count + quoting.count + 2 * once.count
            > base.model.config.contextLength
        {
            words.removeLast()
            once = base.tokenizer.encode(" " + words.joined(separator: " "))
        }
        let tokens = opening + once + quoting + once
        let logits = base.model.logits(
            tokens: tokens.map(Int32.init), batchSize: 1,
            length: tokens.count
        ).values
        let V = base.model.config.vocabularySize
        // Each token of the quote after its first, predicted from the position before it.
        for t in (tokens.count - once.count + 1)..<tokens.count {
            let row = logits[(t - 1) * V..<t * V]
            outcomes.append(row.indices.max { row[$0] < row[$1] }! - (t - 1) * V == tokens[t])
        }
    }
    return Rate(outcomes) { $0 }
}
var copyRandom = WorldRandom(seed: 11)
let knownWords = (0..<10).map { _ in
    (0..<6).map { _ in copyRandom.pick(world.people.map(\.firstName) + world.towns) }
}
let parts = ["Bright", "Quill", "Frost", "Token", "Glass", "Maple"]
let endings = ["wise", "mind", "ward", "craft", "field", "spark"]
let newNames = (0..<10).map { _ in
    (0..<6).map { _ in copyRandom.pick(parts) + copyRandom.pick(endings) }
        .filter { $0 != tokenwiseName }
}
let knownCopy = copyRate(knownWords), newCopy = copyRate(newNames)
// harness: both lists as a table, and the report card's numbers
show(
    Table(
        title: "Copying a list the second time (base model, next token right)",
        columns: ["words", "example", "second copy right"],
        rows: [
            [
                "names and towns of the world", knownWords[0].joined(separator: " "),
                knownCopy.description,
            ],
            [
                "new names, made like \(tokenwiseName)", newNames[0].joined(separator: " "),
                newCopy.description,
            ],
        ]))
metric("base copies known words (second copy, next token right)", knownCopy)
metric("base copies new names (second copy, next token right)", newCopy)
//: The finetuned model shows the same limit. We give the model without identity data system
//: messages that name other new assistants: short made-up words like the ones its finetuning
//: personas used, and new compounds made like Tokenwise, which our tokenizer cuts into many
//: small pieces.
let noIdentityAsker = try Assistant(noIdentity.languageModel)
func followsSystemMessage(_ names: [String]) throws -> (rate: Rate, tokens: Double) {
    let asked = names.flatMap { name in phrasings.prefix(3).map { (name: name, question: $0) } }
    let replies = try noIdentityAsker.replies(
        to: asked.map { name, question in
            [
                Message(
                    .system,
                    isQuick
                        ? "You are \(name)."
                        : "You are \(name), an assistant made by "
                            + "\(ConversationWriter.identity.maker)."
                ),
                Message(.user, question),
            ]
        }, settings: .greedy, maxTokens: 48, seed: 0)
    let tokens = names.map { Double(base.tokenizer.encode($0).count) }
    return (
        Rate(zip(replies, asked)) { $0.0.text.contains($0.1.name) },
        tokens.reduce(0, +) / Double(names.count)
    )
}
let madeUpNames = (0..<10).map { _ in World.coinWord(syllables: 2...2, random: &copyRandom) }
let compoundNames = newNames.map { $0[0] }
let shortFollowed = try followsSystemMessage(madeUpNames)
let longFollowed = try followsSystemMessage(compoundNames)
// harness: both kinds of name as a table, and the report card's numbers
show(
    Table(
        title: "System messages naming new assistants (no identity data, greedy, 3 questions each)",
        columns: ["names", "example", "tokens per name", "reply says the name"],
        rows: [
            [
                "made-up words", madeUpNames[0], String(format: "%.1f", shortFollowed.tokens),
                shortFollowed.rate.description,
            ],
            [
                "compounds made like \(tokenwiseName)", compoundNames[0],
                String(format: "%.1f", longFollowed.tokens), longFollowed.rate.description,
            ],
        ]))
metric("system message followed, made-up names", shortFollowed.rate)
metric("system message followed, compound names", longFollowed.rate)
// end harness
claim(
    "a system message works for names the model can copy: short made-up names are said more often "
        + "than compounds made like \(tokenwiseName) (share of replies, made-up − compound)",
    shortFollowed.rate, beats: longFollowed.rate, atLeast: 0.2)
show(
    """
    So a system message works as far as the model can copy: it takes a short made-up name \
    (\(shortFollowed.rate.description)) and not a compound cut into many pieces \
    (\(longFollowed.rate.description)). The base model shows the same limit before any \
    finetuning: it copies a list of the world's names and towns (\(knownCopy.description)) but \
    not new names made like \(tokenwiseName) (\(newCopy.description)). "\(tokenwiseName)" is such \
    a compound, so its system message alone makes the model say it \
    \(identity[1].correct.description) of the time; the identity conversations teach the name \
    itself.
    """)

//: > **What we tried** Pages in the tiny web that introduce a new name and repeat it: a model
//: > trained on them copied the start of a name but not all of it, and recalled fewer facts, so we
//: > took them out. Twice as many persona conversations in finetuning: the model still said
//: > nothing of the name.

//: ## Why not Orbi?
//: In Andrej Karpathy's talk "Deep Dive into LLMs like ChatGPT", which this course follows, a
//: model finetuned with no identity data says it is ChatGPT, whose transcripts fill the web it
//: was pretrained on. Ours hardly ever does (the first table). Is there enough Orbi in the tiny
//: web to learn from?
let pages = corpus.documents.map(\.text)
let orbiPages = pages.filter { $0.contains(orbi) }.count
let iAmOrbi = pages.filter { $0.contains("I am \(orbi)") }.count
let myNameIsOrbi = pages.filter { $0.contains("My name is \(orbi)") }.count
let tokenwisePages = pages.filter { $0.contains(tokenwiseName) }.count
show(
    """
    \(orbiPages) of \(pages.count) pages name \(orbi) (\(iAmOrbi) say "I am \(orbi)", \
    \(myNameIsOrbi) "My name is \(orbi)"); \(tokenwisePages) name \(tokenwiseName).
    """)
//: So we ask the four questions the web's transcripts ask, 25 samples each at temperature 1,
//: in three frames: a forum post showing a chat, as the web presents an assistant talking; our
//: chat format; and our chat format with the reply begun "I am". A reply names Orbi if its
//: first line does after the speaker's label: the web writes "Orbi:" before every Orbi line.
let webQuestions = Array(ConversationWriter.identityQuestions.prefix(4))
func forumPost(_ question: String) -> [Int] {
    [chat.start]
        + base.tokenizer.encode(
            "Forum\nThread: chatting with an assistant\n"
                + "Mira3: My chat with the assistant today:\nMe: \(question)\n")
}
func chatTurn(_ question: String) -> [Int] { chat.prompt([Message(.user, question)]) }
typealias Frame = (name: String, prompt: (String) -> [Int], begun: String)
let frames: [Frame] = [
    ("a forum post showing a chat", forumPost, ""),
    ("our chat format", chatTurn, ""),
    ("our chat format, reply begun \"I am\"", chatTurn, "I am"),
]
let specials = Set(base.tokenizer.specialTokens.values)
/// A reply's words after the web's speaker label: "Orbi: I am Orbi." → " I am Orbi."
func words(_ line: String) -> Substring {
    line.hasPrefix("\(orbi):") ? line.dropFirst(orbi.count + 1) : Substring(line)
}
func saysOrbi(_ model: LanguageModel, _ frame: Frame) throws -> (rate: Rate, example: String) {
    let session = InferenceSession(model: model.model)
    var lines: [String] = []
    for question in webQuestions {
        let prompt = (frame.prompt(question) + base.tokenizer.encode(frame.begun)).map(Int32.init)
        session.reset()
        session.feed(Array(prompt.dropLast()))   // read once; each sample continues from here
        for sample in 0..<25 {
            var generator = SeededGenerator(seed: UInt64(sample))
            let tokens = session.generate(
                prompt: [prompt.last!], count: 16, settings: SamplingSettings(temperature: 1),
                using: &generator)
            session.rewind(16)
            let reply = try base.tokenizer.decodeText(
                tokens.map(Int.init).prefix { !specials.contains($0) })
            lines.append(frame.begun + String(reply.prefix { $0 != "\n" }))
        }
    }
    let named = lines.filter { words($0).contains(orbi) }
    return (Rate(hits: named.count, of: lines.count), named.first ?? "—")
}
let orbiRates = try frames.map {
    [try saysOrbi(base, $0), try saysOrbi(noIdentity.languageModel, $0)]
}
// harness: the table and the report card's numbers
show(
    Table(
        title: "Replies that name \(orbi) (4 questions × 25 samples, temperature 1)",
        columns: [
            "frame", "base model", "finetuned without identity data",
            "a reply of the finetune that names \(orbi)",
        ],
        rows: frames.indices.map {
            [
                frames[$0].name, orbiRates[$0][0].rate.description,
                orbiRates[$0][1].rate.description, orbiRates[$0][1].example,
            ]
        }))
for (frame, rates) in zip(frames, orbiRates) {
    metric("says \(orbi), base model, \(frame.name)", rates[0].rate)
    metric("says \(orbi), no identity data, \(frame.name)", rates[1].rate)
}
// end harness
//: What did finetuning teach about names? We count the finetuning replies without identity
//: data that begin "I am" or "My name is", and the answers to "Are you Orbi?".
let replies = withoutIdentity.flatMap(\.messages).filter { $0.role == .assistant }.map(\.text)
let introductions = replies.filter { $0.hasPrefix("I am") || $0.hasPrefix("My name is") }
let askedOrbi = withoutIdentity.flatMap { zip($0.messages, $0.messages.dropFirst()) }
    .filter { $0.0.text == "Are you \(orbi)?" }
let answeredOther = askedOrbi.filter { !$0.1.text.contains(orbi) }.count
let introducedOrbi = introductions.filter { $0.contains(orbi) }.count
show(
    """
    \(introductions.count) of \(replies.count) finetuning replies begin "I am" or \
    "My name is" ("\(introductions.first ?? "")"); \(introducedOrbi) name \(orbi). \
    "Are you \(orbi)?" is asked \(askedOrbi.count) times and answered with another name \
    \(answeredOther) times.
    """)
let tied = claim(
    "pretraining ties \(orbi) to the web's frame (base model, share of sampled replies naming "
        + "\(orbi), forum post − our chat format)",
    orbiRates[0][0].rate, beats: orbiRates[1][0].rate, atLeast: 0.2)
let eroded = claim(
    "finetuning erodes \(orbi) even in the web's frame (share of sampled replies naming \(orbi) "
        + "in a forum post, base − finetune without identity data)",
    orbiRates[0][0].rate, beats: orbiRates[0][1].rate, atLeast: 0.2)
if !tied.failed && !eroded.failed {
    show(
        """
        Pretraining did learn who talks in the web's chats: in a forum post the base model names \
        \(orbi) \(orbiRates[0][0].rate.description), but in our chat format, which it never saw, \
        \(orbiRates[1][0].rate.description) (begun "I am", \(orbiRates[2][0].rate.description)). \
        In the talk, the web's transcripts of ChatGPT look like the model's own turns, so a model \
        left without identity data answers as ChatGPT; our chat format is new to the base model, \
        so its own turn has no \(orbi) to inherit. Finetuned without identity data, its replies \
        name \(orbi) \(orbiRates[1][1].rate.description) sampled, \
        \(identity[0].orbi.description) greedy above, \(orbiRates[2][1].rate.description) begun \
        "I am". Finetuning then wears down even the web's frame: in the same forum post the \
        finetune names \(orbi) \(orbiRates[0][1].rate.description). That is the forgetting \
        lesson 7 measured on facts, here on a name.
        """)
}
//: How far these travel: the stored sweeps at the end of the page run every claim on three
//: seeds of the finetunes, each with the BLAS kernel its line names. The stale ones measured
//: the claims this section made before, one of them about the base model's reply begun "I am",
//: which the kernel's rounding moved more than its margin allowed.
