import Foundation
import Testing
@testable import Course

@Suite struct ProblemsTests {
    let names = ["Kalo", "Miqua", "Teska"]

    /// The value the question's sentences describe, computed from its words alone.
    func solve(_ p: Problem) -> Int {
        let sentences = p.question.split(separator: ".").map { $0.trimmingCharacters(in: .whitespaces) }
        let numbers = p.question.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .punctuationCharacters)) }
        if p.question.contains("What does one lamp cost?") {
            let (lamps, cups, price, total) = (numbers[0], numbers[1], numbers[2], numbers[3])
            return (total - cups * price) / lamps
        }
        var value = numbers[0]
        for sentence in sentences.dropFirst() {
            let amount = sentence.split(separator: " ").compactMap { Int($0) }.first ?? 0
            if sentence.contains("more") { value += amount }
            else if sentence.contains("away") || sentence.contains("loses") || sentence.contains("sells") { value -= amount }
            else if sentence.contains("doubles") { value *= 2 }
            else if sentence.contains("triples") { value *= 3 }
        }
        return value
    }

    @Test(arguments: 1...4) func wordProblemsHaveTheirOperationsAndTheRightAnswer(operations: Int) {
        let problems = ProblemSet.arithmetic(count: 50, operations: operations, heldOut: false, names: names, seed: 3)
        #expect(problems.count == 50 && Set(problems.map(\.question)).count == 50)
        for p in problems {
            #expect(p.steps.count == operations && p.operations == operations)
            #expect(String(solve(p)) == p.answer, "\(p.question) → \(p.answer)")
            // Each step's result is in range and the last one is the answer.
            let results = p.steps.map { Int($0.split(separator: " ").last!.dropLast())! }
            let largest = p.question.contains("What does one lamp cost?") ? 2 * ProblemSet.largest : ProblemSet.largest
            #expect(results.allSatisfy { (1...largest).contains($0) } && results.last.map(String.init) == p.answer)
        }
    }

    /// Each step is led by the sentence it uses (a chain) or the quantity it prices (shopping),
    /// and the cue holds the step's own amount.
    @Test(arguments: 1...4) func citedStepsLeadEachStepWithWhatItUses(operations: Int) {
        for p in ProblemSet.arithmetic(count: 30, operations: operations, heldOut: false, names: names, seed: 3) {
            #expect(p.cues.count == p.steps.count && p.citedSteps.count == p.steps.count)
            for (cue, (cited, step)) in zip(p.cues, zip(p.citedSteps, p.steps)) {
                #expect(cited == "\(cue): \(step)")
                if p.question.hasSuffix("What does one lamp cost?") { continue }
                #expect(p.question.contains(cue + ". ") && !cue.contains("."))
                let amount = cue.split(separator: " ").compactMap { Int($0) }.first
                #expect(amount == nil || step.contains(" \(amount!) ="), "\(cue) → \(step)")
            }
            #expect(Verifier.falseSteps(in: (p.citedSteps + [p.answerSentence]).joined(separator: " ")) == 0)
        }
        let shopping = ProblemSet.arithmetic(count: 30, operations: 3, heldOut: false, names: names, seed: 3)
            .first { $0.question.hasSuffix("What does one lamp cost?") }!
        #expect(shopping.cues == ["The cups", "The lamps", "One lamp"])
        let counting = ProblemSet.counting(word: "Tamofenta", letter: "e")
        #expect(counting.cues.isEmpty && counting.citedSteps == counting.steps)
    }

    @Test func heldOutProblemsNeverShareTheirNumbersWithTrainingOnes() {
        for operations in 1...4 {
            let training = ProblemSet.arithmetic(count: 200, operations: operations, heldOut: false, names: names, seed: 5)
            let heldOut = ProblemSet.arithmetic(count: 50, operations: operations, heldOut: true, names: names, seed: 5)
            #expect(training.allSatisfy { !ProblemSet.isHeldOut($0) } && heldOut.allSatisfy(ProblemSet.isHeldOut))
            #expect(Set(training.map(\.question)).isDisjoint(with: heldOut.map(\.question)))
        }
        let words = ProblemSet.counting(count: 100, heldOut: true, seed: 1).map { $0.question.split(separator: " ").last! }
        let trainingWords = ProblemSet.counting(count: 300, heldOut: false, seed: 1).map { $0.question.split(separator: " ").last! }
        #expect(Set(words).isDisjoint(with: trainingWords))
    }

    @Test func countingSpellsTheWordAndCountsAsItGoes() {
        let p = ProblemSet.counting(word: "Karimoor", letter: "o")
        #expect(p.question == "How many o's are in Karimoor?" && p.answer == "2")
        #expect(p.steps == ["Karimoor is k a r i m o o r.", "Counting o: k 0, a 0, r 0, i 0, m 0, o 1, o 2, r 2."])
        #expect(ProblemSet.counting(word: "Lomi", letter: "z").answer == "0")
    }

    @Test func decimalsNameTheBiggerNumber() {
        for p in ProblemSet.decimals(count: 100, heldOut: false, seed: 2) {
            let numbers = p.question.dropLast().split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .punctuationCharacters)) }
            #expect(numbers.count == 2 && Double(p.answer) == numbers.max())
        }
    }

    @Test(arguments: [
        ("1 + 2 = 3. The answer is 3.", true, "3", Verifier.Verdict.right),
        ("The answer is 3 coins.", true, "3", .right),
        ("The answer is 3", true, "3", .right),
        ("The answer is 9.90.", true, "9.9", .right),
        ("The answer is 4.", true, "3", .wrong(given: "4")),
        ("The answer is 3.", false, "3", .truncated),
        ("It is 3.", true, "3", .noAnswer),
        ("The answer is 3. The answer is 4.", true, "3", .severalAnswers),
        ("The answer is three.", true, "3", .notANumber("three.")),
        ("The answer is -3.", true, "3", .notANumber("-3.")),
        ("The answer is 3/4.", true, "3", .notANumber("3/4.")),
        ("The answer is 1.2.3.", true, "3", .notANumber("1.2.3.")),
        ("The answer is 1000.", true, "1000", .outOfRange("1000")),
    ])
    func theVerifierFollowsItsRules(text: String, ended: Bool, expected: String, verdict: Verifier.Verdict) {
        #expect(Verifier.check(text, endedTurn: ended, expected: expected) == verdict)
    }
}

@Suite struct FalseStepsTests {
    @Test func countsOnlyWrittenSumsThatAreFalse() {
        #expect(Verifier.falseSteps(in: "12 + 4 = 16. 16 + 2 = 18. The answer is 18.") == 0)
        #expect(Verifier.falseSteps(in: "12 + 4 = 17. 17 + 2 = 19. The answer is 19.") == 1)
        #expect(Verifier.falseSteps(in: "9 - 3 = 5. 5 * 2 = 11. 8 / 0 = 1.") == 3)
        #expect(Verifier.falseSteps(in: "The answer is 12 + 4 = 17.") == 0)   // not a step's shape
        // A decimal result is one number, not a sentence's end ("47 / 3 = 15" is not written).
        #expect(Verifier.falseSteps(in: "47 / 3 = 15.6667. The answer is 15.") == 0)
        #expect(Verifier.falseSteps(in: "16 - 63 = -47. 20 - 3 = 16.") == 1)
        // A step's cue is not part of its sum.
        #expect(Verifier.falseSteps(in: "Kalo finds 5 more: 7 + 5 = 13. The lamps: 25 - 9 = 16.") == 1)
    }

    @Test func biggerNumbersKeepTheFamilyAndTheBound() {
        let problems = ProblemSet.arithmetic(count: 40, operations: 3, heldOut: false, names: ["Ana"], seed: 1, largest: 99)
        #expect(problems.count == 40)
        #expect(problems.allSatisfy { Verifier.falseSteps(in: ($0.steps + [$0.answerSentence]).joined(separator: " ")) == 0 })
        #expect(problems.contains { Int($0.answer)! > 20 })
    }
}
