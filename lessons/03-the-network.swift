//: # The network: a GPT, piece by piece
//: The model is a function from a sequence of token ids to, at every position, a probability
//: for each possible next token. Its parts: a **token embedding** (one learned vector per token
//: id), a **position embedding** (one per position), then a stack of **blocks** — each a
//: causal **self-attention** (every position looks back at earlier ones and mixes in what it
//: finds) and an **MLP** (each position thinks on its own) — and finally a projection back to
//: the vocabulary. The numbers inside are the *parameters*; training only changes those.
import Course
import Foundation

//:
//: We look at the course's model as lesson 4 will start training it: the standard sizes, the
//: course tokenizer, and random weights from the same seed. (Training is lesson 4's subject.)
let (world, corpus) = try CourseData.tinyWeb()
let standard = PretrainingSettings.standard
let tokenizer = try CourseData.tokenizer(
    documents: corpus.documents, vocabularySize: standard.config.vocabularySize)
let base = try LanguageModel(
    name: "untrained", model: GPT(config: standard.config, seed: standard.seed),
    tokenizer: tokenizer)
let config = base.model.config
let C = config.embeddingWidth, V = config.vocabularySize, T = config.contextLength,
    L = config.layerCount
print("\(config.summary): \(config.parameterCount) parameters")

//: ## Where the parameters are
let perBlock = [
    ("layer norm 1", 2 * C), ("attention: query, key, value", 3 * C * C + 3 * C),
    ("attention: output projection", C * C + C),
    ("layer norm 2", 2 * C), ("MLP: expand ×4", 4 * C * C + 4 * C),
    ("MLP: project back", 4 * C * C + C),
]
let blockTotal = perBlock.reduce(0) { $0 + $1.1 }
// harness: the table of parts, and the architecture as a diagram
var rows = [
    ["token embedding (V × C), also the output layer", "\(V) × \(C)", "\(V * C)"],
    ["position embedding (T × C)", "\(T) × \(C)", "\(T * C)"],
]
rows += perBlock.map { ["block: " + $0.0, "", "\($0.1) × \(L) blocks = \($0.1 * L)"] }
rows.append(["final layer norm", "", "\(2 * C)"])
let total = V * C + T * C + L * blockTotal + 2 * C
rows.append(["total", "", "\(total)"])
show(Table(title: "Parameters by part", columns: ["part", "shape", "parameters"], rows: rows))
print(
    "the parts: \(total); the model's tensors hold "
        + "\(base.model.parameters.reduce(0) { $0 + $1.count })"
)

var nodes: [GraphDiagram.Node] = [
    .init(id: "in", label: "token ids (T)"),
    .init(id: "emb", label: "wte + wpe: \(V * C + T * C)", highlighted: true),
]
var edges: [GraphDiagram.Edge] = [.init(from: "in", to: "emb")]
var previous = "emb"
for layer in 0..<L {
    nodes.append(.init(id: "b\(layer)", label: "block \(layer + 1): \(blockTotal)"))
    edges.append(.init(from: previous, to: "b\(layer)", label: "(T, \(C))"))
    previous = "b\(layer)"
}
nodes += [
    .init(id: "ln", label: "final norm: \(2 * C)"),
    .init(id: "head", label: "× wteᵀ → logits (T, \(V))", highlighted: true),
    .init(id: "soft", label: "softmax → next-token probabilities"),
]
edges += [
    .init(from: previous, to: "ln"), .init(from: "ln", to: "head"), .init(from: "head", to: "soft"),
]
show(
    .graph(
        GraphDiagram(
            title: "The architecture, top to bottom", nodes: nodes, edges: edges, layout: .tree)))

//: Inside every block, two sub-layers, each added back onto its input (the **residual**
//: stream), so a block can only add to what the tokens already carry:
let H = config.headCount
let inside: [GraphDiagram.Node] = [
    .init(id: "x", label: "x (T, \(C)) from below"), .init(id: "ln1", label: "LayerNorm 1"),
    .init(id: "qkv", label: "Q, K, V: (T, \(3 * C)), \(H) heads of \(C / H)", highlighted: true),
    .init(id: "att", label: "softmax(QKᵀ/√\(C / H), causal) · V"),
    .init(id: "proj", label: "output projection (T, \(C))"),
    .init(id: "add1", label: "x + attention (the input added back)"),
    .init(id: "ln2", label: "LayerNorm 2"),
    .init(id: "fc", label: "expand to (T, \(4 * C)), GELU", highlighted: true),
    .init(id: "fc2", label: "project back (T, \(C))"),
    .init(id: "add2", label: "x + MLP (added back) → next block"),
]
let insideEdges: [GraphDiagram.Edge] = [
    .init(from: "x", to: "ln1"), .init(from: "ln1", to: "qkv"), .init(from: "qkv", to: "att"),
    .init(from: "att", to: "proj"), .init(from: "proj", to: "add1"),
    .init(from: "add1", to: "ln2"), .init(from: "ln2", to: "fc"), .init(from: "fc", to: "fc2"),
    .init(from: "fc2", to: "add2"),
]
show(
    .graph(
        GraphDiagram(title: "Inside one block", nodes: inside, edges: insideEdges, layout: .layers))
)

//: ## One forward pass, written out
//: The whole computation for one sequence, in plain Swift over arrays of Doubles: each step is
//: a few lines, and the code prints each tensor's shape as it makes it.
let sentence = "\(world.people[0].name) was born in"
let tokens = base.tokenizer.encode(sentence)
let n = tokens.count
typealias Matrix = [[Double]]   // rows: one per position

func rows(_ t: Tensor) -> Matrix {   // a (rows, columns) weight as rows of Doubles
    let columns = t.shape.last!, values = t.values.map(Double.init)
    return stride(from: 0, to: values.count, by: columns).map { Array(values[$0..<$0 + columns]) }
}
func shape(_ name: String, _ m: Matrix) { print("\(name): (\(m.count), \(m[0].count))") }
func add(_ a: Matrix, _ b: Matrix) -> Matrix { zip(a, b).map { zip($0, $1).map(+) } }
/// x · Wᵀ + b: every output is a weighted sum of the inputs (W is (outputs, inputs)).
func linear(_ x: Matrix, _ p: LinearParameters) -> Matrix {
    let w = rows(p.weight), b = p.bias.values.map(Double.init)
    return x.map { row in w.indices.map { o in zip(w[o], row).reduce(b[o]) { $0 + $1.0 * $1.1 } } }
}
/// Each position's vector to mean 0 and variance 1, then scaled and shifted per channel.
func layerNorm(_ x: Matrix, _ p: LayerNormParameters) -> Matrix {
    let g = p.weight.values.map(Double.init), b = p.bias.values.map(Double.init)
    return x.map { row in
        let mean = row.reduce(0, +) / Double(row.count)
        let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(row.count)
        return row.indices.map { (row[$0] - mean) / (variance + 1e-5).squareRoot() * g[$0] + b[$0] }
    }
}
/// GELU, the smooth ReLU GPT-2 uses (its tanh approximation).
func gelu(_ x: Double) -> Double {
    0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
}
func softmax(_ row: [Double]) -> [Double] {
    let largest = row.max()!, exps = row.map { exp($0 - largest) }, sum = exps.reduce(0, +)
    return exps.map { $0 / sum }
}
/// Causal attention: position i mixes the values of positions 0…i, weighted by how well its
/// query matches their keys; each head does this in its own slice of the channels.
func attention(_ x: Matrix, _ p: SelfAttention, showShapes: Bool) -> Matrix {
    let qkv = linear(x, p.queryKeyValue)   // (n, 3C): queries, keys, values side by side
    if showShapes { shape("  queries, keys, values", qkv) }
    let H = p.headCount, d = C / H
    var out = Matrix(repeating: [Double](repeating: 0, count: C), count: x.count)
    for h in 0..<H {
        let q = qkv.map { Array($0[h * d..<(h + 1) * d]) }
        let k = qkv.map { Array($0[C + h * d..<C + (h + 1) * d]) }
        let v = qkv.map { Array($0[2 * C + h * d..<2 * C + (h + 1) * d]) }
        for i in x.indices {   // the causal mask: only j ≤ i
            let scores = (0...i).map { j in
                zip(q[i], k[j]).reduce(0) { $0 + $1.0 * $1.1 } / Double(d).squareRoot()
            }
            let weights = softmax(scores)
            for j in 0...i { for c in 0..<d { out[i][h * d + c] += weights[j] * v[j][c] } }
        }
    }
    return linear(out, p.projection)
}
func forward(_ tokens: [Int]) -> Matrix {
    let wte = rows(base.model.tokenEmbedding), wpe = rows(base.model.positionEmbedding)
    var x = tokens.enumerated().map { position, token in zip(wte[token], wpe[position]).map(+) }
    shape("token + position embeddings", x)
    for (layer, block) in base.model.blocks.enumerated() {
        x = add(
            x, attention(layerNorm(x, block.attentionNorm), block.attention, showShapes: layer == 0)
        )   // residual
        let hidden = layerNorm(x, block.mlpNorm)
        let expanded = linear(hidden, block.mlp.expand).map { $0.map(gelu) }
        if layer == 0 { shape("  MLP hidden", expanded) }
        x = add(x, linear(expanded, block.mlp.projection))   // residual
        shape("after block \(layer + 1)", x)
    }
    let logits = layerNorm(x, base.model.finalNorm).map { row in
        wte.map { zip($0, row).reduce(0) { $0 + $1.0 * $1.1 } }
    }
    shape("logits (through the token embedding again)", logits)
    return logits
}
print("“\(sentence)”: \(tokens.count) tokens")
let ours = forward(tokens)
let library = base.model.logits(tokens: tokens.map(Int32.init), batchSize: 1, length: tokens.count)
    .values
let forwardGap = ours.joined().enumerated().map { abs($0.element - Double(library[$0.offset])) }
    .max()!
print("largest difference from the library's forward pass: \(forwardGap)")
expect(
    "the written-out forward pass gives the library's logits (largest difference)", forwardGap,
    below: 1e-4)
let next = ours.last!.indices.max { ours.last![$0] < ours.last![$1] }!
print(
    "the likeliest next token after “\(sentence)”: “\(base.label(of: next))” (random weights: an "
        + "arbitrary guess)"
)

//: ## What an untrained network does
//: With random weights, every position spreads its attention almost evenly over what it can
//: see, and every next token is about equally likely: the loss is about ln V. Lesson 4 trains
//: exactly this model and shows what changes.
// Indexed [layer][head][row][column].
func attentionMaps(_ model: GPT, _ tokens: [Int]) -> [[[[Double]]]] {
    let session = InferenceSession(model: model)
    var maps = Array(repeating: Array(repeating: [[Double]](), count: config.headCount), count: L)
    for token in tokens {
        let step = session.feed(Int32(token))
        for l in 0..<L {
            for h in 0..<config.headCount {
                maps[l][h].append(
                    step.attention[l][h].map(Double.init)
                        + Array(repeating: 0, count: tokens.count - step.attention[l][h].count))
            }
        }
    }
    return maps
}
let labels = tokens.map { base.label(of: $0) }
let maps = attentionMaps(base.model, tokens)
show(
    .heatmapGrid(
        HeatmapGrid(
            title: "Attention of the untrained model (rows: the position looking, columns: where)",
            panels: (0..<L).flatMap { l in
                (0..<config.headCount).map { h in
                    Heatmap(
                        title: "layer \(l + 1) head \(h + 1)", values: maps[l][h],
                        rowLabels: labels, columnLabels: labels,
                        maskUpperTriangle: true, minimum: 0, maximum: 1)
                }
            },
            columns: config.headCount)))
let sample = base.tokenizer.encode(corpus.documents.last!.text).prefix(T).map(Int32.init)
let untrainedLoss =
    base.model.loss(
        inputs: Array(sample.dropLast()), targets: Array(sample.dropFirst()), batchSize: 1,
        length: sample.count - 1
    ).tokenLosses.reduce(0.0) { $0 + Double($1) } / Double(sample.count - 1)
metric("loss of the untrained model on a document", untrainedLoss, unit: "nats/token")
metric("ln V (a uniform guess)", log(Double(V)), unit: "nats/token")
