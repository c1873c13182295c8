import Testing
@testable import TinyWeb

@Suite struct CrawlTests {
    /// Lesson 06's reversal control: "B is the mother of A" appears only for the control half,
    /// as often as their biographies, and never on a page that names A any other way.
    @Test func backwardMotherSentencesAreOnPagesApartFromTheChild() {
        let world = World(seed: 7, scale: 0.2)
        let texts = Pipeline.run(Crawl(world: world)).documents.map(\.text)
        for person in world.people where person.fame >= 2 {
            let backward = "\(person.mother) is the mother of \(person.name)."
            let pages = texts.filter { $0.contains(backward) }
            if person.motherOnlyForward {
                #expect(pages.isEmpty, "\(person.name) is written backward")
            } else {
                #expect(pages.count >= person.fame / 2, "\(person.name): \(pages.count) of \(person.fame)")
                for page in pages {
                    #expect(page.components(separatedBy: person.name).count == 2, "copyable: \(page)")
                }
            }
        }
    }
}
