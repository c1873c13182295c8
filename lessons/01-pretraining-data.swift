//: # Pretraining data: from a crawl to a corpus
//: A language model learns from text, and the text of a ChatGPT-like model comes from the web:
//: billions of crawled pages. Raw pages are mostly *not* good text: menus, ads, scripts, spam,
//: pages in other languages, the same article copied a hundred times, people's e-mail addresses.
//: Pipelines like FineWeb turn the crawl into a corpus in a few steps, and so do we.
//:
//: Our crawl is a **tiny web**, generated from a fictional world whose every fact the program
//: knows: people (with birth places, professions, mothers…), books, animal species, code.
//: Knowing the world lets later lessons ask what the model saw, and how often.
import Course
import Foundation

let scale = param(
    "scale", 2.5, "size of the world (people, books, species)", quick: 0.3, in: 0.1...10.0)
let seed = param("seed", 2024, "seed of the world", in: 0...1_000_000)
let world = World(seed: UInt64(seed), scale: scale)
let crawl = Crawl(world: world)
print(
    "\(world.people.count) people, \(world.towns.count) towns, \(world.books.count) books, "
        + "\(world.species.count) species"
)
print(
    "\(crawl.pages.count) crawled pages, "
        + "\(crawl.pages.reduce(0) { $0 + $1.html.utf8.count } / 1000) kB of HTML"
)

//: ## What a crawled page looks like
//: One page as the crawler saw it. The text we want is a few sentences inside `<main>`.
let example = crawl.pages.first { $0.genre == .biography && $0.kind == "clean" }!
show(String(example.html.prefix(900)))

//: The crawl mixes genres, and some of it is dirt on purpose:
var kinds: [String: Int] = [:]
for page in crawl.pages { kinds[page.kind, default: 0] += 1 }
show(
    Table(
        title: "Pages in the crawl", columns: ["kind", "pages"],
        rows: kinds.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map {
            [$0.key, "\($0.value)"]
        }))

//: ## The pipeline
//: Each step keeps some documents and drops others: **text extraction** (drop navigation, ads,
//: scripts, footers; keep paragraphs), a **language filter** (English stopwords must clearly
//: outnumber German, French and Spanish ones), a **quality filter** (Gopher-style rules: enough
//: words, not mostly repeats, not shouting), **exact deduplication**, **near-duplicate removal**
//: (MinHash over word 5-grams, Jaccard ≥ 0.7), and **PII scrubbing** (e-mail addresses and phone
//: numbers replaced by placeholders).
let corpus = try CourseData.tinyWeb(scale: scale, seed: UInt64(seed), crawl: crawl).corpus
show(
    .bar(
        BarChart(
            title: "Documents kept at each step",
            bars: corpus.funnel.map { .init(label: $0.name, value: Double($0.documents)) },
            valueLabel: "documents")))
show(
    .bar(
        BarChart(
            title: "Kilobytes kept at each step",
            bars: corpus.funnel.map {
                .init(
                    label: $0.name, value: Double($0.bytes) / 1000,
                    highlighted: $0.name == "text extraction")
            }, valueLabel: "kB")))

//: What each step removed (or, for PII, changed), one example each:
show(
    Table(
        title: "Examples", columns: ["step", "documents", "example"],
        rows: corpus.funnel.map {
            [
                $0.name, "\($0.documents)",
                ($0.example ?? "—").replacingOccurrences(of: "\n", with: " ↵ "),
            ]
        }))

//: ## Did the filters do their job?
//: Because the crawl is generated, we know what every page really was. Spam, foreign pages and
//: duplicates should be gone; the clean biographies should all remain, so each person's fame
//: — how many documents mention them — is still what the world says.
//: The checks use that truth page by page: every spam page and every page in another language
//: (whichever language) must have left no line in the corpus, no e-mail address of any form may
//: remain, and each clean biography must be in the corpus as the pipeline would clean it.
let text = corpus.text(separator: "\n")
let corpusLines = Set(text.split(separator: "\n").map(String.init))
func leftLines(_ page: Page) -> Int {
    Pipeline.extractText(fromHTML: page.html).split(separator: "\n").filter {
        $0.count > 20 && corpusLines.contains(String($0))
    }.count
}
let spamPages = crawl.pages.filter { $0.kind == "spam" },
    foreignPages = crawl.pages.filter { $0.kind == "foreign" }
let spamLeft = spamPages.filter { leftLines($0) > 0 }.count
let foreignLeft = foreignPages.filter { leftLines($0) > 0 }.count
let emailPattern = try NSRegularExpression(
    pattern: #"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"#)
let emailsLeft = emailPattern.numberOfMatches(
    in: text, range: NSRange(text.startIndex..., in: text))
/// Word 5-grams, the pieces near-duplicate removal compares.
func shingles(_ text: String) -> Set<String> {
    let words = text.split(whereSeparator: \.isWhitespace)
    return Set((0..<max(0, words.count - 4)).map { words[$0..<$0 + 5].joined(separator: " ") })
}
// Each corpus biography with its shingles (computed once: a famous person has 32 pages).
let documentsByTitle = Dictionary(
    grouping: corpus.documents.filter { $0.genre == .biography }.map {
        ($0.text, shingles($0.text))
    }
) { String($0.0.prefix { $0 != "\n" }) }
/// A clean page survives as itself, or as one of its near duplicates (5-gram Jaccard ≥ 0.7),
/// since near-duplicate removal keeps one page of each group.
func survives(_ page: Page) -> Bool {
    let cleaned = Pipeline.scrubPII(Pipeline.extractText(fromHTML: page.html)),
        mine = shingles(cleaned)
    return (documentsByTitle[String(cleaned.prefix { $0 != "\n" })] ?? []).contains {
        text, theirs in
        text == cleaned
            || Double(mine.intersection(theirs).count) / Double(max(1, mine.union(theirs).count))
                >= 0.7
    }
}
let cleanBiographies = crawl.pages.filter { $0.genre == .biography && $0.kind == "clean" }
let keptBiographies = cleanBiographies.filter(survives).count
let biographies = cleanBiographies.count
// harness: the report card's numbers and the claims
metric("spam pages with a line left (of \(spamPages.count))", Double(spamLeft))
metric("foreign pages with a line left (of \(foreignPages.count))", Double(foreignLeft))
metric("e-mail addresses left", Double(emailsLeft))
let biographyRate = Rate(hits: keptBiographies, of: biographies)
metric("clean biographies in the corpus (themselves or a near duplicate)", biographyRate)
expect(
    "no spam page, no page in another language and no e-mail address survives",
    spamLeft + foreignLeft + emailsLeft == 0,
    measured:
        "\(spamLeft) of \(spamPages.count) spam pages, \(foreignLeft) of \(foreignPages.count) "
        + "foreign pages, \(emailsLeft) e-mail addresses"
)
expect(
    "the clean biographies are in the corpus, page by page (share kept, %)",
    biographyRate.value * 100, above: 99)
let kept = Double(corpus.funnel.last!.bytes) / Double(corpus.funnel.first!.bytes)
metric(
    "bytes kept from raw HTML (\(corpus.funnel.last!.bytes) of \(corpus.funnel.first!.bytes))",
    kept * 100,
    unit: "%")

//: ## The corpus
//: What is left is plain text in five genres — the *pretraining corpus* of the next lessons.
var genres: [Genre: Int] = [:]
for document in corpus.documents { genres[document.genre, default: 0] += document.text.utf8.count }
show(
    .bar(
        BarChart(
            title: "The corpus by genre",
            bars: Genre.allCases.map {
                .init(
                    label: $0.rawValue,
                    value: Double(genres[$0] ?? 0) / Double(corpus.funnel.last!.bytes))
            }, valueLabel: "share of bytes", percent: true)))
print("corpus: \(corpus.documents.count) documents, \(corpus.funnel.last!.bytes / 1000) kB")
show(
    corpus.documents.first { $0.genre == .forum && $0.text.contains("[email]") }?.text
        ?? corpus.documents[0].text)
