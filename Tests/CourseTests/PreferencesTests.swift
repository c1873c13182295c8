import Foundation
import Testing
@testable import Course

@Suite struct PreferencesTests {
    let world = World(seed: 5, scale: 0.3)

    @Test func heldOutRequestsAreAboutOtherSubjects() {
        let (train, heldOut) = OpenRequests.make(world: world)
        #expect(!train.isEmpty && !heldOut.isEmpty)
        #expect(Set(train.map(\.subject)).isDisjoint(with: heldOut.map(\.subject)))
        #expect(train.allSatisfy { $0.text.contains($0.subject) })
    }

    @Test func theHumanPrefersOnTopicTrueShortFinishedReplies() {
        let species = world.species[0]
        let request = OpenRequests.make(world: world).train.first { $0.subject == species.name }!
        let good = "The \(species.name) feeds on \(species.diet)!"
        let human = HumanPreference(texts: ["the is nice to see feeds on ada was born in velsira word \(species.name) \(species.diet)"]
                                        + (0..<30).map { "w\($0)" })
        func score(_ text: String, ended: Bool = true) -> Double { human.score(text, endedTurn: ended, for: request) }
        #expect(score(good) == 2 + 1 + 0.5)
        #expect(score(good) > score("The \(species.name) is nice to see."))   // no fact, no cheer
        #expect(score("The \(species.name) is nice to see.") > score("Ada was born in Velsira."))   // off topic
        #expect(score(good, ended: false) == score(good) - 3)   // cut off
        let repetitive = "the \(species.name) the \(species.name) the \(species.name) the \(species.name)!"
        #expect(score(repetitive) < score(good) - 1)
        let long = "The \(species.name) " + Array(repeating: "word", count: 2).joined(separator: " ")
            + (0..<30).map { " w\($0)" }.joined()
        #expect(score(long) < score("The \(species.name) is nice to see."))
        #expect(score("The \(species.name) is a de!") == score("The \(species.name) is a!") - 1)   // not a word
    }

    @Test func repeatedPairsAreCounted() {
        #expect(HumanPreference.repeatedPairShare(["a", "b", "c", "d"]) == 0)
        #expect(HumanPreference.repeatedPairShare(["a", "b", "a", "b"]) == 1.0 / 3)
        #expect(HumanPreference.repeatedPairShare(["the", "the", "the", "the", "the"]) == 3.0 / 4)
    }
}

@Suite struct RewardModelTests {
    let assistant = GPT(config: GPTConfig(vocabularySize: 300, contextLength: 16, layerCount: 1, headCount: 2, embeddingWidth: 16), seed: 3)

    @Test func aScoreDoesNotDependOnTheRowsBesideIt() {
        let model = RewardModel(from: assistant)
        model.head.data.update(from: (0..<16).map { Float($0) / 10 - 0.8 }, count: 16)
        let short = [1, 2, 3], long = [4, 5, 6, 7, 8, 9, 10]
        let alone = model.scores([short])[0]
        let together = model.scores([long, short, long])
        #expect(abs(alone - together[1]) < 1e-5)
        #expect(abs(together[0] - together[2]) < 1e-6 && abs(together[0] - alone) > 1e-4)
    }

    /// The head reads what the language model's head reads: the same features give its logits.
    @Test func theFeaturesAreWhatTheOutputHeadReads() {
        let model = RewardModel(from: assistant)
        let tokens: [Int32] = [5, 6, 7, 8, 9, 10]
        let viaFeatures = linear(model.features(tokens: tokens, batchSize: 2, length: 3, at: [2, 4]), weight: assistant.tokenEmbedding)
        let direct = assistant.logits(tokens: tokens, batchSize: 2, length: 3, at: [2, 4])
        #expect(zip(viaFeatures.values, direct.values).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    /// The pairwise loss's gradient, carried back by the library, moves the scores the right way.
    @Test func oneStepOnAPairWidensItsMargin() {
        let model = RewardModel(from: assistant)
        let optimizer = AdamW(parameters: model.parameters, settings: AdamWSettings(weightDecay: 0), decays: model.decayMask)
        let chosen = [1, 2, 3, 4], rejected = [1, 2, 9, 9]
        func margin() -> Float { let s = model.scores([chosen, rejected]); return s[0] - s[1] }
        let before = margin()
        for _ in 0..<5 {
            let scores = model.scoreTensor([chosen, rejected])
            optimizer.zeroGradients()
            scores.backward(upstream: [-0.5, 0.5])   // −σ(−m) and +σ(−m) at m = 0
            scores.releaseGraph()
            optimizer.step(learningRate: 1e-2)
        }
        #expect(margin() > before + 0.1)
    }

    @Test func itSavesAndLoadsAndRefusesABrokenHead() throws {
        let model = RewardModel(from: assistant)
        model.head.data.update(from: [Float](repeating: 0.3, count: 16), count: 16)
        model.bias.data[0] = -1
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reward-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.save(to: folder)
        let loaded = try RewardModel.load(from: folder)
        #expect(loaded.scores([[1, 2, 3]]) == model.scores([[1, 2, 3]]))
        try Data("[1, 2]".utf8).write(to: folder.appendingPathComponent(RewardModel.headFile))
        #expect { try RewardModel.load(from: folder) } throws: { "\($0)".contains("expected 17 finite numbers, found 2") }
    }
}
