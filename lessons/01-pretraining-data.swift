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

let scale = param("scale", 2.5, "size of the world (people, books, species)", quick: 0.3, in: 0.1...10.0)
let seed = param("seed", 2024, "seed of the world", in: 0...1_000_000)
let world = World(seed: UInt64(seed), scale: scale)
let crawl = Crawl(world: world)
print("\(world.people.count) people, \(world.towns.count) towns, \(world.books.count) books, \(world.species.count) species")
print("\(crawl.pages.count) crawled pages, \(crawl.pages.reduce(0) { $0 + $1.html.utf8.count } / 1000) kB of HTML")

//: ## What a crawled page looks like
//: One page as the crawler saw it. The text we want is a few sentences inside `<main>`.
let example = crawl.pages.first { $0.genre == .biography && $0.kind == "clean" }!
show(String(example.html.prefix(900)))

//: The crawl mixes genres, and some of it is dirt on purpose:
var kinds: [String: Int] = [:]
for page in crawl.pages { kinds[page.kind, default: 0] += 1 }
show(Table(title: "Pages in the crawl", columns: ["kind", "pages"], rows: kinds.sorted { $0.value > $1.value }.map { [$0.key, "\($0.value)"] }))

//: ## The pipeline
//: Each step keeps some documents and drops others: **text extraction** (drop navigation, ads,
//: scripts, footers; keep paragraphs), a **language filter** (English stopwords must clearly
//: outnumber German, French and Spanish ones), a **quality filter** (Gopher-style rules: enough
//: words, not mostly repeats, not shouting), **exact deduplication**, **near-duplicate removal**
//: (MinHash over word 5-grams, Jaccard ≥ 0.7), and **PII scrubbing** (e-mail addresses and phone
//: numbers replaced by placeholders).
let corpus = try CourseData.tinyWeb(scale: scale, seed: UInt64(seed), crawl: crawl).corpus
show(.bar(BarChart(title: "Documents kept at each step", bars: corpus.funnel.map { .init(label: $0.name, value: Double($0.documents)) }, valueLabel: "documents")))
show(.bar(BarChart(title: "Kilobytes kept at each step", bars: corpus.funnel.map { .init(label: $0.name, value: Double($0.bytes) / 1000, highlighted: $0.name == "text extraction") }, valueLabel: "kB")))

//: What each step removed (or, for PII, changed), one example each:
show(Table(title: "Examples", columns: ["step", "documents", "example"],
           rows: corpus.funnel.map { [$0.name, "\($0.documents)", ($0.example ?? "—").replacingOccurrences(of: "\n", with: " ⏎ ")] }))

//: ## Did the filters do their job?
//: Because the crawl is generated, we know what every page really was. Spam, foreign pages and
//: duplicates should be gone; the clean biographies should all remain, so each person's fame
//: — how many documents mention them — is still what the world says.
let text = corpus.text(separator: "\n")
let spamLeft = text.components(separatedBy: "BUY THE BEST").count - 1
let foreignLeft = text.components(separatedBy: " wurde in ").count + text.components(separatedBy: " nació en ").count - 2
let emailsLeft = text.components(separatedBy: "@mail.example").count - 1
let biographies = crawl.pages.filter { $0.genre == .biography && $0.kind == "clean" }.count
let keptBiographies = corpus.documents.filter { $0.genre == .biography }.count
metric("spam pages left", Double(spamLeft))
metric("foreign pages left", Double(foreignLeft))
metric("e-mail addresses left", Double(emailsLeft))
metric("clean biographies kept", Double(keptBiographies) / Double(biographies) * 100, unit: "%")
expect("no spam, foreign pages or e-mail addresses survive the pipeline", spamLeft + foreignLeft + emailsLeft == 0,
       measured: "\(spamLeft) spam, \(foreignLeft) foreign, \(emailsLeft) e-mail")
expect("clean biographies survive (share kept, %)", Double(keptBiographies) / Double(biographies) * 100, above: 98)
let kept = Double(corpus.funnel.last!.bytes) / Double(corpus.funnel.first!.bytes)
metric("bytes kept from raw HTML", kept * 100, unit: "%")

//: ## The corpus
//: What is left is plain text in five genres — the *pretraining corpus* of the next lessons.
var genres: [Genre: Int] = [:]
for document in corpus.documents { genres[document.genre, default: 0] += document.text.utf8.count }
show(.bar(BarChart(title: "The corpus by genre", bars: Genre.allCases.map { .init(label: $0.rawValue, value: Double(genres[$0] ?? 0) / Double(corpus.funnel.last!.bytes)) }, valueLabel: "share of bytes", percent: true)))
print("corpus: \(corpus.documents.count) documents, \(corpus.funnel.last!.bytes / 1000) kB")
show(corpus.documents.first { $0.genre == .forum && $0.text.contains("[email]") }?.text ?? corpus.documents[0].text)
