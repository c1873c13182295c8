//: # Tokenization: from bytes to tokens
//: A network reads a sequence of symbols from a fixed vocabulary. Text is already a sequence
//: of symbols — its UTF-8 **bytes**, 256 possible values — but byte sequences are long, and the
//: attention of a transformer costs more with every position. **Byte Pair Encoding** (BPE)
//: shortens them: it repeatedly finds the most frequent adjacent pair of symbols in the corpus
//: and mints a new symbol for it, until the vocabulary has the size we asked for.
import Course
import Foundation

let vocabularySize = param("vocab_size", 2048, "tokens in the vocabulary after BPE", quick: 512, in: 260...16384)
let corpusPath = param("corpus", "", "a text file to use instead of the tiny web (paragraphs = documents)")
let documents = try CourseData.documents(corpusPath: corpusPath)
let (trainDocuments, heldOut) = Pretraining.split(documents)
let heldOutText = heldOut.map(\.text).joined(separator: "\n")

//: ## Text is bytes
let sentence = trainDocuments.first { $0.genre == .biography }.map { String($0.text.split(separator: "\n")[1]) } ?? String(trainDocuments[0].text.prefix(60))
print(sentence)
print(Array(sentence.utf8).prefix(24).map(String.init).joined(separator: " ") + " …")
print("\(sentence.utf8.count) bytes for \(sentence.count) characters")

//: ## Learning the merges
//: The tokenizer is a stage: trained once on the corpus and kept. (It splits text into chunks
//: with GPT-4's pattern first, so merges never cross from a word into the space after it.)
let tokenizer = try CourseData.tokenizer(documents: documents, vocabularySize: vocabularySize)
print("vocabulary: \(tokenizer.vocabularySize) tokens = 256 bytes + \(tokenizer.merges.count) merges + \(tokenizer.specialTokens.count) special")
show(Table(title: "The first merges", columns: ["rank", "left", "right", "new token"],
           rows: tokenizer.mergeHistory(first: 12).enumerated().map { ["\($0.offset + 1)", "“\($0.element.left)”", "“\($0.element.right)”", "“\($0.element.token)”"] }))

//: The merges build on each other: a token made early becomes a part of later ones.
let history = tokenizer.mergeHistory(first: 24)
var nodes: [String: GraphDiagram.Node] = [:]
var edges: [GraphDiagram.Edge] = []
for entry in history {
    for part in [(entry.merge.left, entry.left), (entry.merge.right, entry.right), (entry.merge.token, entry.token)] {
        nodes["\(part.0)"] = .init(id: "\(part.0)", label: "“\(part.1)”", highlighted: part.0 >= 256)
    }
    edges.append(.init(from: "\(entry.merge.left)", to: "\(entry.merge.token)"))
    if entry.merge.right != entry.merge.left { edges.append(.init(from: "\(entry.merge.right)", to: "\(entry.merge.token)")) }
}
show(.graph(GraphDiagram(title: "The first 24 merges (bytes at the bottom)", nodes: nodes.values.sorted { Int($0.id)! < Int($1.id)! }, edges: edges, layout: .layers)))

//: ## A text as tokens
let sampleText = String(heldOutText.prefix(160))
let pieces = tokenizer.pieces(of: sampleText)
show(.tokenStrip(TokenStrip(title: "Held-out text as tokens (\(pieces.count) tokens for \(sampleText.utf8.count) bytes)",
                            tokens: pieces.map { .init(text: $0.label, id: $0.token) })))

//: ## How much shorter?
//: A passage of our own held-out text (not seen when learning the merges) measured three ways.
var passage = ""
for character in heldOutText where passage.utf8.count + String(character).utf8.count <= 5000 { passage.append(character) }
let passageTokens = tokenizer.encode(passage).count
show(Table(title: "One passage, three lengths", columns: ["as", "length"],
           rows: [["bits", "\(passage.utf8.count * 8)"], ["bytes (UTF-8)", "\(passage.utf8.count)"], ["tokens (BPE, \(tokenizer.vocabularySize))", "\(passageTokens)"]]))
let compression = Double(passage.utf8.count) / Double(passageTokens)
metric("bytes per token on held-out text", compression)
expect("BPE shortens held-out text (bytes per token)", compression, above: 1.5)

//: A bigger vocabulary compresses more, with diminishing returns — and every extra token is
//: one more row in the embedding table and one more output of the network.
let sizes = (isQuick ? [260, 320, 384, 512] : [260, 384, 512, 1024, 2048, 4096])
let measured = try sizes.map { size -> Double in
    let t = size == tokenizer.vocabularySize ? tokenizer : try BPETrainer.train(text: trainDocuments.map(\.text).joined(separator: "\n"), vocabularySize: size, specialTokens: [LanguageModel.documentSeparator])
    return t.bytesPerToken(heldOutText)
}
show(.line(LineChart(title: "Compression against vocabulary size", xLabel: "vocabulary size", yLabel: "bytes per token (held-out)",
                     series: [.init(name: "BPE", x: sizes.map(Double.init), y: measured)], xScale: .log)))
show(Table(title: "Bytes per token", columns: ["vocabulary", "bytes/token"], rows: zip(sizes, measured).map { ["\($0)", String(format: "%.2f", $1)] }))
expect("a larger vocabulary compresses more (bytes/token, largest vs smallest)", measured.last!, above: measured.first!)
