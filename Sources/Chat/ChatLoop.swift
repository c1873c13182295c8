// The conversation behind `tokenwise chat`: each line the user types is a message (or a
// command: /reset, /temperature X, /tokens, /quit, /help), each reply streams back as it is
// sampled. It reads raw bytes, so a line that is not UTF-8 is refused with a message instead
// of being repaired; everything it writes from the model passes the terminal sanitiser.

import Autograd
import Foundation
import Transformer

public final class ChatLoop {
    public let assistant: Assistant
    public let system: String?
    public private(set) var messages: [Message] = []
    public private(set) var settings: SamplingSettings
    public private(set) var lastReply: Reply?
    public let maxTokens: Int
    /// Asked before each reply: a refusal to give instead of sampling, and why (lesson 9's
    /// surprise gate); nil lets the model answer.
    public var gate: ((String) -> (reply: String, why: String)?)?
    private var generator: SeededGenerator

    public static let help =
        "commands: /reset (forget the conversation), /temperature X (0 = greedy), /tokens (the last reply as tokens), /quit"

    /// The smallest temperature above 0: logits divided by less overflow a Float (1e-40 once
    /// printed 64 NUL characters); anything that small is greedy anyway, so 0 says it.
    public static let smallestTemperature: Float = 1e-6

    /// What is wrong with `value` as a temperature, or nil when it is 0 or a usable number.
    public static func temperatureProblem(_ value: Float) -> String? {
        if !value.isFinite || value < 0 { return "must be a number 0 or more, got \(value)" }
        if value > 0 && value < smallestTemperature {
            return "\(value) is too small to divide by (below \(smallestTemperature)); use 0 for greedy"
        }
        return nil
    }

    public init(
        assistant: Assistant, system: String?, temperature: Float, seed: UInt64, maxTokens: Int = 64
    ) {
        self.assistant = assistant
        self.system = system
        settings = SamplingSettings(temperature: temperature)
        generator = SeededGenerator(seed: seed)
        self.maxTokens = maxTokens
        reset()
    }

    func reset() { messages = system.map { [Message(.system, $0)] } ?? [] }

    /// Lines refused so far (not UTF-8, too long for the context, …): a piped chat exits
    /// non-zero when there were any, so a script notices.
    public private(set) var refusals = 0

    /// Handles one line (without its newline); `write` gets the output as it is produced,
    /// `problem` (else `write`) why a line was refused. Returns false when the user asked to quit.
    @discardableResult
    public func handle(
        _ line: [UInt8], isCancelled: () -> Bool = { false }, write: (String) -> Void,
        problem: ((String) -> Void)? = nil
    ) -> Bool {
        func refuse(_ text: String) {
            refusals += 1
            if let problem { problem(text) } else { write(text) }
        }
        do { try PromptText.checkSize(line.count, source: "that line") } catch {
            refuse("(\(error); nothing was sent)\n")
            return true
        }
        guard let text = String(validating: line, as: UTF8.self) else {
            refuse("(that line is not valid UTF-8 text; nothing was sent)\n")
            return true
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return true }
        if trimmed.hasPrefix("/") { return command(trimmed, write: write) }
        messages.append(Message(.user, trimmed))
        if let refusal = gate?(trimmed) {
            write(
                TerminalText.sanitize(refusal.reply)
                    + "\n  [\(TerminalText.sanitize(refusal.why, keepingNewlines: false))]\n")
            messages.append(Message(.assistant, refusal.reply))
            lastReply = nil
            return true
        }
        do {
            let reply = try assistant.reply(
                to: messages, settings: settings, maxTokens: maxTokens, using: &generator,
                isCancelled: isCancelled, onCall: { write(Self.describe($0)) }
            ) {
                write(TerminalText.sanitize($0))
            }
            write("\n")
            lastReply = reply
            if reply.droppedMessages > 0 {
                write(
                    "(the conversation is longer than the model's context: the oldest \(reply.droppedMessages) message\(reply.droppedMessages == 1 ? "" : "s") left out\(system == nil ? "" : ", the system message kept"))\n"
                )
                let system = messages.prefix { $0.role == .system }
                messages = Array(system) + messages.dropFirst(system.count + reply.droppedMessages)
            }
            switch reply.ending {
            case .endOfTurn: break
            case .limit: write("(stopped at \(maxTokens) tokens without an end of turn)\n")
            case .otherSpecialToken:
                let name =
                    assistant.languageModel.tokenizer.specialName(of: reply.tokens.last!) ?? "?"
                write("(stopped: the model wrote \(name) instead of ending its turn)\n")
            case .interrupted: write("(interrupted)\n")
            }
            messages.append(reply.message)
        } catch {
            messages.removeLast()
            refuse("(\(error))\n")
        }
        return true
    }

    /// A call as the chat shows it: what the model wrote, then what the tool gave it (a
    /// calculation inline, where it stands in the reply's text).
    static func describe(_ call: ToolTrace) -> String {
        let input = TerminalText.sanitize(call.input, keepingNewlines: false)
        let result = TerminalText.sanitize(call.result, keepingNewlines: false)
        switch (call.tool, call.outcome) {
        case (_, .unclosed): return ""
        case (.calculator, _): return "[calculator: \(input) = \(result)]"
        case (.search, _):
            return "\n  [search: \(input)]\n  [result from the search tool: \(result)]\n"
        }
    }

    private func command(_ line: String, write: (String) -> Void) -> Bool {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        switch parts[0] {
        case "/quit", "/exit": return false
        case "/reset":
            reset()
            write("(conversation forgotten\(system == nil ? "" : "; the system message stays"))\n")
        case "/temperature":
            guard parts.count == 2, let value = Float(parts[1]) else {
                write(
                    "(usage: /temperature X, with X a number 0 or more; now \(settings.temperature))\n"
                )
                return true
            }
            if let problem = Self.temperatureProblem(value) {
                write("(/temperature \(problem); still \(settings.temperature))\n")
                return true
            }
            settings.temperature = value
            write("(temperature \(value)\(value == 0 ? ": greedy" : ""))\n")
        case "/tokens":
            guard let reply = lastReply else {
                write(
                    "(no reply from the model to show: none yet, or the surprise gate gave the last one)\n"
                ); return true
            }
            let labels = reply.tokens.map {
                "[\(TerminalText.sanitize(assistant.languageModel.label(of: $0), keepingNewlines: false))]"
            }
            write(
                labels.joined() + "\n" + reply.tokens.map(String.init).joined(separator: " ") + "\n"
            )
        default:
            write(
                "(\(TerminalText.sanitize(String(parts[0]), keepingNewlines: false)): unknown; \(Self.help))\n"
            )
        }
        return true
    }
}
