// A stepper session as data: every frame (after each action) with its distribution and
// attention, and the tree of branches. The HTML page replays it without the model.

import Transformer
import Chat

public struct StepRecording: Codable, Equatable, Sendable {
    public struct CandidateRecord: Codable, Equatable, Sendable {
        public let label: String
        public let probability: Float
        public let samplingProbability: Float
    }

    public struct Frame: Codable, Equatable, Sendable {
        /// The tree node (context) this frame shows.
        public let node: Int
        /// prompt, sampled, greedy, chosen, back or settings.
        public let action: String
        public let message: String
        public let settings: SamplingSettings
        /// How many of the oldest context tokens are outside the model's window.
        public let droppedTokens: Int
        /// The likeliest next tokens, best first.
        public let candidates: [CandidateRecord]
        /// attention[layer][head][j] of the newest position over the window (3 decimals).
        public let attention: [[[Float]]]
    }

    public let model: String
    public let parameterCount: Int
    public let contextLength: Int
    public let seed: UInt64
    /// The prompt's token labels.
    public let prompt: [String]
    /// For a chat-format model, the labels of its turn tokens and what each marks (system, user,
    /// assistant, end), so the page can show a conversation's turns; nil for other models.
    public var turnMarkers: [String: String]? = nil
    public internal(set) var nodes: [BranchTree.Node]
    public internal(set) var frames: [Frame]
}
