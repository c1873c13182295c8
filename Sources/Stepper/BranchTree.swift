// Every context the stepper has reached, as a tree: the prompt is the root, each token read
// is a node under the context it followed. Going back moves to the parent; taking another
// token there starts a sibling branch, so nothing explored is lost.

import Chat

public struct BranchTree: Sendable {
    public struct Node: Codable, Equatable, Sendable {
        public let id: Int
        public let parent: Int?
        /// The token read to reach this context (the root: the last prompt token).
        public let token: Int
        public let label: String
        /// The model's probability of this token in its parent's context (root: 1).
        public let probability: Float
        /// How it was taken: prompt, sampled, greedy, chosen.
        public let how: String
    }

    public private(set) var nodes: [Node]
    public let prompt: [Int]

    public init(prompt: [Int]) {
        self.prompt = prompt
        nodes = [
            Node(
                id: 0, parent: nil, token: prompt.last ?? 0, label: "prompt", probability: 1,
                how: "prompt")
        ]
    }

    /// The child of `parent` reached by `token`, made if new.
    mutating func child(
        of parent: Int, token: Int, label: String, probability: Float, how: String
    ) -> Int {
        if let existing = nodes.first(where: { $0.parent == parent && $0.token == token }) {
            return existing.id
        }
        nodes.append(
            Node(
                id: nodes.count, parent: parent, token: token, label: label,
                probability: probability, how: how))
        return nodes.count - 1
    }

    /// Node ids from the root down to `node`.
    public func path(to node: Int) -> [Int] {
        var path = [node]
        while let parent = nodes[path[0]].parent { path.insert(parent, at: 0) }
        return path
    }

    /// The full context at `node`: the prompt and every token read on the way.
    public func tokens(upTo node: Int) -> [Int] {
        prompt + path(to: node).dropFirst().map { nodes[$0].token }
    }

    public func children(of node: Int) -> [Node] { nodes.filter { $0.parent == node } }
}
