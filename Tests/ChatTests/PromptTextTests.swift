import Testing
@testable import Chat
import ChatFixtures

@Suite struct PromptTextTests {
    /// Issue 34: a 100 MB one-word prompt took `step` 65 s and 4.8 GB, `chat` 29 s and 3.5 GB.
    @Test func aTextOverOneMebibyteIsRefusedNamingWhere() throws {
        let limit = PromptText.byteLimit
        #expect(limit == 1 << 20)
        #expect(try PromptText.decode([UInt8](repeating: 0x61, count: limit)).utf8.count == limit)
        #expect(throws: PromptError(description: "--prompt-file p is over 1 MiB (2097152 bytes; a model's context holds a few thousand tokens at most): shorten it")) {
            try PromptText.decode([UInt8](repeating: 0x61, count: 2 * limit), source: "--prompt-file p")
        }
        #expect(throws: PromptError.self) { try PromptText.checkSize(limit + 1, source: "--system") }
    }

    @Test func aChatLineOverTheLimitIsRefusedWithoutReadingIt() throws {
        let loop = ChatLoop(assistant: try Assistant(chatFixtureModel()), system: nil, temperature: 0, seed: 0, maxTokens: 4)
        var output = "", problems = ""
        loop.handle([UInt8](repeating: 0x61, count: PromptText.byteLimit + 1), write: { output += $0 }, problem: { problems += $0 })
        #expect(output.isEmpty && loop.refusals == 1 && loop.messages.isEmpty)
        #expect(problems.hasPrefix("(that line is over 1 MiB"), "\(problems)")
    }
}
