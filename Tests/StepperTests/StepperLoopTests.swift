import ChatFixtures
import Foundation
import Testing
@testable import Stepper
@testable import Transformer
@testable import Chat

@Suite struct StepperLoopTests {
    let model = fixtureModel()

    /// Drives the loop with `keys` (one chunk per read) and returns every screen drawn.
    func screens(_ keys: [String], prompt: String = "the cat") throws -> (Stepper, [[String]]) {
        let stepper = try Stepper(model: model, prompt: prompt, settings: SamplingSettings(topK: 10), seed: 2)
        var pending = keys.map { Array($0.utf8) }
        var drawn: [[String]] = []
        StepperLoop.run(stepper, screen: { StepperScreen(width: 90, height: 40) },
                        readKeys: { pending.isEmpty ? nil : pending.removeFirst() }, draw: { drawn.append($0) })
        return (stepper, drawn)
    }

    @Test func aScriptedSessionDrawsTheExpectedScreens() throws {
        let (stepper, drawn) = try screens(["\r", "1", "b", "t", "k", "a", "a", "?", "x", "q", "\r"])
        #expect(drawn.count == 11)   // the first screen, then one per chunk up to q
        let first = drawn[0].joined(separator: "\n")
        #expect(first.contains("context: 2 tokens"))
        #expect(first.contains("the│·cat│"))
        #expect(first.contains("temperature 1.00 · top-k 10 · top-p off · seed 2"))
        #expect(drawn[0].filter { $0.first.map { "123456789".contains($0) } ?? false }.count == 9)
        #expect(drawn[1].contains { $0.hasPrefix("sampled “") })
        #expect(drawn[1].joined().contains("context: 3 tokens"))
        #expect(drawn[2].contains { $0.hasPrefix("chosen “") && $0.contains("rank 1") })
        #expect(drawn[3].contains { $0.hasPrefix("took back") })
        #expect(drawn[3].joined().contains("context: 3 tokens"))
        #expect(drawn[4][1].hasPrefix("temperature 0.75"))
        #expect(drawn[5][1].contains("top-k 5"))
        #expect(drawn[6].contains { $0.hasPrefix("L1 H1") } && drawn[6].contains { $0.hasPrefix("L2 H2") })
        #expect(!drawn[7].contains { $0.hasPrefix("L1 H1") })
        #expect(drawn[8].contains { $0.hasPrefix("Enter    sample") })
        #expect(drawn[9].contains("unknown key 'x': press ? for help"))
        #expect(drawn[10].contains("bye"))
        #expect(stepper.hasQuit)
        // Keys after q are not read.
        #expect(stepper.contextTokens.count == 3)
    }

    @Test func everyScreenFitsTheTerminal() throws {
        let (_, drawn) = try screens(["\r\r\r", "a", "a?"], prompt: String(repeating: "the cat sat on the mat. ", count: 3))
        for screen in drawn {
            #expect(screen.count <= 40)
            #expect(screen.allSatisfy { StepperScreen.displayWidth($0) <= 90 })
        }
    }

    @Test func keyBytesDecodeToActions() {
        #expect(StepperKeys.actions(in: Array("\r\n19gbtTkKpPa?q".utf8)) == [
            .sample, .sample, .choose(rank: 1), .choose(rank: 9), .greedy, .back, .colder, .warmer,
            .fewerCandidates, .moreCandidates, .smallerNucleus, .largerNucleus, .toggleAttention, .toggleHelp, .quit])
        #expect(StepperKeys.actions(in: [0x1B, 0x5B, 0x44, 0x03]) == [.unknown("←"), .quit])
        #expect(StepperKeys.actions(in: Array("é0".utf8)) == [.unknown("'é'"), .unknown("'0'")])
    }
}
