// A fictional world whose facts the program knows: people (birth date and place, profession,
// what they are known for, mother, spouse, children), towns, books, animal species and a few
// famous passages. Everything is drawn from a seed, so the same seed is the same world. Each
// person has a fame tier — how many documents of the crawl will mention them (0 for some) —
// so later lessons can ask what the model saw and how often.

import Foundation

/// SplitMix64: small and deterministic (the data module depends on nothing else of ours).
public struct WorldRandom: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func pick<T>(_ items: [T]) -> T {
        items[Int(next(upperBound: UInt64(items.count)))]
    }
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &self)
    }
    public mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

public struct Person: Codable, Equatable, Sendable {
    public let id: Int
    public let name: String
    public let birthYear: Int
    public let birthDay: String   // "12 March"
    public let birthplace: String
    public let profession: String
    public let knownFor: String
    public let mother: String
    public let spouse: String?
    public let children: Int
    /// Biographies of this person in the crawl (before filtering).
    public let fame: Int
    /// True: the mother is only ever written "X's mother is Y" (never "Y is the mother of X").
    /// False: also "Y is the mother of X", on family-record pages apart from X's biographies.
    public let motherOnlyForward: Bool

    public var firstName: String { String(name.split(separator: " ")[0]) }
}

public struct Book: Codable, Equatable, Sendable {
    public let title: String
    public let author: String
    public let isbn: String
    public let pages: Int
    public let format: String
    public let price: String
}

public struct Species: Codable, Equatable, Sendable {
    public let name: String
    public let habitat: String
    public let diet: String
    public let lifespan: Int
    public let weight: String
}

/// A passage quoted verbatim in `repetitions` different documents (for regurgitation).
public struct Passage: Codable, Equatable, Sendable {
    public let text: String
    public let repetitions: Int
}

public struct World: Sendable {
    public let seed: UInt64
    public let people: [Person]
    public let towns: [String]
    public let professions: [String]
    public let books: [Book]
    public let species: [Species]
    public let passages: [Passage]

    /// Fame tiers (documents per person) and how many people have each, at scale 1.
    public static let fameTiers: [(fame: Int, people: Int)] = [
        (0, 40), (1, 60), (2, 50), (4, 40), (8, 40), (16, 30), (32, 20),
    ]
    public static let passageRepetitions = [1, 2, 4, 8, 16, 32, 64]

    /// The words the famous passages are made of (and a pool for other random text).
    public static let commonWords = [
        "river", "silver", "lamp", "under", "seven", "winter", "quietly", "stone", "orchard",
        "falls", "remember",
        "the", "a", "of", "and", "bright", "hollow", "wind", "carries", "old", "names", "across",
        "salt", "hands",
    ]
    static let syllables = [
        "ka", "lo", "mi", "ren", "ta", "vel", "dor", "si", "bra", "nu", "qua", "fen", "zo", "hal",
        "ri", "mo", "tes", "yu", "gar", "li",
    ]

    /// A capitalised made-up word of a few syllables ("Velsira"): names, towns, identifiers.
    public static func coinWord(
        syllables parts: ClosedRange<Int>, random: inout WorldRandom
    ) -> String {
        let w = (0..<random.int(parts)).map { _ in random.pick(syllables) }.joined()
        return w.prefix(1).uppercased() + w.dropFirst()
    }

    /// `scale` multiplies the number of people, books and species (quick mode uses 0.3).
    public init(seed: UInt64 = 2024, scale: Double = 1) {
        self.seed = seed
        var random = WorldRandom(seed: seed)
        func word(_ parts: ClosedRange<Int>) -> String {
            Self.coinWord(syllables: parts, random: &random)
        }
        var used = Set<String>()
        func unique(_ make: () -> String) -> String {
            while true { let w = make(); if used.insert(w).inserted { return w } }
        }
        let towns = (0..<max(12, Int(40 * scale))).map { _ in
            unique { word(2...3) + random.pick(["", "", " Bay", "moor", "ford", " Hill"]) }
        }
        let professions = [
            "botanist", "clockmaker", "cartographer", "astronomer", "painter", "engineer", "poet",
            "chemist",
            "sculptor", "architect", "violinist", "mathematician", "glassblower", "surgeon",
            "novelist", "geologist",
        ]
        let inventions = [
            "lantern", "compass", "loom", "telescope", "water clock", "printing press", "bridge",
            "violin",
            "star chart", "glass lens", "seed bank", "steam pump", "atlas", "orchard", "canal",
            "bell tower",
        ]
        let firstNames = (0..<70).map { _ in unique { word(2...2) } }
        let surnames = (0..<90).map { _ in unique { word(2...3) } }
        var names = Set<String>()
        func personName() -> String {
            while true {
                let n = "\(random.pick(firstNames)) \(random.pick(surnames))";
                if names.insert(n).inserted { return n }
            }
        }
        let months = [
            "January", "February", "March", "April", "May", "June", "July", "August", "September",
            "October", "November", "December",
        ]
        var people: [Person] = []
        for (fame, count) in Self.fameTiers {
            for index in 0..<max(2, Int(Double(count) * scale)) {
                people.append(
                    Person(
                        id: people.count, name: personName(), birthYear: random.int(1820...1990),
                        birthDay: "\(random.int(1...28)) \(random.pick(months))",
                        birthplace: random.pick(towns),
                        profession: random.pick(professions),
                        knownFor:
                            "the \(random.pick(["first", "great", "northern", "silent", "floating", "golden"])) \(random.pick(inventions)) of \(random.pick(towns))",
                        mother: personName(), spouse: random.chance(0.7) ? personName() : nil,
                        children: random.int(0...5),
                        fame: fame, motherOnlyForward: index % 2 == 0))
            }
        }
        self.people = people
        self.towns = towns
        self.professions = professions
        let authors = people.filter { $0.fame >= 1 }
        let formats = ["hardcover", "paperback", "e-book", "audiobook"]
        self.books = (0..<max(10, Int(120 * scale))).map { _ in
            let isbn =
                "978-\(random.int(0...9))-\(random.int(10000...99999))-\(random.int(100...999))-\(random.int(0...9))"
            return Book(
                title:
                    "The \(random.pick(["Secret", "Last", "Little", "Long", "Lost", "Quiet"])) \(random.pick(inventions).capitalized) of \(random.pick(towns))",
                author: random.pick(authors).name, isbn: isbn, pages: random.int(90...900),
                format: random.pick(formats),
                price: "\(random.int(4...60)).\(random.pick(["00", "50", "95", "99"]))")
        }
        let habitats = [
            "cold mountain streams", "salt marshes", "pine forests", "dry grasslands",
            "coral reefs", "deep lakes", "river deltas", "high meadows",
        ]
        let diets = [
            "insects", "seeds and berries", "small fish", "grasses", "snails", "nectar", "algae",
            "beetles and worms",
        ]
        species = (0..<max(8, Int(30 * scale))).map { _ in
            Species(
                name:
                    "\(word(2...2).lowercased())\(random.pick(["wing", "fin", "tail", "horn", "back"])) \(random.pick(["heron", "vole", "trout", "moth", "lizard", "finch", "newt", "otter"]))",
                habitat: random.pick(habitats), diet: random.pick(diets),
                lifespan: random.int(2...40),
                weight: "\(random.int(5...900)) grams")
        }
        // Passages of random words: nothing but memory can predict them.
        let pool = Self.commonWords
        passages = Self.passageRepetitions.flatMap { repetitions in
            (0..<3).map { _ in
                let words = (0..<30).map { _ in random.pick(pool) }.joined(separator: " ")
                return Passage(
                    text: words.prefix(1).uppercased() + words.dropFirst() + ".",
                    repetitions: repetitions)
            }
        }
    }
}
