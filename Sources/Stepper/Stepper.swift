// The stepper's state: a context, the model's distribution for the next token, the sampling
// settings, and every branch explored so far. One `Action` at a time changes it (sample,
// choose a candidate, go back, change a setting); the terminal screen, the transcript and the
// HTML page all read this one type, and every change is kept as a `StepRecording.Frame`.

import Autograd
import BytePairEncoding
import Foundation
import Transformer
import Chat

public enum StepperError: Error, CustomStringConvertible, Equatable {
    case emptyPrompt(model: String)
    case unknownToken(Int)
    case nonFiniteOutput(model: String, tokens: Int)

    public var description: String {
        switch self {
        case .nonFiniteOutput(let model, let tokens):
            return
                "\(model) gives NaN or infinite logits after \(tokens) tokens of context: its weights overflow, so no probability it shows would mean anything"
        case .emptyPrompt(let model):
            return
                "the prompt is empty and \(model)'s tokenizer has no \(LanguageModel.documentSeparator) to start from: give a prompt"
        case .unknownToken(let token): return "token \(token) is outside the model's vocabulary"
        }
    }
}

/// What a learner can do at each step.
public enum Action: Equatable, Sendable {
    case sample, greedy, choose(rank: Int), back
    case colder, warmer, fewerCandidates, moreCandidates, smallerNucleus, largerNucleus
    case toggleAttention, toggleHelp, quit
    case unknown(String)
}

/// One of the likeliest next tokens.
public struct Candidate: Equatable, Sendable {
    public let rank: Int   // 1 = likeliest
    public let token: Int
    public let label: String
    /// The model's probability (softmax of the logits, temperature 1).
    public let probability: Float
    /// The probability of drawing it under the current temperature, top-k and top-p (0: never).
    public let samplingProbability: Float
}

public final class Stepper {
    public let languageModel: LanguageModel
    public let seed: UInt64
    public private(set) var settings: SamplingSettings
    /// The newest step: the context's last token and the distribution for the next one.
    public private(set) var step: Step
    /// Every context reached so far, as a tree; `node` is the current one.
    public private(set) var tree: BranchTree
    public private(set) var node: Int
    /// What the last action did, for the screen's status line.
    public private(set) var message: String
    public private(set) var showsAttention = false
    public private(set) var showsHelp = false
    public private(set) var hasQuit = false
    public private(set) var recording: StepRecording

    /// The tools (chat models only): when the model closes a call, the stepper runs its tool
    /// and reads the result into the context as the runtime would in a reply.
    public var tools: [Tool: (String) -> String?] = [:]

    private let session: InferenceSession
    private let chat: ChatTokens?
    private var generator: SeededGenerator
    private var stepsByNode: [Int: Step] = [:]

    /// How many candidates the screen lists (keys 1–9 choose them).
    public static let listedCandidates = 9

    /// Reads `prompt`; an empty prompt starts from the document separator where there is one.
    public convenience init(
        model: LanguageModel, prompt: String, settings: SamplingSettings, seed: UInt64
    ) throws {
        try self.init(
            model: model, tokens: model.tokenizer.encode(prompt, allowedSpecial: .all),
            settings: settings, seed: seed)
    }

    /// Reads `tokens` (a chat prompt, say); none starts from the document separator.
    public init(
        model: LanguageModel, tokens prompt: [Int], settings: SamplingSettings, seed: UInt64
    ) throws {
        var tokens = prompt
        if tokens.isEmpty {
            guard let start = model.startToken else {
                throw StepperError.emptyPrompt(model: model.name)
            }
            tokens = [start]
        }
        for token in tokens where token >= model.model.config.vocabularySize {
            throw StepperError.unknownToken(token)
        }
        languageModel = model
        self.seed = seed
        self.settings = settings
        generator = SeededGenerator(seed: seed)
        session = InferenceSession(model: model.model)
        chat = model.chatFormat == nil ? nil : try model.chatTokens()
        // Only the last window's worth can be in the context: read just those (one pass, not
        // one cache rebuild per dropped token).
        step = session.feedAll(tokens.suffix(model.model.config.contextLength).map(Int32.init))!
        tree = BranchTree(prompt: tokens)
        node = 0
        guard step.logits.allSatisfy(\.isFinite) else {
            throw StepperError.nonFiniteOutput(model: model.name, tokens: session.tokens.count)
        }
        let window = session.tokens.count
        message =
            tokens.count > window
            ? "the prompt has \(tokens.count) tokens but the context holds \(window): the \(tokens.count - window) oldest were dropped"
            : "read the prompt: \(tokens.count) token\(tokens.count == 1 ? "" : "s")"
        recording = StepRecording(
            model: model.name, parameterCount: model.model.config.parameterCount,
            contextLength: model.model.config.contextLength, seed: seed,
            prompt: tokens.map { model.label(of: $0) }, nodes: [tree.nodes[0]], frames: [])
        recording.turnMarkers = model.chatFormat.map { format in
            Dictionary(
                uniqueKeysWithValues: Role.allCases.map { (format.roleToken($0), $0.rawValue) }
                    + [(format.end, "end")])
        }
        stepsByNode[0] = step
        record(action: "prompt")
    }

    /// The whole context, prompt first, including tokens dropped from the model's window.
    public var contextTokens: [Int] { tree.tokens(upTo: node) }

    /// Positions in `contextTokens` that the search tool injected (not the model's).
    public var injectedPositions: Set<Int> {
        let path = tree.path(to: node)
        return Set(
            path.indices.dropFirst().filter { tree.nodes[path[$0]].how == Self.toolAction }.map {
                tree.prompt.count + $0 - 1
            })
    }

    /// The action (and tree `how`) of a result block the search tool injected.
    public static let toolAction = "tool"

    /// Set when the current step's logits are not all finite numbers (checked at the start and
    /// by the loops after every action: they stop there rather than show NaN probabilities).
    public var outputProblem: StepperError? {
        step.logits.allSatisfy(\.isFinite)
            ? nil : .nonFiniteOutput(model: languageModel.name, tokens: session.tokens.count)
    }

    /// How many of the oldest context tokens lie outside the model's window.
    public var droppedTokens: Int { contextTokens.count - session.tokens.count }

    /// Prompt tokens the model never read: those before the first window (a 10 MB prompt's
    /// all but the last few hundred), which the transcript does not echo.
    public var unreadPromptTokens: Int {
        max(0, tree.prompt.count - languageModel.model.config.contextLength)
    }

    /// The likeliest next tokens, ranked by the model.
    public func candidates(_ count: Int = Stepper.listedCandidates) -> [Candidate] {
        let d = distributions
        return d.ranking.prefix(count).enumerated().map { index, token in
            Candidate(
                rank: index + 1, token: token, label: languageModel.label(of: token),
                probability: d.model[token], samplingProbability: d.sampling[token])
        }
    }

    /// The ranking, the model's distribution and the sampling distribution of the current step
    /// under the current settings, computed once (a 50,257-token sort is not free).
    private var distributions: Distributions {
        if let cached = cachedDistributions, cached.node == node, cached.settings == settings {
            return cached
        }
        let ranking = Sampling.ranking(step.logits)
        let computed = Distributions(
            node: node, settings: settings, ranking: ranking, model: step.probabilities,
            sampling: Sampling.distribution(
                logits: step.logits, settings: settings, ranking: ranking))
        cachedDistributions = computed
        return computed
    }

    private struct Distributions {
        let node: Int, settings: SamplingSettings
        let ranking: [Int], model: [Float], sampling: [Float]
    }
    private var cachedDistributions: Distributions?

    public func perform(_ action: Action) {
        switch action {
        case .sample:
            // As Sampling.sample: greedy at temperature 0, else a draw from the distribution.
            let d = distributions
            let token =
                settings.temperature <= 0
                ? d.ranking[0] : Sampling.draw(from: d.sampling, using: &generator)
            take(token, how: "sampled")
        case .greedy:
            take(distributions.ranking[0], how: "greedy")
        case .choose(let rank):
            let listed = candidates()
            guard rank >= 1 && rank <= listed.count else {
                message = "there is no candidate \(rank)"; return
            }
            take(listed[rank - 1].token, how: "chosen")
        case .back: goBack()
        case .colder:
            change(temperature: SettingLadder.temperature.lower(than: settings.temperature)!)
        case .warmer:
            change(temperature: SettingLadder.temperature.higher(than: settings.temperature)!)
        case .fewerCandidates: change(topK: SettingLadder.topK.lower(than: settings.topK))
        case .moreCandidates: change(topK: SettingLadder.topK.higher(than: settings.topK))
        case .smallerNucleus: change(topP: SettingLadder.topP.lower(than: settings.topP))
        case .largerNucleus: change(topP: SettingLadder.topP.higher(than: settings.topP))
        case .toggleAttention:
            showsAttention.toggle()
            message =
                showsAttention
                ? "attention of the newest position, every layer and head" : "attention hidden"
        case .toggleHelp:
            showsHelp.toggle(); message = showsHelp ? "help (press ? again to close)" : ""
        case .quit: hasQuit = true; message = "bye"
        case .unknown(let key): message = "unknown key \(key): press ? for help"
        }
    }

    /// Reads `token` as the next one of the context.
    func take(_ token: Int, how: String) {
        let d = distributions
        let probability = d.model[token], sampling = d.sampling[token]
        let rank = d.ranking.firstIndex(of: token)! + 1
        let droppedBefore = droppedTokens
        node = tree.child(
            of: node, token: token, label: languageModel.label(of: token), probability: probability,
            how: how)
        step = session.feed(Int32(token))
        stepsByNode[node] = step
        var text =
            "\(how) \(Self.quoted(languageModel.label(of: token))) (p \(Self.percent(probability)), rank \(rank))"
        if how == "chosen" && sampling == 0 {
            text += " — sampling would never pick it under these settings"
        }
        if droppedTokens > droppedBefore {
            text += " · context full (\(session.tokens.count) tokens): the oldest dropped"
        }
        message = text
        record(action: how)
        if let chat, let call = chat.closedCall(in: contextTokens), let run = tools[call.tool] {
            runTool(call.tool, input: call.input, run: run, chat: chat)
        }
    }

    /// The model closed a call: the tool runs, and its result block is read into the context
    /// as tokens of the tool's own (a frame each), cut as in a reply to leave
    /// `Assistant.answerRoom` tokens for the answer.
    private func runTool(
        _ tool: Tool, input tokens: [Int], run: ((String) -> String?)?, chat: ChatTokens
    ) {
        let query = chat.inputText(tokens)
        let room =
            languageModel.model.config.contextLength - session.tokens.count - Assistant.answerRoom
            - 2
        let block = chat.injection(input: query, run: run, room: room)
        for token in block.tokens {
            node = tree.child(
                of: node, token: token, label: languageModel.label(of: token), probability: 1,
                how: Self.toolAction)
        }
        step = session.feed(block.tokens.map(Int32.init))!
        stepsByNode[node] = step
        let what =
            tool == .calculator
            ? "gave \(Self.quoted(block.result))"
            : block.outcome == .found ? "found a passage" : "found nothing"
        message =
            "the \(tool) tool ran \(Self.quoted(query)): \(what); \(block.tokens.count) tokens injected"
            + (block.truncated ? ", cut to fit the context" : "") + " (not the model's)"
        record(action: Self.toolAction)
    }

    /// Forgets the newest token and shows the previous distribution again. A tool's result
    /// goes back whole, with the token that closed its call.
    private func goBack() {
        guard tree.nodes[node].parent != nil else {
            message = "at the prompt: nothing to take back"; return
        }
        var target = tree.nodes[node].parent!, undone = 1
        var label = Self.quoted(tree.nodes[node].label)
        if tree.nodes[node].how == Self.toolAction {
            // Up past the block to the call's closing token, and past that too.
            while tree.nodes[target].how == Self.toolAction {
                target = tree.nodes[target].parent!; undone += 1
            }
            label = "the tool’s result and " + Self.quoted(tree.nodes[target].label)
            target = tree.nodes[target].parent!
            undone += 1
        }
        let previous = stepsByNode[target]!
        if previous.position + undone == session.tokens.count - 1 {
            session.rewind(undone)
        } else {
            // The window moved while these tokens were read: rebuild it as it was.
            let context = tree.tokens(upTo: target)
            session.reset()
            session.feedAll(context.suffix(languageModel.model.config.contextLength).map(Int32.init))
        }
        node = target
        step = previous
        message = "took back \(label); the next token starts a new branch"
        record(action: "back")
    }

    private func change(temperature: Float) {
        settings.temperature = temperature; settingsChanged()
    }
    private func change(topK: Int?) { settings.topK = topK; settingsChanged() }
    private func change(topP: Float?) { settings.topP = topP; settingsChanged() }

    private func settingsChanged() {
        message = "now " + Self.describe(settings)
        record(action: "settings")
    }

    private func record(action: String) {
        let listed = candidates(10)
        recording.nodes = tree.nodes
        recording.frames.append(
            .init(
                node: node, action: action, message: message, settings: settings,
                droppedTokens: droppedTokens,
                candidates: listed.map {
                    .init(
                        label: $0.label, probability: $0.probability,
                        samplingProbability: $0.samplingProbability)
                },
                attention: step.attention.map { $0.map { $0.map { ($0 * 1000).rounded() / 1000 } } }
            ))
    }

    // MARK: words shared by the screen, the transcript and the page

    public static func describe(_ settings: SamplingSettings) -> String {
        let temperature =
            settings.temperature <= 0 ? "0 (greedy)" : String(format: "%.2f", settings.temperature)
        let topK = settings.topK.map(String.init) ?? "off"
        let topP = settings.topP.map { String(format: "%.2f", $0) } ?? "off"
        return "temperature \(temperature) · top-k \(topK) · top-p \(topP)"
    }

    public static func percent(_ p: Float) -> String {
        p >= 0.001 || p == 0 ? String(format: "%.1f%%", p * 100) : String(format: "%.2g%%", p * 100)
    }

    public static func quoted(_ label: String) -> String { "“\(label)”" }
}

/// The values t/T, k/K and p/P step through. For top-k and top-p, nil ("off": every token)
/// sits above the largest value.
struct SettingLadder<Value: Comparable> {
    let values: [Value]
    let allowsOff: Bool

    func lower(than value: Value?) -> Value? {
        guard let value else { return values.last }
        return values.last { $0 < value } ?? values.first
    }

    func higher(than value: Value?) -> Value? {
        guard let value else { return nil }
        return values.first { $0 > value } ?? (allowsOff ? nil : values.last)
    }
}

extension SettingLadder where Value == Float {
    static var temperature: Self {
        .init(values: [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2], allowsOff: false)
    }
    static var topP: Self { .init(values: [0.1, 0.25, 0.5, 0.75, 0.9, 0.95], allowsOff: true) }
}

extension SettingLadder where Value == Int {
    static var topK: Self { .init(values: [1, 2, 3, 5, 10, 20, 50, 100], allowsOff: true) }
}
