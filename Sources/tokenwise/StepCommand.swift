// `tokenwise step`: inference one token at a time, interactive in a terminal, a transcript
// otherwise, and a self-contained page of the whole session with --html.

import ArgumentParser
import Foundation
import Report
import Stepper
import Transformer
import Chat

struct StepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "step",
        abstract: "Step through inference one token at a time.",
        discussion: """
            In a terminal: Enter samples the next token, 1-9 takes a candidate, g greedy, b goes back \
            (a new branch), t/T temperature, k/K top-k, p/P top-p, a attention, ? help, q quit. \
            Without a terminal, or with --steps, it prints a transcript of every step (the same for \
            the same seed). --model is a course stage (base, …) or a model directory: ours, or GPT-2 \
            124M's Hugging Face files (config.json, model.safetensors, vocab.json, merges.txt).

            Examples:
              tokenwise step "The capital of"
              tokenwise step "Once" --steps 40 --temperature 0.8 --top-k 20 --seed 3
              tokenwise step "Hello" --model ~/gpt2 --html hello.html
              tokenwise step --chat "Where was Ada Quill born?" --model sft --temperature 0
              tokenwise step --chat "Who is Orson Kovacs?" --model sft-search --steps 40 --html search.html
            """)

    @Argument(help: "The prompt (empty: start a document).")
    var prompt = ""

    @Option(help: "Read the prompt from this file instead.")
    var promptFile: String?

    @Option(help: "A course stage (base, …) or a model directory.")
    var model = "base"

    @Option(help: "Sampling temperature (0 = greedy).")
    var temperature: Float = 1

    @Option(help: "Keep only the k likeliest tokens (0 = all).")
    var topK = 0

    @Option(
        help: "Keep the smallest set of likeliest tokens whose probability reaches p (1 = all).")
    var topP: Float = 1

    @Option(help: "Seed of the sampler.")
    var seed: UInt64 = 0

    @Flag(
        help:
            "Wrap the prompt as a user message in the model's chat format and step through the assistant's reply."
    )
    var chat = false

    @Option(help: "With --chat: a system message before the user's.")
    var system: String?

    @Flag(
        inversion: .prefixedNo,
        help:
            "With --chat: run the search tool when the model calls it (lesson 10's sft-search does), its result injected as tokens of its own."
    )
    var search = true

    @Flag(
        inversion: .prefixedNo,
        help:
            "With --chat: run the calculator when the model calls it (lesson 11's worked-calculator does), its result injected as tokens of its own."
    )
    var calculator = true

    @Option(help: "Sample this many tokens and print a transcript (no interaction).")
    var steps: Int?

    @Option(help: "Write the whole session as a self-contained page (a new file, unless --force).")
    var html: String?

    @Flag(help: "With --html: replace the file if it exists.")
    var force = false

    @Option(help: "Where runs, artifacts and published models are kept.")
    var workspace = ".tokenwise"

    func validate() throws {
        if let problem = ChatLoop.temperatureProblem(temperature) {
            throw ValidationError("--temperature \(problem)")
        }
        guard topK >= 0 else {
            throw ValidationError("--top-k must be 0 (all) or more, got \(topK)")
        }
        guard topP > 0 && topP <= 1 else {
            throw ValidationError("--top-p must be in (0, 1], got \(topP)")
        }
        if let steps, steps < 0 { throw ValidationError("--steps must be 0 or more, got \(steps)") }
        if system != nil && !chat { throw ValidationError("--system needs --chat") }
        if force && html == nil { throw ValidationError("--force needs --html") }
        if let system { try PromptText.checkSize(system.utf8.count, source: "--system") }
        try PromptText.checkSize(prompt.utf8.count, source: "the prompt argument")
        if let problem = CommandInputs.workspaceProblem(workspace) { throw ValidationError(problem) }
    }

    func run() throws {
        let text = try promptText()
        if let html { try CommandInputs.checkPage(html, force: force) }
        let catalog = ModelCatalog(
            directory: URL(fileURLWithPath: workspace).appendingPathComponent("models"))
        let languageModel = try CommandInputs.loadModel(model, from: catalog)
        let settings = SamplingSettings(
            temperature: temperature, topK: topK == 0 ? nil : topK, topP: topP >= 1 ? nil : topP)
        let stepper: Stepper
        do {
            if chat {
                let messages =
                    (system.map { [Message(.system, $0)] } ?? []) + [Message(.user, text)]
                // The turn must fit whole, with room to reply, as chat requires: a window cut
                // from the front lost the turn's own tokens (a 66 KB message, a note only).
                let assistant = try Assistant(languageModel)
                let tokens = try assistant.prompt(
                    for: messages, room: assistant.replyRoom(steps ?? 20)
                ).tokens
                stepper = try Stepper(
                    model: languageModel, tokens: tokens, settings: settings, seed: seed)
                if search { stepper.tools[.search] = TinyWebSearchTool.make(workspace: workspace) }
                if calculator { stepper.tools[.calculator] = Calculator.tool }
            } else {
                stepper = try Stepper(
                    model: languageModel, prompt: text, settings: settings, seed: seed)
            }
        } catch {
            throw CommandError("\(error)")
        }
        if steps == nil && RawTerminal.isInteractive {
            let terminal = RawTerminal()
            terminal.enter(restoringOnSignals: true)
            StepperLoop.run(
                stepper,
                screen: {
                    let size = terminal.size
                    return StepperScreen(
                        width: size.width, height: size.height,
                        color: ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
                }, readKeys: terminal.readKeys, draw: terminal.draw)
            terminal.leave()
            print(Transcript.text(of: stepper))
        } else {
            Transcript.run(stepper, steps: steps ?? 20).forEach { print($0) }
        }
        if let problem = stepper.outputProblem { throw CommandError("\(problem)") }
        if let html {
            try CommandInputs.writePage(
                Data(StepThroughPage.html(stepper.recording).utf8), to: html, force: force)
            print("page: \(URL(fileURLWithPath: html).path)")
        }
    }

    /// The prompt's text; bytes that are not UTF-8 are an error, not a replacement character.
    func promptText() throws -> String {
        if let promptFile {
            // Read no more than the limit and a byte: /dev/zero or a 100 MB file is refused
            // without reading it all (a pipe, as in <(echo hi), is fine).
            let kind = FileKind.describe(promptFile)
            guard kind != "a folder", let handle = FileHandle(forReadingAtPath: promptFile),
                let data = try? handle.read(upToCount: PromptText.byteLimit + 1)
            else {
                throw CommandError(
                    "--prompt-file \(promptFile): cannot be read\(kind.map { " (it is \($0))" } ?? " (no such file)")")
            }
            do {
                return try PromptText.decode(Array(data), source: "--prompt-file \(promptFile)")
            } catch { throw CommandError("\(error)") }
        }
        // The argument parser has already repaired bad bytes: check the raw argument.
        let raw = (0..<Int(CommandLine.argc)).compactMap {
            CommandLine.unsafeArgv[$0].map {
                Array(
                    UnsafeBufferPointer(
                        start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self),
                        count: strlen($0)))
            }
        }
        for bytes in raw where String(decoding: bytes, as: UTF8.self) == prompt && !bytes.isEmpty {
            do { _ = try PromptText.decode(bytes) } catch { throw CommandError("\(error)") }
        }
        return prompt
    }
}
