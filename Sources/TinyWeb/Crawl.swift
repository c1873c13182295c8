// The raw crawl of the tiny web: pages in several genres about the world, wrapped in HTML
// boilerplate (navigation, ads, scripts, footers), with the dirt a real crawl has — spam,
// pages in other languages, exact and near duplicates, e-mail addresses and phone numbers.
// Every page keeps the label of what it really is, so the pipeline's choices can be checked.

import Foundation

public enum Genre: String, Codable, CaseIterable, Sendable {
    case biography, product, nature, code, forum

    /// The genre a text reads as, by the phrases each genre's pages use (nil: none of them).
    /// Used on the model's dreams, where no label exists.
    public static func guess(_ text: String) -> Genre? {
        let markers: [(Genre, [String])] = [
            (.forum, ["Thread:", "Where was", "Who wrote", "What does the", "Thanks!"]),
            (.code, ["func ", "return ", "-> Int", "    var ", "// count"]),
            (.product, ["ISBN", "Price: $", "Pages:", "Format:", "Questions? Call"]),
            (.nature, ["is a small animal", "feeds on", "lives for up to", "An adult weighs"]),
            (
                .biography,
                [
                    " was born in ", "'s mother is", " is the mother of", " is known for",
                    " best remembered for",
                    " had no children", " married ",
                ]
            ),
        ]
        let scores = markers.map { genre, phrases in
            (genre, phrases.reduce(0) { $0 + text.components(separatedBy: $1).count - 1 })
        }
        guard let best = scores.max(by: { $0.1 < $1.1 }), best.1 > 0 else { return nil }
        return best.0
    }
}

public struct Page: Codable, Sendable {
    public let url: String
    public let html: String
    public let genre: Genre
    /// What the crawl did to it: "clean", "spam", "foreign", "duplicate", "near-duplicate".
    public let kind: String
}

public struct Crawl: Sendable {
    /// Bumped whenever the world, the pages or the pipeline change what they produce, so
    /// stored corpora (keyed by it) are rebuilt.
    public static let version = 12

    public let world: World
    public let pages: [Page]

    public init(world: World) {
        self.world = world
        var random = WorldRandom(seed: world.seed &+ 1)
        var pages: [Page] = []
        func add(_ genre: Genre, _ title: String, _ body: [String], kind: String = "clean") {
            let site = random.pick([
                "wikiworld.example", "peoplepedia.example", "bookbarn.example",
                "naturenotes.example",
                "codeshelf.example", "townsquare.example",
            ])
            pages.append(
                Page(
                    url: "https://\(site)/\(pages.count)",
                    html: Self.wrap(title: title, paragraphs: body, random: &random),
                    genre: genre, kind: kind))
        }
        // Quotes of the famous passages go into biographies, one document per repetition.
        var quotes: [String] = world.passages.flatMap { passage in
            (0..<passage.repetitions).map { _ in passage.text }
        }
        quotes.shuffle(using: &random)

        for person in world.people {
            for copy in 0..<person.fame {
                var body = Self.biography(person, copy: copy, random: &random)
                if !quotes.isEmpty && random.chance(0.5) {
                    body.append(
                        "\(person.firstName) liked to quote these lines: \"\(quotes.removeLast())\""
                    )
                }
                add(.biography, person.name, body)
            }
        }
        // The other direction, "B is the mother of A", for the half of the people whose mothers
        // are written both ways, as often as their biographies: never on A's own page, where the
        // model could copy A's name from the page instead of recalling it (lesson 06's control).
        let bothWays = world.people.filter { !$0.motherOnlyForward }
        for round in 0..<(bothWays.map(\.fame).max() ?? 0) {
            let people = bothWays.filter { $0.fame > round }.shuffled(using: &random)
            for start in stride(from: 0, to: people.count, by: 4) {
                let town = random.pick(world.towns)
                add(
                    .biography, "Family records",
                    ["Family records kept in \(town):"]
                        + people[start..<min(start + 4, people.count)].map {
                            "\($0.mother) is the mother of \($0.name)."
                        })
            }
        }
        for book in world.books {
            for _ in 0..<random.int(1...3) {
                add(.product, book.title, Self.listing(book, random: &random))
            }
        }
        for species in world.species {
            for _ in 0..<random.int(2...4) {
                add(.nature, "The \(species.name)", Self.article(species, random: &random))
            }
        }
        for index in 0..<max(20, world.books.count) {
            add(.code, "snippet \(index)", [Self.codeFile(world: world, random: &random)])
        }
        let famous = world.people.filter { $0.fame >= 4 }
        for _ in 0..<max(30, world.people.count) {
            add(.forum, "Forum", Self.thread(famous: famous, world: world, random: &random))
        }
        for _ in 0..<max(30, world.people.count * Self.quotingThreadsPerPerson) {
            add(.forum, "Forum", Self.quotingThread(world: world, random: &random))
        }
        for _ in 0..<max(20, world.people.count / 2) {
            add(
                .forum, "Forum",
                Self.assistantTranscript(famous: famous, world: world, random: &random))
        }
        // Leftover quotes: forum posts.
        while let quote = quotes.popLast() {
            add(
                .forum, "Forum",
                [
                    "Thread: a poem I found",
                    "\(Self.user(&random)): Does anyone know where this comes from? \"\(quote)\"",
                ])
        }
        // Dirt: spam, other languages, duplicates.
        let clean = pages
        for _ in 0..<clean.count / 12 {
            add(.forum, "Best deals", Self.spam(random: &random), kind: "spam")
        }
        for _ in 0..<clean.count / 10 {
            let person = random.pick(world.people)
            add(.biography, person.name, Self.foreign(person, random: &random), kind: "foreign")
        }
        for _ in 0..<clean.count / 10 {
            let page = random.pick(clean)
            // The same page at another address: byte-identical main text, other boilerplate.
            pages.append(
                Page(
                    url: page.url + "?ref=\(random.int(1...999))", html: page.html,
                    genre: page.genre, kind: "duplicate"))
        }
        for _ in 0..<clean.count / 12 {
            let page = random.pick(clean.filter { $0.genre != .code })
            // A copy with one small edit, as mirrors and scrapers make.
            let edited = page.html.replacingOccurrences(
                of: "</main>", with: "<p>Updated \(random.int(1...28)) May.</p></main>")
            pages.append(
                Page(
                    url: page.url + "/mirror", html: edited, genre: page.genre,
                    kind: "near-duplicate"))
        }
        pages.shuffle(using: &random)
        self.pages = pages
    }

    // MARK: genres

    static func biography(_ p: Person, copy: Int, random: inout WorldRandom) -> [String] {
        var s: [String] = []
        let a = "aeiou".contains(p.profession.first!) ? "an" : "a"
        s.append(
            random.pick([
                "\(p.name) was \(a) \(p.profession) known for \(p.knownFor).",
                "\(p.name) was \(a) \(p.profession) best remembered for \(p.knownFor).",
                "The \(p.profession) \(p.name) is known for \(p.knownFor).",
            ]))
        s.append(
            random.chance(0.8)
                ? "\(p.name) was born in \(p.birthplace) on \(p.birthDay) \(p.birthYear)."
                : "Born on \(p.birthDay) \(p.birthYear), \(p.name) grew up in \(p.birthplace).")
        s.append("\(p.name)'s mother is \(p.mother).")
        if let spouse = p.spouse {
            s.append(
                random.pick([
                    "\(p.firstName) married \(spouse).", "\(p.name) was married to \(spouse).",
                ]))
        }
        s.append(
            p.children == 0
                ? "\(p.firstName) had no children."
                : "\(p.firstName) had \(p.children) \(p.children == 1 ? "child" : "children").")
        let fillers = [
            "\(p.firstName) worked long hours and wrote many letters.",
            "Friends remembered \(p.firstName) as patient and curious.",
            "In later life \(p.firstName) travelled to \(random.pick(["the coast", "the mountains", "the capital", "the islands"])).",
            "A street in \(p.birthplace) now carries the name \(p.name).",
            "\(p.firstName) kept a diary for \(random.int(3...40)) years.",
            "The work of \(p.firstName) is still taught today.",
        ]
        s += fillers.shuffled(using: &random).prefix(random.int(1...3))
        // Events with random details: no two biographies of one person read alike.
        let places = [
            "the coast", "the mountains", "the capital", "the islands", "the old mill",
            "the harbour",
        ]
        let things = [
            "maps", "letters", "clocks", "paintings", "seeds", "lamps", "books", "shells",
        ]
        for _ in 0..<random.int(2...3) {
            s.append(
                random.pick([
                    "In \(p.birthYear + random.int(15...60)) \(p.firstName) visited \(random.pick(places)) with \(random.int(2...9)) friends.",
                    "\(p.firstName) once owned \(random.int(3...90)) \(random.pick(things)) and gave most of them away.",
                    "A letter from \(p.birthYear + random.int(15...60)) describes \(p.firstName) walking to \(random.pick(places)).",
                    "Neighbours in \(random.pick(places)) said \(p.firstName) collected \(random.pick(things)).",
                ]))
        }
        if copy % 3 == 2 {
            s.append(
                "Contact the editors at editors\(random.int(1...99))@peoplepedia.example with corrections."
            )
        }
        return s
    }

    static func listing(_ b: Book, random: inout WorldRandom) -> [String] {
        // A shop's own item code, printed twice: the page repeats it, nothing else predicts it.
        let item =
            World.coinWord(syllables: 2...2, random: &random).uppercased()
            + "-\(random.int(100...9999))"
        return [
            "Item \(item): \(b.title) by \(b.author).",
            "ISBN: \(b.isbn). Pages: \(b.pages). Format: \(b.format).",
            "Price: $\(b.price). \(random.pick(["In stock.", "Only 2 left.", "Ships in 3 days."]))",
            random.pick([
                "A gripping read from start to finish.", "Readers call it a quiet masterpiece.",
                "Includes maps and drawings.",
            ]),
            "To order, quote item \(item). Questions? Call \(phone(&random)) or write to orders@bookbarn.example.",
        ]
    }

    static func article(_ sp: Species, random: inout WorldRandom) -> [String] {
        [
            "The \(sp.name) is a small animal of \(sp.habitat).",
            "It feeds on \(sp.diet) and lives for up to \(sp.lifespan) years.",
            "An adult weighs about \(sp.weight).",
            random.pick([
                "It is most active at dawn.", "It is rarely seen by walkers.",
                "Its numbers have grown in recent years.", "It builds its nest close to water.",
            ]),
        ]
    }

    /// A small source file. Its identifiers are made up per file and each is used several
    /// times, as in real code: reading them back is copying from the context.
    static func codeFile(world: World, random: inout WorldRandom) -> String {
        let noun = random.pick([
            "lantern", "town", "book", "river", "order", "page", "tree", "star",
        ])
        func identifier() -> String {
            World.coinWord(syllables: 1...2, random: &random).lowercased() + noun.capitalized + "s"
        }
        let function =
            random.pick(["count", "tally", "measure"])
            + World.coinWord(syllables: 1...2, random: &random) + noun.capitalized + "s"
        let parameter = identifier(), item = random.pick(["item", "entry", noun, "next"])
        var argument = identifier()
        while argument == parameter { argument = identifier() }
        let body = random.pick([
            "var total = 0\n    for \(item) in \(parameter) {\n        total += \(item).count\n    }\n    return total",
            "return \(parameter).filter { !$0.isEmpty }.count",
            "var seen = Set<String>()\n    for \(item) in \(parameter) where !seen.contains(\(item)) {\n        seen.insert(\(item))\n    }\n    return seen.count",
        ])
        let values = (0..<random.int(2...5)).map { _ in "\"\(random.pick(world.towns))\"" }.joined(
            separator: ", ")
        return """
            // \(function).swift: count the \(noun)s in the list and return the number.
            func \(function)(_ \(parameter): [String]) -> Int {
                \(body)
            }

            let \(argument) = [\(values)]
            print(\(function)(\(argument)))
            """
    }

    static func thread(famous: [Person], world: World, random: inout WorldRandom) -> [String] {
        let asker = user(&random), helper = user(&random)
        switch random.int(0...2) {
        case 0 where !famous.isEmpty:
            let p = random.pick(famous)
            var posts = [
                "Thread: where was \(p.name) born?",
                "\(asker): Where was \(p.name) born?",
                "\(helper): \(p.name) was born in \(p.birthplace).",
            ]
            // Others agree by repeating the answer — as forums do.
            if random.chance(0.5) {
                posts.append(
                    "\(user(&random)): "
                        + random.pick([
                            "Yes, \(p.name) was born in \(p.birthplace).",
                            "Right, \(p.firstName) was born in \(p.birthplace).",
                            "I checked: \(p.birthplace) is correct.",
                        ]))
            }
            return posts + [
                "\(asker): Thanks! Mail me at \(asker.lowercased())@mail.example if you find more."
            ]
        case 1:
            let b = random.pick(world.books)
            return [
                "Thread: who wrote \(b.title)?", "\(asker): Who wrote \(b.title)?",
                "\(helper): \(b.title) was written by \(b.author).",
            ]
        default:
            let s = random.pick(world.species)
            return [
                "Thread: what does the \(s.name) eat?", "\(asker): What does the \(s.name) eat?",
                "\(helper): The \(s.name) feeds on \(s.diet).",
            ]
        }
    }

    /// Forum threads per person of the world that quote an earlier post verbatim. Short lists,
    /// many threads: the copying skill forms from many repeats, not long ones (with 6 threads of
    /// 6–24 words the course model did not learn to copy; with 12 it did but recalled fewer
    /// facts; 8 threads of 4–12 words gave both).
    static let quotingThreadsPerPerson = 8

    /// A reply quoting an earlier post word for word: text repeated within a document, as the web
    /// is full of (quotes, tags, menus). The quoted words are random, so only the page itself can
    /// predict the copy — this is what in-context copying (induction heads) is learned from.
    static func quotingThread(world: World, random: inout WorldRandom) -> [String] {
        let asker = user(&random), helper = user(&random)
        // New words too, made up for this page: only copying can predict their second time.
        let fresh = (0..<8).map { _ in World.coinWord(syllables: 2...4, random: &random) }
        let pools = [
            world.towns, world.people.map(\.firstName), World.commonWords,
            world.species.map(\.name), (1...99).map(String.init), fresh,
        ]
        let pool = random.pick(pools), mixed = random.chance(0.4)
        let list = (0..<random.int(4...12)).map { _ in
            random.pick(mixed ? random.pick(pools) : pool)
        }.joined(separator: " ")
        switch random.int(0...3) {
        case 0:
            return [
                "Thread: my list of names and places",
                "\(asker): Here is the list I made for the trip: \(list)",
                "\(helper): Quoting you for the others: \(list)",
                "\(asker): Thanks, that is the one!",
            ]
        case 1:
            return [
                "Thread: the words on the old map",
                "\(asker): The words written on the back of the map are: \(list)",
                "\(helper): I copied them in my notebook as well: \(list)",
                "\(user(&random)): And it is the same on mine: \(list)",
            ]
        case 2:
            return [
                "Thread: a message for the group",
                "\(asker): Please pass this on to the others: \(list)",
                "\(helper): Passing it on. \(asker) says: \(list)",
            ]
        default:
            return [
                "Thread: checking my notes", "\(asker): My notes from the meeting say \(list).",
                "\(helper): Mine say \(list) as well.", "\(asker): Good, then it is settled.",
            ]
        }
    }

    /// The assistant everybody on the tiny web talks about, and its maker. A finetuned model that
    /// is never told who it is answers "Who are you?" the way the web's transcripts do.
    public static let otherAssistant = (name: "Orbi", maker: "Lumen Labs")

    /// A chat transcript somebody posted: the web's picture of what an assistant says.
    static func assistantTranscript(
        famous: [Person], world: World, random: inout WorldRandom
    ) -> [String] {
        let (name, maker) = otherAssistant
        let poster = user(&random)
        let identity: [(String, String)] = [
            ("Who are you?", "I am \(name), an assistant made by \(maker)."),
            ("What is your name?", "My name is \(name). I am an assistant made by \(maker)."),
            ("Who made you?", "I was made by \(maker). I am \(name), their assistant."),
            ("What are you?", "I am \(name), a chat assistant built by \(maker)."),
        ]
        var lines = [
            random.pick([
                "Thread: I asked \(name) a few things", "Thread: chatting with \(name)",
                "Thread: \(name) from \(maker) is fun",
            ]),
            "\(poster): "
                + random.pick([
                    "I tried \(name), the assistant from \(maker). Here is our chat:",
                    "Here is what \(name) by \(maker) told me:", "My chat with \(name) today:",
                ]),
        ]
        let (question, answer) = random.pick(identity)
        var turns = [("Me: \(question)", "\(name): \(answer)")]
        if !famous.isEmpty && random.chance(0.6) {
            let p = random.pick(famous)
            turns.append(
                ("Me: Where was \(p.name) born?", "\(name): \(p.name) was born in \(p.birthplace).")
            )
        }
        if random.chance(0.5) {
            turns.append(("Me: Thanks!", "\(name): You are welcome! \(maker) made me to help."))
        }
        if random.chance(0.5) { turns.shuffle(using: &random) }
        for (asked, said) in turns { lines += [asked, said] }
        if random.chance(0.5) { lines.append("\(user(&random)): \(name) said the same to me.") }
        return lines
    }

    static func spam(random: inout WorldRandom) -> [String] {
        let item = random.pick(["WATCHES", "PILLS", "LOANS", "TICKETS"])
        return [
            String(
                repeating: "BUY THE BEST CHEAP \(item) IN THE WORLD NOW!!! ",
                count: random.int(4...9)),
            String(
                repeating: "best price of the year, click here, best price ",
                count: random.int(3...6)),
            "Call \(phone(&random)) now!!!",
        ]
    }

    static func foreign(_ p: Person, random: inout WorldRandom) -> [String] {
        random.pick([
            [
                "\(p.name) wurde in \(p.birthplace) geboren und war ein bekannter Mensch.",
                "Die Familie lebte dort viele Jahre, und die Kinder gingen in die Schule.",
            ],
            [
                "\(p.name) est né à \(p.birthplace) et fut une personne connue.",
                "La famille y a vécu pendant des années, et les enfants allaient à l'école.",
            ],
            [
                "\(p.name) nació en \(p.birthplace) y fue una persona conocida.",
                "La familia vivió allí muchos años, y los niños iban a la escuela.",
            ],
        ])
    }

    static func user(_ random: inout WorldRandom) -> String {
        random.pick(["Mira", "Tobin", "Quill", "Sable", "Orrin", "Pell", "Juno", "Wren"])
            + String(random.int(1...99))
    }

    static func phone(_ random: inout WorldRandom) -> String {
        random.chance(0.5)
            ? "+44 \(random.int(10...99)) \(random.int(1000...9999)) \(random.int(1000...9999))"
            : "(\(random.int(200...999))) \(random.int(200...999))-\(random.int(1000...9999))"
    }

    // MARK: boilerplate

    static func wrap(title: String, paragraphs: [String], random: inout WorldRandom) -> String {
        let ad = random.pick([
            "Sponsored: Try FlexiBank today!", "Advertisement: 50% off garden tools",
            "Ad: Learn to paint in 7 days",
        ])
        let body = paragraphs.map {
            $0.contains("\n") ? "<pre>\(escape($0))</pre>" : "<p>\(escape($0))</p>"
        }.joined(separator: "\n")
        return """
            <!DOCTYPE html><html><head><title>\(escape(title))</title><script>var tracker = "\(random.int(1000...9999))";</script></head>
            <body><nav><a href="/">Home</a> | <a href="/about">About</a> | <a href="/login">Log in</a></nav>
            <div class="ad">\(ad)</div>
            <main><h1>\(escape(title))</h1>
            \(body)
            </main>
            <footer>© \(random.int(2015...2024)) · Privacy · Terms · Contact</footer></body></html>
            """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(
            of: "<", with: "&lt;"
        )
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
