//: # Tokens: from bytes to a vocabulary
//: A language model never sees letters. It sees a sequence of symbols drawn from a fixed
//: vocabulary. We start from the 256 possible **bytes** and let *Byte Pair Encoding* mint new
//: symbols: repeatedly find the most common adjacent pair and give it a token of its own.
import Course

let text = """
The river ran past the mill and the miller sang to the river. The river did not answer, \
but the wheel turned, and the wheel turned again. A river that turns a wheel is a river \
that works; a miller who sings to it is a miller who listens. In the evening the miller \
counted the sacks, and the river counted nothing at all.
"""
let vocabularySize = param("vocab_size", 320, "tokens in the vocabulary: 256 bytes plus the merges", quick: 300, in: 257...2000)
print("The text has \(text.utf8.count) bytes, \(text.count) characters.")

//: ## Training the merges
//: Each merge joins the two tokens that stand next to each other most often. The first merges
//: are usually a space and a letter, or two frequent letters.
let tokenizer = try BPETrainer.train(text: String(repeating: text + "\n", count: 20), vocabularySize: vocabularySize)
let history = tokenizer.mergeHistory(first: 12)
func visible(_ label: String) -> String { label.replacingOccurrences(of: " ", with: "·") }
show(Table(title: "The first merges", columns: ["rank", "left", "right", "new token"],
           rows: history.enumerated().map { rank, merge in [String(rank)] + [merge.left, merge.right, merge.token].map(visible) }))
let nodes = Set(history.flatMap { [$0.merge.left, $0.merge.right, $0.merge.token] }).sorted()
show(.graph(GraphDiagram(title: "How the first merges build on each other",
                         nodes: nodes.map { .init(id: String($0), label: tokenizer.label(of: $0)) },
                         edges: history.flatMap { [GraphDiagram.Edge(from: String($0.merge.left), to: String($0.merge.token)),
                                                   GraphDiagram.Edge(from: String($0.merge.right), to: String($0.merge.token))] },
                         layout: .layers)))

//: ## A sentence as tokens
//: Here is one sentence cut into its tokens. Spaces are shown as `·`; each token's id sits under it.
let sentence = "The miller sang to the river."
let pieces = tokenizer.pieces(of: sentence)
show(.tokenStrip(TokenStrip(title: "“\(sentence)” in \(pieces.count) tokens",
                            tokens: pieces.map { .init(text: String(decoding: try! tokenizer.bytes(of: $0.token), as: UTF8.self), id: $0.token) })))
let compression = tokenizer.bytesPerToken(text)
metric("bytes per token", compression)
expect("BPE compresses the text: more than one byte per token", compression, above: 1, "bytes alone")
