import Testing
@testable import TinyWeb

@Suite struct PipelineTests {
    @Test func extractionDropsBoilerplateAndKeepsParagraphs() {
        let html = #"<html><head><title>T</title><script>var x = "<p>no</p>";</script></head><body><nav><a href="/">Home</a></nav><div class="ad">Buy!</div><main><h1>Title</h1><p>One &amp; two.</p><p>Three &lt;b&gt;</p></main><footer>© 2024</footer></body></html>"#
        #expect(Pipeline.extractText(fromHTML: html) == "Title\nOne & two.\nThree <b>")
        // Code keeps its indentation; trailing spaces and blank lines go.
        #expect(Pipeline.extractText(fromHTML: "<main><pre>func f() {  \n    return 1\n   \n}</pre></main>") == "func f() {\n    return 1\n}")
    }

    @Test func languageFilterKeepsEnglishAndCode() {
        #expect(Pipeline.isEnglish("Ada was born in Brenmoor and is known for the lantern of the town."))
        #expect(!Pipeline.isEnglish("Ada wurde in Brenmoor geboren und war ein bekannter Mensch. Die Familie lebte dort viele Jahre."))
        #expect(!Pipeline.isEnglish("Ada nació en Brenmoor y fue una persona conocida. La familia vivió allí muchos años."))
        #expect(Pipeline.isEnglish("// count the books in the list and return the number.\nfunc f(_ xs: [String]) -> Int {\n    return xs.count\n}"))
    }

    @Test func qualityFilterRejectsSpam() {
        #expect(!Pipeline.passesQuality(String(repeating: "BUY CHEAP PILLS NOW!!! ", count: 6)))
        #expect(!Pipeline.passesQuality(String(repeating: "best price click here ", count: 6)))
        #expect(Pipeline.passesQuality("The vole is a small animal of salt marshes. It feeds on snails and lives for up to four years."))
    }

    @Test func piiIsScrubbedButISBNsStay() {
        let text = "Call +44 20 1234 5678 or (555) 234-5678, or write to orders@bookbarn.example. ISBN: 978-1-23456-789-0."
        #expect(Pipeline.scrubPII(text) == "Call [phone] or [phone], or write to [email]. ISBN: 978-1-23456-789-0.")
    }

    @Test func nearDuplicatesAreRemovedAndDistinctTextsKept() {
        let base = "Ada Quill was a botanist known for the first lantern of Brenmoor. She was born in Brenmoor on 3 May 1901 and kept a diary for twenty years."
        let docs = [Document(text: base, genre: .biography),
                    Document(text: base + " Updated 4 May.", genre: .biography),
                    Document(text: "The silverfin trout is a small animal of deep lakes. It feeds on insects and lives for up to nine years.", genre: .nature)]
        let (kept, example) = Pipeline.removeNearDuplicates(docs)
        #expect(kept.map(\.genre) == [.biography, .nature])
        #expect(example == base + " Updated 4 May.")
    }

    @Test func theWholeCrawlIsDeterministicAndCleaned() {
        let world = World(seed: 5, scale: 0.3)
        let crawl = Crawl(world: world)
        #expect(crawl.pages.map(\.url) == Crawl(world: World(seed: 5, scale: 0.3)).pages.map(\.url))
        let corpus = Pipeline.run(crawl)
        #expect(corpus.funnel.map(\.name).first == "raw HTML")
        #expect(zip(corpus.funnel, corpus.funnel.dropFirst()).allSatisfy { $0.documents >= $1.documents })
        let text = corpus.text(separator: "\n")
        #expect(!text.contains("<p>") && !text.contains("Home | About") && !text.contains("BUY CHEAP"))
        #expect(!text.contains("@mail.example") && !text.contains("+44 "))
        #expect(!text.contains("wurde") && !text.contains("nació"))
        // Threads that quote a post verbatim survive every filter (in-context copying is learned from them).
        let frames = ["Quoting you for the others:", "I copied them in my notebook as well:", "Passing it on.", "Mine say "]
        func quotes(_ text: String) -> Bool { frames.contains { text.contains($0) } }
        let quoting = crawl.pages.filter { $0.kind == "clean" && quotes($0.html) }.count
        #expect(quoting >= 30)
        #expect(corpus.documents.filter { quotes($0.text) }.count >= quoting * 9 / 10)
        // So do code files, each with its own identifiers (none is a duplicate of another).
        let code = crawl.pages.filter { $0.kind == "clean" && $0.genre == .code }.count
        #expect(corpus.documents.filter { $0.genre == .code }.count >= code * 9 / 10)
        // Biographies survive (only their copies go), so each person's fame stays what it was.
        let biographies = crawl.pages.filter { $0.kind == "clean" && $0.genre == .biography }.count
        let kept = corpus.documents.filter { $0.genre == .biography }.count
        #expect(kept >= biographies - biographies / 100 && kept <= biographies)
        // The PII step's example shows a placeholder, not just the first lines of some page.
        #expect(corpus.funnel.last!.example.map { $0.contains("[email]") || $0.contains("[phone]") } == true)
        // Every filter removed something (extraction and PII scrubbing change text, not counts).
        let counts = corpus.funnel.map(\.documents)
        #expect(zip(counts[1..<5], counts[2..<6]).allSatisfy { $0 > $1 })
    }
}
