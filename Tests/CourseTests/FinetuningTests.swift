import Foundation
import Testing
@testable import Course

@Suite struct FinetuningTests {
    let base = ExportFixture.model(contextLength: 32)
    let heldOut = [[Message(.user, "Where was Ada born?"), Message(.assistant, "In Renka Hill.")]]

    func refusal(_ rows: [RenderedChat], name: String) -> String? {
        let settings = FinetuningSettings(steps: 2, batchSize: 2, learningRate: 1e-3)
        do {
            _ = try Finetuning.run(
                settings, from: base, rows: rows, conversations: 1, heldOut: heldOut, name: name)
            return nil
        } catch { return "\(error)" }
    }

    @Test func rowsOfTheWrongLengthAreRefusedByName() {
        let short = refusal([RenderedChat(tokens: [0, 1, 2], weights: [0, 1, 1])], name: "mixed-test")
        #expect(short?.contains("mixed-test") == true && short?.contains("33 tokens") == true, "\(short ?? "no error")")
        let empty = refusal([], name: "empty-test")
        #expect(empty?.contains("empty-test") == true && empty?.contains("no rows") == true, "\(empty ?? "no error")")
    }

    /// Rows the caller packed (here: plain text, every token weighted, as lesson 7's web rows)
    /// train through the same loop: the held-out answer loss is recorded, and the text's loss falls.
    @Test func packedTextRowsTrainTheModel() throws {
        let length = base.model.config.contextLength + 1
        let stream = base.tokenizer.encode(ExportFixture.text)
        let rows = stride(from: 0, to: 8 * length, by: length).map {
            RenderedChat(tokens: Array(stream[$0..<($0 + length)]), weights: Array(repeating: 1, count: length))
        }
        let chat = try ChatTokens(format: .course, tokenizer: base.tokenizer)
        let settings = FinetuningSettings(steps: 30, batchSize: 4, learningRate: 3e-3)
        let trained = try Finetuning.train(
            settings, from: base, rows: rows, conversations: 0,
            heldOutRows: Finetuning.rows(heldOut, chat: chat, length: length), name: "text", format: .course)
        #expect(trained.history.rows == 8 && trained.history.conversations == 0)
        #expect(!trained.history.evaluations.isEmpty)
        let losses = trained.history.losses
        let first: Double = losses.prefix(5).reduce(0, +), last: Double = losses.suffix(5).reduce(0, +)
        #expect(last < 0.8 * first, "\(losses)")
    }

    @Test func packingKeepsConversationsWholeAndPadsWithZeroWeight() {
        let chats = [RenderedChat(tokens: [0, 1, 2], weights: [0, 1, 1]), RenderedChat(tokens: [0, 3], weights: [0, 1]),
                     RenderedChat(tokens: Array(repeating: 4, count: 9), weights: Array(repeating: 1, count: 9)),
                     RenderedChat(tokens: [0, 5, 6, 7], weights: [0, 0, 1, 1])]
        let rows = Finetuning.packRows(chats, length: 6, padding: 9)
        #expect(rows == [RenderedChat(tokens: [0, 1, 2, 0, 3, 9], weights: [0, 1, 1, 0, 1, 0]),
                         RenderedChat(tokens: [0, 5, 6, 7, 9, 9], weights: [0, 0, 1, 1, 0, 0])])
        let batch = Finetuning.batch(rows)
        #expect(batch.inputs == [0, 1, 2, 0, 3, 0, 5, 6, 7, 9])
        #expect(batch.targets == [1, 2, 0, 3, 9, 5, 6, 7, 9, 9])
        #expect(batch.weights == [1, 1, 0, 1, 0, 0, 1, 1, 0, 0])
    }

    @Test func aCopyTrainsWithoutTouchingTheOriginal() {
        let model = GPT(config: GPTConfig(vocabularySize: 20, contextLength: 8, layerCount: 1, headCount: 1, embeddingWidth: 8), seed: 2)
        let copy = Finetuning.copy(model)
        #expect(Finetuning.fingerprint(copy) == Finetuning.fingerprint(model))
        copy.parameters[0].data[0] += 1
        #expect(Finetuning.fingerprint(copy) != Finetuning.fingerprint(model))
    }
}
