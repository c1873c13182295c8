//: # Tokenization: from bytes to tokens
//: A network reads a sequence of symbols from a fixed vocabulary. Text is already a sequence
//: of symbols — its UTF-8 **bytes**, 256 possible values — but byte sequences are long, and the
//: attention of a transformer costs more with every position. **Byte Pair Encoding** (BPE)
//: shortens them: it repeatedly finds the most frequent adjacent pair of symbols in the corpus
//: and mints a new symbol for it, until the vocabulary has the size we asked for.
import Course
import Foundation

let vocabularySize = param(
    "vocab_size", 2048, "tokens in the vocabulary after BPE", quick: 512, in: 260...16384)
let corpusPath = param(
    "corpus", "", "a text file to use instead of the tiny web (paragraphs = documents)")
let cl100kPath = param(
    "cl100k", "", "GPT-4's cl100k_base.tiktoken (default: the workspace's vendor/ copy)")
let documents = try CourseData.documents(corpusPath: corpusPath)
let (trainDocuments, heldOut) = Pretraining.split(documents)
let heldOutText = heldOut.map(\.text).joined(separator: "\n")

//: ## Text is bytes
let sentence =
    trainDocuments.first { $0.genre == .biography }.map {
        String($0.text.split(separator: "\n")[1])
    } ?? String(trainDocuments[0].text.prefix(60))
print(sentence)
print(Array(sentence.utf8).prefix(24).map(String.init).joined(separator: " ") + " …")
print("\(sentence.utf8.count) bytes for \(sentence.count) characters")

//: ## The merge loop, written out
//: Training BPE is a short loop. Cut the text into chunks with GPT-4's split pattern (so a merge
//: never joins a word to the space or punctuation after it), count every adjacent pair in every
//: chunk, mint a token for the most frequent pair, replace it everywhere, and repeat.
func learnMerges(_ text: String, count: Int) -> [(left: Int, right: Int)] {
    var chunks: [[Int]: Int] = [:]   // each distinct chunk as token ids, with how often it occurs
    for chunk in SplitPattern.gpt4.split(text) { chunks[chunk.utf8.map(Int.init), default: 0] += 1 }
    var merges: [(left: Int, right: Int)] = []
    while merges.count < count {
        var pairs: [[Int]: Int] = [:]
        for (chunk, n) in chunks {
            for (a, b) in zip(chunk, chunk.dropFirst()) { pairs[[a, b], default: 0] += n }
        }
        // The most frequent pair; among equals the smaller (left, right), so the result is fixed.
        guard
            let best = pairs.max(by: { x, y in
                x.value != y.value ? x.value < y.value : (x.key[0], x.key[1]) > (y.key[0], y.key[1])
            })?.key
        else { break }
        let token = 256 + merges.count
        chunks = Dictionary(
            chunks.map { (replace(best, by: token, in: $0.key), $0.value) }, uniquingKeysWith: +)
        merges.append((best[0], best[1]))
    }
    return merges
}

/// `chunk` with every occurrence of `pair` (left to right) replaced by `token`.
func replace(_ pair: [Int], by token: Int, in chunk: [Int]) -> [Int] {
    var out: [Int] = [], i = 0
    while i < chunk.count {
        if i + 1 < chunk.count && chunk[i] == pair[0] && chunk[i + 1] == pair[1] {
            out.append(token); i += 2
        } else {
            out.append(chunk[i]); i += 1
        }
    }
    return out
}

//: Run on a slice of the corpus and compared with the library's trainer (`BPETrainer`), which
//: learns the same merges without recounting: it updates only the pairs a merge touches and keeps
//: the counts in a heap.
var slice = ""
for document in trainDocuments where slice.utf8.count < (isQuick ? 20_000 : 40_000) {
    slice += document.text + "\n"
}
let mergeCount = isQuick ? 60 : 150
var clock = Date()
let ourMerges = learnMerges(slice, count: mergeCount)
let ourSeconds = Date().timeIntervalSince(clock)
clock = Date()
let fast = try BPETrainer.train(text: slice, vocabularySize: 256 + mergeCount)
let fastSeconds = Date().timeIntervalSince(clock)
let equalMerges = zip(ourMerges, fast.merges).prefix { $0.left == $1.left && $0.right == $1.right }
let sameMerges = ourMerges.count == fast.merges.count && equalMerges.count == mergeCount
let speedup = String(format: "%.0f", ourSeconds / max(fastSeconds, 1e-6))
print(
    "\(slice.utf8.count) bytes, \(mergeCount) merges: the loop above "
        + "\(String(format: "%.2f", ourSeconds)) s, "
        + "the library \(String(format: "%.3f", fastSeconds)) s (\(speedup)× faster)")
expect(
    "the lesson's merge loop learns the library's merges, in order", sameMerges,
    measured: "\(equalMerges.count) of \(mergeCount) equal")

//: ## Learning the merges
//: The course's tokenizer is the library's trainer on the whole corpus, kept as a stage.
let tokenizer = try CourseData.tokenizer(documents: documents, vocabularySize: vocabularySize)
print(
    "vocabulary: \(tokenizer.vocabularySize) tokens = 256 bytes + \(tokenizer.merges.count) merges "
        + "+ \(tokenizer.specialTokens.count) special"
)
// Tokens as the pages show them: a space as ·, a newline as ↵.
func shown(_ token: Int) -> String { "“" + LanguageModel.label(of: token, in: tokenizer) + "”" }
show(
    Table(
        title: "The first merges", columns: ["rank", "left", "right", "new token"],
        rows: tokenizer.merges.prefix(12).enumerated().map {
            [
                "\($0.offset + 1)", shown($0.element.left), shown($0.element.right),
                shown($0.element.token),
            ]
        }))

//: The merges build on each other: a token made early becomes a part of later ones.
var nodes: [String: GraphDiagram.Node] = [:]
var edges: [GraphDiagram.Edge] = []
for merge in tokenizer.merges.prefix(12) {
    for token in [merge.left, merge.right, merge.token] {
        nodes["\(token)"] = .init(id: "\(token)", label: shown(token), highlighted: token >= 256)
    }
    edges.append(.init(from: "\(merge.left)", to: "\(merge.token)"))
    if merge.right != merge.left {
        edges.append(.init(from: "\(merge.right)", to: "\(merge.token)"))
    }
}
show(
    .graph(
        GraphDiagram(
            title: "The first 12 merges (bytes at the bottom)",
            nodes: nodes.values.sorted { Int($0.id)! < Int($1.id)! }, edges: edges, layout: .layers)
    ))

//: ## A text as tokens
let sampleText = String(heldOutText.prefix(160))
let pieces = tokenizer.pieces(of: sampleText)
show(
    .tokenStrip(
        TokenStrip(
            title:
                "Held-out text as tokens (\(pieces.count) tokens for \(sampleText.utf8.count) "
                + "bytes)",
            tokens: pieces.map {
                .init(text: LanguageModel.label(of: $0.token, in: tokenizer), id: $0.token)
            })))

//: ## How much shorter?
//: Measured on text the merges were not learned from: a tokenizer trained the same way on the
//: training documents only, then a held-out passage measured three ways.
let trainedWithoutHeldOut = try CourseData.tokenizer(
    documents: trainDocuments, vocabularySize: vocabularySize)
func passage(of text: String) -> String {
    var out = ""
    for character in text where out.utf8.count + String(character).utf8.count <= 5000 {
        out.append(character)
    }
    return out
}
let heldOutPassage = passage(of: heldOutText)
let passageTokens = trainedWithoutHeldOut.encode(heldOutPassage).count
show(
    Table(
        title: "One held-out passage, three lengths", columns: ["as", "length"],
        rows: [
            ["bits", "\(heldOutPassage.utf8.count * 8)"],
            ["bytes (UTF-8)", "\(heldOutPassage.utf8.count)"],
            ["tokens (BPE, \(trainedWithoutHeldOut.vocabularySize))", "\(passageTokens)"],
        ]))
let heldOutCompression = trainedWithoutHeldOut.bytesPerToken(heldOutText)
let trainingCompression = trainedWithoutHeldOut.bytesPerToken(
    trainDocuments.suffix(heldOut.count).map(\.text).joined(separator: "\n"))
metric("bytes per token, held-out text", heldOutCompression)
metric("bytes per token, as much training text", trainingCompression)
//: If the merges had memorised their training text rather than learned the language's common
//: pieces, text they never saw would compress clearly worse.
expect(
    "the merges generalise: held-out text compresses within 5% of training text (bytes/token, "
        + "ratio)",
    heldOutCompression / trainingCompression, above: 0.95)

//: ## GPT-4's tokenizer on the same text
//: GPT-4's tokenizer, cl100k_base, has 100,256 tokens learned from a large share of the real
//: web, with the split pattern we borrowed. Read from its published rank file (`make report`
//: fetches it with `scripts/fetch-cl100k.sh`), it cuts the same held-out text like this:
let cl100kURL =
    cl100kPath.isEmpty
    ? LessonContext.artifactDirectory.deletingLastPathComponent().appendingPathComponent(
        "vendor/cl100k_base.tiktoken")
    : URL(fileURLWithPath: cl100kPath)
if FileManager.default.fileExists(atPath: cl100kURL.path) {
    let gpt4 = try TiktokenFile.load(from: cl100kURL)
    let gpt4Pieces = gpt4.pieces(of: sampleText)
    show(
        .tokenStrip(
            TokenStrip(
                title:
                    "The same text in GPT-4's tokens (\(gpt4Pieces.count) tokens for "
                    + "\(sampleText.utf8.count) bytes)",
                tokens: gpt4Pieces.map {
                    .init(text: LanguageModel.label(of: $0.token, in: gpt4), id: $0.token)
                })))
    let gpt4Compression = gpt4.bytesPerToken(heldOutText)
    show(
        Table(
            title: "The held-out text in two vocabularies",
            columns: ["tokenizer", "vocabulary", "bytes per token"],
            rows: [
                [
                    "ours (tiny web)", "\(trainedWithoutHeldOut.vocabularySize)",
                    String(format: "%.2f", heldOutCompression),
                ],
                [
                    "GPT-4 (cl100k_base)", "\(gpt4.vocabularySize)",
                    String(format: "%.2f", gpt4Compression),
                ],
            ]))
    metric("bytes per token, held-out text, GPT-4's cl100k_base", gpt4Compression)
    let times = gpt4.vocabularySize / trainedWithoutHeldOut.vocabularySize
    show(
        """
        A vocabulary \(times) times larger compresses this text \
        \(gpt4Compression < heldOutCompression ? "less" : "more"), not \(times) times more. \
        Our tokenizer was learned on this very kind of text, made-up names included; GPT-4's \
        spends most of its tokens on code, other languages and words the tiny web never uses.
        """)
} else {
    print(
        "GPT-4's tokenizer is not in \(cl100kURL.path): run scripts/fetch-cl100k.sh to compare it "
            + "here."
    )
}

//: Learned on the same text, a bigger vocabulary compresses more, with diminishing returns —
//: and every extra token is one more row in the embedding table and one more output of the
//: network.
let sizes = (isQuick ? [260, 320, 384, 512] : [260, 384, 512, 1024, 2048, 4096])
let trainingText = trainDocuments.map(\.text).joined(separator: "\n")
let measured = try sizes.map { size -> Double in
    try BPETrainer.train(text: trainingText, vocabularySize: size).bytesPerToken(heldOutText)
}
show(
    .line(
        LineChart(
            title: "Compression against vocabulary size", xLabel: "vocabulary size",
            yLabel: "bytes per token (held-out)",
            series: [.init(name: "BPE", x: sizes.map(Double.init), y: measured)], xScale: .log)))
show(
    Table(
        title: "Bytes per token", columns: ["vocabulary", "bytes/token"],
        rows: zip(sizes, measured).map { ["\($0)", String(format: "%.2f", $1)] }))
