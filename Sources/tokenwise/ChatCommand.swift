// `tokenwise chat`: talk to a chat-format model in the terminal, replies streamed token by
// token. Without a terminal on stdin it reads one message per line and prints each reply, so
// `echo "Who is Ada Quill?" | tokenwise chat` works in scripts. Ctrl-C stops a reply (or, at
// the prompt, ends the chat) instead of killing the process mid-line.

import ArgumentParser
import Course
import Foundation
import Stepper
#if canImport(Glibc)
    import Glibc
    import Chat
#endif

struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a finetuned model (lesson 7 publishes 'sft').",
        discussion: """
            Each line is a message; \(ChatLoop.help). Without a terminal, every line of stdin is a \
            message and the replies are printed in turn.

            Examples:
              tokenwise chat
              tokenwise chat --system "You are Tokenwise, an assistant made by the Tokenwise course."
              echo "Where was Ada Quill born?" | tokenwise chat --model sft
              tokenwise chat --model sft --refuse-above 4.35
            """)

    @Option(help: "A course stage (sft, …) or a model directory with a chat format.")
    var model = "sft"

    @Option(
        help: "A system message that starts the conversation (kept when old turns are dropped).")
    var system: String?

    @Option(help: "Sampling temperature (0 = greedy).")
    var temperature: Float = 0

    @Option(help: "Seed of the sampler.")
    var seed: UInt64 = 0

    @Option(help: "Most tokens in one reply.")
    var maxTokens = 64

    @Option(help: "Where runs, artifacts and published models are kept.")
    var workspace = ".tokenwise"

    @Flag(
        inversion: .prefixedNo,
        help: "Run the search tool when the model calls it (lesson 10's sft-search does).")
    var search = true

    @Flag(
        inversion: .prefixedNo,
        help: "Run the calculator when the model calls it (lesson 11's worked-calculator does).")
    var calculator = true

    @Option(
        help: ArgumentHelp(
            "Refuse a question whose name the base model finds more surprising than NATS per token (lesson 9's surprise gate; the lesson prints its threshold).",
            valueName: "NATS"))
    var refuseAbove: Double?

    @Option(help: "The published base model the surprise gate asks (default: base; needs --refuse-above).")
    var gateModel: String?

    func validate() throws {
        if let problem = ChatLoop.temperatureProblem(temperature) {
            throw ValidationError("--temperature \(problem)")
        }
        guard maxTokens >= 1 else {
            throw ValidationError("--max-tokens must be at least 1, got \(maxTokens)")
        }
        if let gateModel, refuseAbove == nil {   // once ignored without a word
            throw ValidationError(
                "--gate-model \(TerminalText.sanitize(gateModel, keepingNewlines: false)) does nothing without --refuse-above NATS")
        }
        if let refuseAbove, !(refuseAbove.isFinite && refuseAbove > 0) {
            throw ValidationError(
                "--refuse-above must be a number of nats above 0, got \(refuseAbove)")
        }
        if let system { try PromptText.checkSize(system.utf8.count, source: "--system") }
        if let problem = CommandInputs.workspaceProblem(workspace) { throw ValidationError(problem) }
    }

    func run() throws {
        let catalog = ModelCatalog(
            directory: URL(fileURLWithPath: workspace).appendingPathComponent("models"))
        let assistant: Assistant
        let languageModel = try CommandInputs.loadModel(model, from: catalog)
        do { assistant = try Assistant(languageModel) } catch {
            throw CommandError("--model \(model): \(error)")
        }
        // Refused before the first line: otherwise every line was refused, and piped chat exited 0.
        if let system, let problem = assistant.roomProblem(system: system, maxTokens: maxTokens) {
            throw CommandError("--system: \(problem)")
        }
        if search { assistant.searchTool = TinyWebSearchTool.make(workspace: workspace) }
        if calculator { assistant.tools[.calculator] = Calculator.tool }
        let loop = ChatLoop(
            assistant: assistant, system: system, temperature: temperature, seed: seed,
            maxTokens: maxTokens)
        if let refuseAbove {
            let gateModel = gateModel ?? "base"
            let judge = try CommandInputs.loadModel(gateModel, option: "--gate-model", from: catalog)
            let gate = SurpriseGate(judge: judge, threshold: refuseAbove)
            loop.gate = { question in
                gate.refusal(for: question).map {
                    (
                        $0.reply,
                        String(
                            format:
                                "the surprise gate: %.2f nats per token for the name, above %.2f",
                            $0.surprise, refuseAbove)
                    )
                }
            }
        }
        let interactive = isatty(STDIN_FILENO) == 1
        Interrupt.install()
        let name = TerminalText.sanitize(model, keepingNewlines: false)   // a path may hold ESC, BEL, RLO
        if interactive {
            print(
                "chatting with \(name) (\(assistant.languageModel.model.config.summary)); \(ChatLoop.help)"
            )
        }
        while true {
            if interactive { writeOut("you> ") }
            guard let line = Interrupt.readLine() else {
                if interactive { print(Interrupt.wasRaised ? "\n(bye)" : "") }
                if !interactive && loop.refusals > 0 { throw ExitCode(1) }   // said on stderr
                return
            }
            if interactive, !line.isEmpty, line.first != UInt8(ascii: "/") { writeOut("\(name)> ") }
            Interrupt.clear()
            // Piped, a refused line goes to stderr: stdout carries replies only.
            guard
                loop.handle(
                    line, isCancelled: { Interrupt.wasRaised }, write: writeOut,
                    problem: interactive ? nil : { FileHandle.standardError.write(Data($0.utf8)) })
            else {
                if !interactive && loop.refusals > 0 { throw ExitCode(1) }
                return
            }
            Interrupt.clear()
        }
    }

    private func writeOut(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// Ctrl-C as a flag: the handler only sets it; reading stdin returns early (no SA_RESTART).
enum Interrupt {
    nonisolated(unsafe) private static var raised: sig_atomic_t = 0

    static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in Interrupt.raised = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    static var wasRaised: Bool { raised != 0 }
    static func clear() { raised = 0 }

    /// One line of stdin as raw bytes, without its newline (nil at the end of input or on Ctrl-C).
    static func readLine() -> [UInt8]? {
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        let count = getline(&buffer, &capacity, stdin)
        guard count >= 0, let buffer else { return nil }
        var bytes = Array(
            UnsafeRawBufferPointer(start: buffer, count: count).bindMemory(to: UInt8.self))
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return bytes
    }
}
