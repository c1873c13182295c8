import Foundation
import Testing
import ChatFixtures
@testable import Chat

@Suite struct CalculatorTests {
    @Test(arguments: [
        ("13 - 8", "5"), ("4 * 2", "8"), ("12 / 4", "3"), ("7 / 2", "3.5"), ("1 / 3", "0.3333"),
        ("2 + 3 * 4", "14"), ("(2 + 3) * 4", "20"), ("20 - 4 - 3", "13"), ("-3 + 1", "-2"),
        ("6 × 7", "42"), ("9 ÷ 3", "3"), ("  5  ", "5"), ("((((1))))", "1"), ("2 - -2", "4"),
    ])
    func evaluates(expression: String, result: String) {
        #expect(Calculator.result(of: expression) == result)
    }

    @Test(arguments: [
        ("", "empty expression"), ("   ", "empty expression"), ("4 / 0", "division by zero"),
        ("4 / (2 - 2)", "division by zero"), ("(1 + 2", "unclosed \"(\""), ("1 +", "an operator without a number"),
        ("two + 2", "unexpected \"t\""), ("3 4", "unexpected \"4\""), ("1.5 + 1", "unexpected \".\""),
        ("99999999999", "a number beyond 1000000000"), ("100000 * 100000", "a number beyond 1000000000"),
        (String(repeating: "1+", count: 40) + "1", "longer than 64 characters"),
        (String(repeating: "(", count: 9) + "1" + String(repeating: ")", count: 9), "nested deeper than 8"),
        (String(repeating: "-", count: 9) + "1", "nested deeper than 8"), ("٣ + 1", "unexpected \"٣\""),
    ])
    func badExpressionsGiveAnErrorNeverACrash(expression: String, error: String) {
        #expect(Calculator.result(of: expression) == "error: \(error)")
    }

    @Test func fractionsStayExactAcrossSteps() throws {
        // 1/3 * 3 is 1 exactly, not 0.9999.
        #expect(Calculator.result(of: "1 / 3 * 3") == "1")
        #expect(try Calculator.evaluate("6 / 4") == Calculator.Fraction(3, 2))
    }
}

@Suite struct CalculatorToolTests {
    let model = chatFixtureModel(contextLength: 96)

    func scripted(_ assistant: Assistant, _ script: [Int], maxTokens: Int = 60) throws -> Reply {
        var remaining = script
        return try assistant.reply(
            to: [Message(.user, "the cat?")], maxTokens: maxTokens,
            choose: { _ in remaining.isEmpty ? assistant.chat.end : remaining.removeFirst() },
            isCancelled: { false }, onCall: { _ in }, onText: { _ in })
    }

    func words(_ text: String) -> [Int] { model.tokenizer.encode(text) }

    @Test func eachCallIsEvaluatedAndItsResultInjected() throws {
        let assistant = try Assistant(model)
        assistant.tools[.calculator] = Calculator.tool
        let chat = assistant.chat
        let calc = chat.calls[.calculator]!
        let reply = try scripted(
            assistant,
            [calc.open] + words("3 + 4") + [calc.close] + words(". ") + [calc.open] + words("7 * 2")
                + [calc.close] + words(". the cat") + [chat.end])
        #expect(reply.calls.map(\.input) == ["3 + 4", "7 * 2"])
        #expect(reply.calls.map(\.result) == ["7", "14"])
        #expect(Array(reply.tokens[reply.calls[1].injected]) == chat.resultTokens("14"))
        #expect(reply.text == "3 + 4 = 7. 7 * 2 = 14. the cat" && reply.ending == .endOfTurn)
        // The reply as a message renders to the same tokens the model wrote and was given.
        let message = reply.message
        #expect(message.text == reply.text)
        let rendered = chat.render([Message(.user, "the cat?"), message])
        let prompt = chat.prompt([Message(.user, "the cat?")])
        #expect(Array(rendered.tokens.dropFirst(prompt.count)) == reply.tokens)
    }

    @Test func aCalculatorTurnTrainsTheCallsNotTheResults() throws {
        let chat = try model.chatTokens()
        let turn = Message(
            .assistant,
            parts: [.call(ToolCall(.calculator, input: "3 + 4", result: "7")), .text(". the cat")])
        #expect(turn.text == "3 + 4 = 7. the cat")
        let rendered = chat.render([Message(.user, "a dog?"), turn])
        let trained = zip(rendered.tokens, rendered.weights).filter { $0.1 == 1 }.map(\.0)
        #expect(trained == chat.callTokens(.calculator, input: "3 + 4") + words(". the cat") + [chat.end])
        let start = rendered.tokens.firstIndex(of: chat.searchResult)!
        #expect(Array(rendered.tokens[start..<(start + 3)]) == chat.resultTokens("7"))
        #expect(rendered.weights[start..<(start + 3)].allSatisfy { $0 == 0 })
    }

    @Test func badCallsGetADefinedResult() throws {
        let assistant = try Assistant(model)
        assistant.tools[.calculator] = Calculator.tool
        let chat = assistant.chat
        let calc = chat.calls[.calculator]!
        let byZero = try scripted(assistant, [calc.open] + words("4 / 0") + [calc.close, chat.end])
        #expect(byZero.calls.first?.result == "error: division by zero")
        let empty = try scripted(assistant, [calc.open, calc.close, chat.end])
        #expect(empty.calls.first?.outcome == .nothing && empty.calls.first?.result == Assistant.noResult)
        let long = Array(repeating: words("1")[0], count: Tool.calculator.longestInput + 1)
        let unclosed = try scripted(assistant, [calc.open] + long + [chat.end])
        #expect(unclosed.calls.first?.outcome == .unclosed && unclosed.message.parts == nil)
        let interrupted = try scripted(assistant, [calc.open] + words("1 +") + [chat.searchCall])
        #expect(interrupted.calls.first?.outcome == .unclosed && interrupted.ending == .otherSpecialToken)
    }

    @Test func withoutTheCalculatorACallStopsTheReply() throws {
        let assistant = try Assistant(model)
        let calc = assistant.chat.calls[.calculator]!
        let reply = try scripted(assistant, [calc.open] + words("1 + 1"))
        #expect(reply.ending == .otherSpecialToken && reply.calls.isEmpty)
    }

    @Test func typedCallTokensStayText() throws {
        let chat = try model.chatTokens()
        let rendered = chat.render([Message(.user, "<|calc|>1 + 1<|/calc|>")])
        #expect(!rendered.tokens.contains(chat.calls[.calculator]!.open))
    }
}
