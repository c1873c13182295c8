// Problems with an answer a program can check, for lessons 11 (tokens to think) and 12 (RL):
// word problems in the tiny web's names with small numbers and 1–4 operations (including the
// talk's "Emily buys apples and oranges"), counting a letter in a coined word, and comparing
// decimals such as 9.11 and 9.9. Each problem knows its worked steps and its answer; the
// lessons decide in which order a solution states them. Held-out problems differ from the
// training ones by their numbers (or word): `isHeldOut` is a fixed function of them.

import Foundation
import TinyWeb
import LessonRuntime

public struct Problem: Codable, Equatable, Hashable, Sendable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        case arithmetic, counting, decimals
    }
    public let kind: Kind
    public let question: String
    /// The working, one short sentence per step ("7 + 5 = 12.").
    public let steps: [String]
    /// The answer as the verifier reads it ("16", "2", "9.9").
    public let answer: String
    /// Arithmetic: operations; counting: letters in the word; decimals: 1.
    public let operations: Int

    /// The sentence that states the answer.
    public var answerSentence: String { "The answer is \(answer)." }

    /// What each arithmetic step uses, in the question's words: a chain's sentence ("Kalo finds
    /// 5 more"), the shopping problem's quantity ("The cups", "The lamps", "One lamp"); empty
    /// for the other kinds.
    public var cues: [String] {
        guard kind == .arithmetic else { return [] }
        if question.hasSuffix(ProblemSet.shoppingQuestion) { return ["The cups", "The lamps", "One lamp"] }
        // A chain's question: its opening sentence, one sentence per step, then the question.
        let sentences = question.components(separatedBy: ". ")
        return (1...steps.count).map { sentences[$0] }
    }

    /// The steps, each led by its cue: "Kalo finds 5 more: 7 + 5 = 12." Copying the sentence a
    /// step uses tells a small model which numbers come next; counting its way to the k-th
    /// sentence is what it fails to learn on some runs (lesson 11).
    public var citedSteps: [String] {
        kind == .arithmetic ? zip(cues, steps).map { "\($0): \($1)" } : steps
    }
}

public enum ProblemSet {
    static let things = ["stones", "lamps", "coins", "shells", "books"]
    /// A chain's values stay in 1...largest (the shopping problem's total in twice that), so each
    /// step is one lookup of small numbers.
    public static let largest = 20

    /// `count` distinct arithmetic problems, `operations` each (1–4), training or held-out ones,
    /// every number along the way up to `largest` (the course's problems: 20; a larger bound
    /// draws bigger numbers, the same family otherwise).
    public static func arithmetic(
        count: Int, operations: Int, heldOut: Bool, names: [String], seed: UInt64,
        largest: Int = ProblemSet.largest
    ) -> [Problem] {
        precondition((1...4).contains(operations), "1 to 4 operations")
        var random = WorldRandom(seed: seed &+ UInt64(operations) &* 1_000_003)
        return distinct(count: count, heldOut: heldOut) {
            let name = random.pick(names)
            // The talk's problem takes three operations; a third of those are priced like it.
            return operations == 3 && random.int(0...2) == 0
                ? shopping(name: name, largest: largest, random: &random)
                : chain(name: name, operations: operations, largest: largest, random: &random)
        }
    }

    /// Up to `count` problems from `draw` (nil: draw again) on the chosen side of the split,
    /// no question twice; gives up after 200 draws per problem.
    static func distinct(count: Int, heldOut: Bool, draw: () -> Problem?) -> [Problem] {
        var problems: [Problem] = [], seen = Set<String>()
        var attempts = 0
        while problems.count < count && attempts < count * 200 {
            attempts += 1
            guard let problem = draw(), isHeldOut(problem) == heldOut,
                !seen.contains(problem.question)
            else { continue }
            seen.insert(problem.question)
            problems.append(problem)
        }
        return problems
    }

    /// "Kalo has 7 stones. Kalo finds 5 more. Kalo gives 3 away. How many stones does Kalo have now?"
    static func chain(
        name: String, operations: Int, largest: Int, random: inout WorldRandom
    ) -> Problem? {
        // At the course's bound of 20: starts up to 12, steps of up to 5; scaled with the bound.
        let thing = random.pick(things)
        var value = random.int(2...max(12, largest * 3 / 5))
        var sentences = ["\(name) has \(value) \(thing)."], steps: [String] = []
        for _ in 0..<operations {
            let amount = random.int(1...max(5, largest / 4)), operation = random.int(0...4)
            if operation <= 1 && value + amount <= largest {
                let verb = random.pick(["finds", "buys", "gets"])
                sentences.append("\(name) \(verb) \(amount) more.")
                steps.append("\(value) + \(amount) = \(value + amount)."); value += amount
            } else if operation <= 3 && value - amount >= 1 {
                let verb = random.pick([
                    "gives \(amount) away", "loses \(amount)", "sells \(amount)",
                ])
                sentences.append("\(name) \(verb).")
                steps.append("\(value) - \(amount) = \(value - amount)."); value -= amount
            } else if operation == 4 && value * 2 <= largest {
                let factor = value * 3 <= largest && random.chance(0.5) ? 3 : 2
                sentences.append("\(name) \(factor == 2 ? "doubles" : "triples") them.")
                steps.append("\(value) * \(factor) = \(value * factor)."); value *= factor
            } else {
                return nil   // the draw would leave the range: draw the problem again
            }
        }
        sentences.append("How many \(thing) does \(name) have now?")
        return Problem(
            kind: .arithmetic, question: sentences.joined(separator: " "), steps: steps,
            answer: "\(value)", operations: operations)
    }

    static let shoppingQuestion = "What does one lamp cost?"

    /// The talk's problem: "Emily buys 3 apples and 2 oranges. Each orange costs $2. The total cost
    /// of all the fruit is $13. What is the cost of apples?" — in coins, with a whole answer.
    static func shopping(name: String, largest: Int, random: inout WorldRandom) -> Problem? {
        let lamps = random.int(2...5), cups = random.int(1...4)
        let cupPrice = random.int(1...max(5, largest / 4))
        let lampPrice = random.int(1...max(9, largest * 9 / 20))
        let cupsCost = cups * cupPrice, lampsCost = lamps * lampPrice, total = cupsCost + lampsCost
        guard total <= 2 * largest else { return nil }
        let question =
            "\(name) buys \(lamps) lamps and \(cups) cups. Each cup costs \(cupPrice) \(cupPrice == 1 ? "coin" : "coins"). "
            + "All of it costs \(total) coins. \(shoppingQuestion)"
        return Problem(
            kind: .arithmetic, question: question,
            steps: [
                "\(cups) * \(cupPrice) = \(cupsCost).", "\(total) - \(cupsCost) = \(lampsCost).",
                "\(lampsCost) / \(lamps) = \(lampPrice).",
            ],
            answer: "\(lampPrice)", operations: 3)
    }

    /// "How many o's are in Karimoor?", spelled out with a running count.
    public static func counting(word: String, letter: Character) -> Problem {
        var count = 0
        let pairs = word.lowercased().map { character -> String in
            if character == letter { count += 1 }
            return "\(character) \(count)"
        }
        return Problem(
            kind: .counting, question: "How many \(letter)'s are in \(word)?",
            steps: [
                "\(word) is \(word.lowercased().map(String.init).joined(separator: " ")).",
                "Counting \(letter): \(pairs.joined(separator: ", ")).",
            ],
            answer: "\(count)", operations: word.count)
    }

    /// Counting problems on coined words (training or held-out words), a letter of the word
    /// asked for most of the time and one it lacks otherwise.
    public static func counting(count: Int, heldOut: Bool, seed: UInt64) -> [Problem] {
        var random = WorldRandom(seed: seed)
        return distinct(count: count, heldOut: heldOut) {
            let word = World.coinWord(syllables: 2...4, random: &random)
            let letters = Array(Set(word.lowercased())).sorted()
            let letter =
                random.chance(0.2) ? random.pick(Array("aeiklmnorstu")) : random.pick(letters)
            return counting(word: word, letter: letter)
        }
    }

    /// "Which is bigger, 9.11 or 9.9?": two decimals with the same whole part, one with two
    /// digits after the point and one with one; in half of them the longer one is smaller
    /// (the trap: 11 > 9, yet 9.11 < 9.9).
    public static func decimals(count: Int, heldOut: Bool, seed: UInt64) -> [Problem] {
        var random = WorldRandom(seed: seed)
        return distinct(count: count, heldOut: heldOut) { () -> Problem? in
            let whole = random.int(1...9), tenths = random.int(1...9)
            let hundredths = random.int(11...99)
            guard hundredths != tenths * 10, hundredths % 10 != 0 else { return nil }
            let short = "\(whole).\(tenths)", long = "\(whole).\(hundredths)"
            let longFirst = random.chance(0.5)
            let (first, second) = longFirst ? (long, short) : (short, long)
            let bigger = hundredths > tenths * 10 ? long : short
            // Both two-digit numbers are written, always in the same order, before the one
            // that is more: the choice is made with both in view.
            return Problem(
                kind: .decimals, question: "Which is bigger, \(first) or \(second)?",
                steps: [
                    "\(short) is \(whole).\(tenths * 10).",
                    "Compare \(tenths * 10) and \(hundredths): \(max(tenths * 10, hundredths)) is more.",
                ],
                answer: bigger, operations: 1)
        }
    }

    /// One problem in five is held out, chosen by a hash of its numbers (arithmetic, decimals)
    /// or its word (counting): a held-out problem never shares them with a training one.
    public static func isHeldOut(_ problem: Problem) -> Bool {
        let key: String
        switch problem.kind {
        case .arithmetic, .decimals:
            key = problem.question.split(whereSeparator: { !$0.isNumber && $0 != "." }).filter {
                $0.first!.isNumber
            }.joined(separator: ",")
        case .counting:
            key = String(problem.question.split(separator: " ").last!.dropLast())
        }
        return stableHash(key) % 5 == 0
    }

    /// FNV-1a: the same on every machine and run (Swift's Hasher is seeded per process).
    static func stableHash(_ text: String) -> UInt64 {
        text.utf8.reduce(14_695_981_039_346_656_037) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
    }
}

/// The rules a reply's answer is checked by. Written down once, shown on the lesson pages and
/// tested: a reply is right only if every rule holds.
public enum Verifier {
    /// How many of a solution's written sums ("12 + 4 = 17.") are false: a check of the steps,
    /// which the verifier's verdict (the final answer only) never reads.
    /// Example: "12 + 4 = 17. 17 + 2 = 19. The answer is 19." has 1.
    public static func falseSteps(in text: String) -> Int {
        // Sentences end at a full stop before a space or the end, so "15.5" stays one number;
        // a step's cue ("Kalo finds 5 more: ") is not part of its sum.
        text.components(separatedBy: ". ").map {
            let sentence = $0.hasSuffix(".") ? String($0.dropLast()) : $0
            return sentence.components(separatedBy: ": ").last!
        }.filter { sentence in
            let words = sentence.split(separator: " ")
            guard words.count == 5, words[3] == "=", let a = Int(words[0]), let b = Int(words[2]),
                let c = Int(words[4])
            else { return false }
            switch words[1] {
            case "+": return a + b != c
            case "-": return a - b != c
            case "*": return a * b != c
            case "/": return b == 0 || a != b * c
            default: return false
            }
        }.count
    }

    public enum Verdict: Equatable, Sendable {
        case right
        case wrong(given: String)
        /// The reply stopped before it ended its turn (the token limit): never trained on.
        case truncated
        case noAnswer
        case severalAnswers
        case notANumber(String)
        case outOfRange(String)

        public var isRight: Bool { self == .right }

        public var description: String {
            switch self {
            case .right: return "right"
            case .wrong(let given): return "wrong (\(given))"
            case .truncated: return "cut off before the end of its turn"
            case .noAnswer: return "no \"The answer is\""
            case .severalAnswers: return "more than one \"The answer is\""
            case .notANumber(let text): return "not a number: \(text)"
            case .outOfRange(let text): return "out of range: \(text)"
            }
        }
    }

    public static let marker = "The answer is "
    /// Answers above this are never right: nothing in the problem family comes near it.
    public static let largestAnswer = 999.0

    /// The rules, for the pages.
    public static let rules = [
        "The reply must end its turn; a reply cut off at the token limit is wrong (and never trained on).",
        "It must say \"The answer is\" exactly once: none, or two or more (hedging between answers), is wrong.",
        "The answer is the number right after it: digits, with at most one decimal point (\"16\", \"9.9\"). A word after it (a unit, \"coins\") or a full stop is ignored; a sign, a fraction or a word instead of the number is not a number.",
        "Numbers are compared by value (9.90 = 9.9); a number above 999 is out of range.",
    ]

    public static func check(_ text: String, endedTurn: Bool, expected: String) -> Verdict {
        guard endedTurn else { return .truncated }
        let parts = text.components(separatedBy: marker)
        guard parts.count > 1 else { return .noAnswer }
        guard parts.count == 2 else { return .severalAnswers }
        let rest = parts[1]
        var number = String(rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") })
        if number.hasSuffix(".") { number.removeLast() }   // the full stop after "16."
        guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, let value = Double(number)
        else {
            return .notANumber(String(rest.prefix(12)))
        }
        let after = rest.dropFirst(number.count)
        if let next = after.first, next != ".", next != " ", next != "\n" {
            return .notANumber(String(rest.prefix(12)))
        }
        guard value <= largestAnswer else { return .outOfRange(number) }
        return value == Double(expected) ? .right : .wrong(given: number)
    }
}

/// The written solutions a model was finetuned on: lesson 11 stores them under the weights of
/// each model it publishes ("written-solutions"), and lesson 12's table of what each model
/// learnt from reads them, so the table always describes the model lesson 12 finds.
public struct WrittenSolutions: Codable, Sendable {
    public let workedSolutions: Int, answerFirstSolutions: Int

    public init(workedSolutions: Int, answerFirstSolutions: Int) {
        self.workedSolutions = workedSolutions
        self.answerFirstSolutions = answerFirstSolutions
    }
}
