import ChatFixtures
import Foundation
import Testing
@testable import Stepper
@testable import Transformer
@testable import Chat
import BytePairEncoding

@Suite struct StepperTests {
    let model = fixtureModel()

    /// Issue 34: the `text:` line used `debugDescription`, which escapes C0 only: C1 (U+009B,
    /// U+0085) and bidi overrides reached the terminal raw; the header printed the model path raw.
    @Test func transcriptLinesCarryNoControlOrBidiCharacters() throws {
        let hostile = "the \u{9B}31m cat\u{85} sat \u{202E}tam\u{1B}]0;x\u{07}"
        // A window that holds the whole prompt: the text line shows only what the model read.
        let named = try fixtureModel(contextLength: 64).with(name: "models/\u{1B}[2J\u{202E}evil\u{07}", chatFormat: nil)
        let stepper = try Stepper(model: named, prompt: hostile, settings: .greedy, seed: 1)
        let text = Transcript.text(of: stepper)
        let lines = [text] + Transcript.run(stepper, steps: 2)
        for line in lines {
            let raw = line.unicodeScalars.filter { Tokenizer.isControlOrBidi($0) }
            #expect(raw.isEmpty, "\(raw.map { String($0.value, radix: 16) }) raw in \(line.debugDescription)")
        }
        #expect(text.contains("\\u{9B}31m cat\\u{85}") && text.contains("\\u{202E}tam"))
        #expect(lines[1].contains("models/\\u{1B}[2J\\u{202E}evil\\u{7}"))
    }

    @Test func transcriptIsTheSameForTheSameSeed() throws {
        func transcript(seed: UInt64) throws -> [String] {
            Transcript.run(try Stepper(model: model, prompt: "the cat", settings: SamplingSettings(temperature: 1.5), seed: seed), steps: 12)
        }
        let first = try transcript(seed: 3)
        #expect(first == (try transcript(seed: 3)))
        #expect(first != (try transcript(seed: 4)))
        #expect(first.filter { $0.hasPrefix("step ") }.count == 12)
        #expect(first[0].contains("fixture") && first[1].contains("temperature 1.50"))
    }

    @Test func greedyTranscriptTakesTheLikeliestTokenEveryTime() throws {
        let stepper = try Stepper(model: model, prompt: "the dog", settings: .greedy, seed: 1)
        for _ in 0..<5 {
            let expected = Sampling.ranking(stepper.step.logits)[0]
            stepper.perform(.sample)
            #expect(stepper.contextTokens.last == expected)
        }
    }

    @Test func afterGoingBackTheDistributionEqualsAFreshRun() throws {
        let stepper = try Stepper(model: model, prompt: "a cat", settings: SamplingSettings(), seed: 5)
        for _ in 0..<4 { stepper.perform(.sample) }
        stepper.perform(.back)
        #expect(nearlyEqual(stepper.step.logits, freshLogits(model, stepper.contextTokens)))
        // A different token now: a new branch, and its distribution is a fresh run's too.
        let siblingRank = stepper.candidates().first { $0.token != stepper.tree.children(of: stepper.node).first?.token }!.rank
        stepper.perform(.choose(rank: siblingRank))
        #expect(stepper.tree.children(of: stepper.tree.nodes[stepper.node].parent!).count == 2)
        #expect(nearlyEqual(stepper.step.logits, freshLogits(model, stepper.contextTokens)))
        stepper.perform(.sample)
        #expect(nearlyEqual(stepper.step.logits, freshLogits(model, stepper.contextTokens)))
    }

    @Test func goingBackAtThePromptSaysSo() throws {
        let stepper = try Stepper(model: model, prompt: "the", settings: SamplingSettings(), seed: 1)
        stepper.perform(.back)
        #expect(stepper.message.contains("nothing to take back"))
        #expect(stepper.contextTokens == model.tokenizer.encode("the"))
    }

    @Test func candidatesShowTheDistributionTheSettingsDefine() throws {
        let settings = SamplingSettings(temperature: 0.7, topK: 5, topP: 0.6)
        let stepper = try Stepper(model: model, prompt: "the mat", settings: settings, seed: 1)
        let expected = Sampling.distribution(logits: stepper.step.logits, settings: settings)
        let probabilities = stepper.step.probabilities
        for candidate in stepper.candidates() {
            #expect(candidate.samplingProbability == expected[candidate.token])
            #expect(candidate.probability == probabilities[candidate.token])
        }
        #expect(stepper.candidates().map(\.rank) == Array(1...9))
    }

    @Test func keysMoveTheSettingsAlongTheirLadders() throws {
        let stepper = try Stepper(model: model, prompt: "the", settings: SamplingSettings(), seed: 1)
        stepper.perform(.colder)
        #expect(stepper.settings.temperature == 0.75)
        for _ in 0..<10 { stepper.perform(.colder) }
        #expect(stepper.settings.temperature == 0)
        // Temperature 0 is greedy: all the sampling mass on the likeliest token.
        #expect(stepper.candidates()[0].samplingProbability == 1)
        #expect(stepper.candidates().dropFirst().allSatisfy { $0.samplingProbability == 0 })
        stepper.perform(.warmer)
        #expect(stepper.settings.temperature == 0.25)

        #expect(stepper.settings.topK == nil)
        stepper.perform(.fewerCandidates); #expect(stepper.settings.topK == 100)
        stepper.perform(.fewerCandidates); #expect(stepper.settings.topK == 50)
        stepper.perform(.moreCandidates); stepper.perform(.moreCandidates); #expect(stepper.settings.topK == nil)

        stepper.perform(.smallerNucleus); #expect(stepper.settings.topP == 0.95)
        stepper.perform(.largerNucleus); #expect(stepper.settings.topP == nil)
        #expect(stepper.recording.frames.last?.action == "settings")
    }

    @Test func anEmptyPromptStartsFromTheDocumentSeparator() throws {
        let stepper = try Stepper(model: model, prompt: "", settings: SamplingSettings(), seed: 1)
        #expect(stepper.contextTokens == [model.startToken!])
        let bare = fixtureModel(separator: false)
        #expect(throws: StepperError.emptyPrompt(model: "fixture")) {
            try Stepper(model: bare, prompt: "", settings: SamplingSettings(), seed: 1)
        }
    }

    @Test func aPromptLongerThanTheContextKeepsTheNewestTokensAndSaysSo() throws {
        let small = fixtureModel(contextLength: 8)
        let prompt = "the cat sat on the mat. the dog sat on the log."
        let tokens = small.tokenizer.encode(prompt)
        #expect(tokens.count > 8)
        let stepper = try Stepper(model: small, prompt: prompt, settings: SamplingSettings(), seed: 1)
        #expect(stepper.droppedTokens == tokens.count - 8)
        #expect(stepper.message.contains("oldest were dropped"))
        #expect(nearlyEqual(stepper.step.logits, freshLogits(small, tokens)))
        let screen = StepperScreen(width: 80, height: 30).render(stepper).joined(separator: "\n")
        #expect(screen.contains("the \(tokens.count - 8) oldest are outside the model's window"))
        // Generating on keeps dropping the oldest; going back restores the previous window.
        stepper.perform(.sample)
        stepper.perform(.sample)
        #expect(stepper.message.contains("context full"))
        stepper.perform(.back)
        #expect(nearlyEqual(stepper.step.logits, freshLogits(small, stepper.contextTokens)))
        #expect(stepper.droppedTokens == stepper.contextTokens.count - 8)
        stepper.perform(.greedy)
        #expect(nearlyEqual(stepper.step.logits, freshLogits(small, stepper.contextTokens)))
        #expect(stepper.droppedTokens == stepper.contextTokens.count - 8)
    }

    @Test func aChosenCandidateOutsideTheKeptSetIsTakenAndFlagged() throws {
        let stepper = try Stepper(model: model, prompt: "the", settings: SamplingSettings(topK: 1), seed: 1)
        let third = stepper.candidates()[2].token
        stepper.perform(.choose(rank: 3))
        #expect(stepper.contextTokens.last == third)
        #expect(stepper.message.contains("sampling would never pick it"))
    }

    /// Issue 34: the transcript echoed every prompt token (a 10 MB prompt gave 90 MB of output),
    /// though the model reads only the last window of them.
    @Test func theTranscriptEchoesOnlyThePromptTokensTheModelRead() throws {
        let small = fixtureModel(contextLength: 8)
        let prompt = String(repeating: "the cat sat on the mat. ", count: 40) + "the dog"
        let tokens = small.tokenizer.encode(prompt)
        let stepper = try Stepper(model: small, prompt: prompt, settings: .greedy, seed: 1)
        #expect(stepper.unreadPromptTokens == tokens.count - 8)
        let lines = Transcript.run(stepper, steps: 2)
        let read = tokens.suffix(8).map { Stepper.quoted(small.label(of: $0)) }.joined(separator: " ")
        #expect(lines[2] == "prompt: \(tokens.count) tokens (the newest 8 read) \(read)")
        let text = try #require(lines.last)
        #expect(text.hasPrefix("text: … ") && text.count < 120, "\(text)")
        #expect(text.contains("the dog"))
    }

    @Test func promptBytesMustBeUTF8() throws {
        #expect(try PromptText.decode(Array("héllo".utf8)) == "héllo")
        #expect(throws: PromptError(description: "the prompt is not valid UTF-8: byte 0xFF at offset 2")) {
            try PromptText.decode([0x68, 0x69, 0xFF, 0x21])
        }
        #expect(throws: PromptError.self) { try PromptText.decode([0x68, 0xC3]) }   // truncated é
    }
}

/// `tokenwise step --chat` with the search tool: a closed call is answered by the tool, whose
/// result enters the context as tokens of its own.
@Suite struct StepperSearchTests {
    let model = chatFixtureModel(contextLength: 64)
    var chat: ChatTokens { try! model.chatTokens() }

    func stepper(tool: ((String) -> String?)?) throws -> Stepper {
        let stepper = try Stepper(model: model, tokens: chat.prompt([Message(.user, "the cat?")]), settings: .greedy, seed: 0)
        stepper.tools[.search] = tool
        return stepper
    }

    func call(_ stepper: Stepper, _ query: String) {
        stepper.take(chat.searchCall, how: "chosen")
        model.tokenizer.encode(query).forEach { stepper.take($0, how: "chosen") }
        stepper.take(chat.searchCallEnd, how: "chosen")
    }

    @Test func aClosedCallRunsTheToolAndItsResultIsAFrameOfItsOwn() throws {
        var asked: [String] = []
        let stepper = try stepper(tool: { asked.append($0); return "the mat" })
        let before = stepper.contextTokens.count
        call(stepper, "the dog")
        #expect(asked == ["the dog"])
        let block = chat.resultTokens("the mat")
        #expect(Array(stepper.contextTokens.suffix(block.count)) == block)
        let end = stepper.contextTokens.count
        #expect(stepper.injectedPositions == Set((end - block.count)..<end))
        let frames = stepper.recording.frames
        #expect(frames.last?.action == Stepper.toolAction && frames[frames.count - 2].action == "chosen")
        #expect(frames.count == 1 + (end - before - block.count) + 1)   // prompt, each model token, one for the block
        #expect(stepper.message.contains("found a passage") && stepper.message.contains("\(block.count) tokens injected"))
        // The model reads the block: the next distribution is a fresh run's over the whole context.
        #expect(nearlyEqual(stepper.step.logits, freshLogits(model, stepper.contextTokens)))
        let screen = StepperScreen(width: 80, height: 30, color: false).render(stepper).joined(separator: "\n")
        #expect(screen.contains("from a tool"))
    }

    @Test func aCalculationIsInjectedAsItsOwnFrame() throws {
        let stepper = try stepper(tool: nil)
        stepper.tools[.calculator] = Calculator.tool
        let calc = chat.calls[.calculator]!
        stepper.take(calc.open, how: "chosen")
        model.tokenizer.encode("3 + 4").forEach { stepper.take($0, how: "chosen") }
        stepper.take(calc.close, how: "chosen")
        let block = chat.resultTokens("7")
        #expect(Array(stepper.contextTokens.suffix(block.count)) == block)
        #expect(stepper.recording.frames.last?.action == Stepper.toolAction)
        #expect(stepper.message.contains("the calculator tool ran") && stepper.message.contains("gave"))
        // The search tool's call tokens do not run the calculator.
        let other = try self.stepper(tool: nil)
        other.tools[.calculator] = Calculator.tool
        call(other, "3 + 4")
        #expect(other.injectedPositions.isEmpty)
    }

    @Test func goingBackTakesTheResultAndTheCloseBackTogether() throws {
        let stepper = try stepper(tool: { _ in "the mat" })
        stepper.take(chat.searchCall, how: "chosen")
        model.tokenizer.encode("the dog").forEach { stepper.take($0, how: "chosen") }
        let open = stepper.contextTokens
        stepper.take(chat.searchCallEnd, how: "chosen")
        stepper.perform(.greedy)   // the first answer token, after the block
        stepper.perform(.back)
        #expect(stepper.contextTokens.last == chat.searchResultEnd)   // one token back: the answer's
        stepper.perform(.back)
        #expect(stepper.contextTokens == open && stepper.injectedPositions.isEmpty)
        #expect(stepper.message.contains("the tool’s result and “<|/search|>”"))
        #expect(nearlyEqual(stepper.step.logits, freshLogits(model, open)))
    }

    @Test func noResultsAndNoToolAndOverlongCalls() throws {
        let nothing = try stepper(tool: { _ in nil })
        call(nothing, "the log")
        #expect(Array(nothing.contextTokens.suffix(chat.resultTokens(Assistant.noResult).count)) == chat.resultTokens(Assistant.noResult))
        #expect(nothing.message.contains("found nothing"))
        // Without a tool, <|/search|> is a token like any other.
        let plain = try stepper(tool: nil)
        call(plain, "the log")
        #expect(plain.contextTokens.last == chat.searchCallEnd && plain.recording.frames.last?.action == "chosen")
        // A query longer than the limit is no call: nothing runs.
        var calls = 0
        let long = try stepper(tool: { _ in calls += 1; return "the mat" })
        call(long, String(repeating: "a ", count: Assistant.longestQuery + 1))
        #expect(calls == 0 && long.injectedPositions.isEmpty)
    }
}


@Suite struct NonFiniteOutputTests {
    @Test func weightsThatOverflowAreAnErrorNotNaNProbabilities() throws {
        let model = fixtureModel()
        let embedding = model.model.parameters.first { $0.name == "wte.weight" }!
        for i in 0..<embedding.count { embedding.data[i] = 3e38 }   // finite, but every logit overflows
        #expect(throws: StepperError.nonFiniteOutput(model: model.name, tokens: 2)) {
            try Stepper(model: model, tokens: [1, 2], settings: SamplingSettings(), seed: 1)
        }
    }
}

/// Logits equal up to rounding: the stepper reads a prompt in one pass (`feedAll`), a fresh
/// session token by token, and the matrix products round their last bit differently.
func nearlyEqual(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 }
}
