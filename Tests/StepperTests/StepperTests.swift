import Foundation
import Testing
@testable import Stepper
@testable import Transformer

@Suite struct StepperTests {
    let model = fixtureModel()

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
        #expect(stepper.step.logits == freshLogits(model, stepper.contextTokens))
        // A different token now: a new branch, and its distribution is a fresh run's too.
        let siblingRank = stepper.candidates().first { $0.token != stepper.tree.children(of: stepper.node).first?.token }!.rank
        stepper.perform(.choose(rank: siblingRank))
        #expect(stepper.tree.children(of: stepper.tree.nodes[stepper.node].parent!).count == 2)
        #expect(stepper.step.logits == freshLogits(model, stepper.contextTokens))
        stepper.perform(.sample)
        #expect(stepper.step.logits == freshLogits(model, stepper.contextTokens))
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
        #expect(stepper.step.logits == freshLogits(small, tokens))
        let screen = StepperScreen(width: 80, height: 30).render(stepper).joined(separator: "\n")
        #expect(screen.contains("the \(tokens.count - 8) oldest are outside the model's window"))
        // Generating on keeps dropping the oldest; going back restores the previous window.
        stepper.perform(.sample)
        stepper.perform(.sample)
        #expect(stepper.message.contains("context full"))
        stepper.perform(.back)
        #expect(stepper.step.logits == freshLogits(small, stepper.contextTokens))
        #expect(stepper.droppedTokens == stepper.contextTokens.count - 8)
        stepper.perform(.greedy)
        #expect(stepper.step.logits == freshLogits(small, stepper.contextTokens))
        #expect(stepper.droppedTokens == stepper.contextTokens.count - 8)
    }

    @Test func aChosenCandidateOutsideTheKeptSetIsTakenAndFlagged() throws {
        let stepper = try Stepper(model: model, prompt: "the", settings: SamplingSettings(topK: 1), seed: 1)
        let third = stepper.candidates()[2].token
        stepper.perform(.choose(rank: 3))
        #expect(stepper.contextTokens.last == third)
        #expect(stepper.message.contains("sampling would never pick it"))
    }

    @Test func promptBytesMustBeUTF8() throws {
        #expect(try PromptText.decode(Array("héllo".utf8)) == "héllo")
        #expect(throws: PromptError(description: "the prompt is not valid UTF-8: byte 0xFF at offset 2")) {
            try PromptText.decode([0x68, 0x69, 0xFF, 0x21])
        }
        #expect(throws: PromptError.self) { try PromptText.decode([0x68, 0xC3]) }   // truncated é
    }
}
