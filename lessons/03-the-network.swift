//: # The network: a GPT, piece by piece
//: The model is a function from a sequence of token ids to, at every position, a probability
//: for each possible next token. Its parts: a **token embedding** (one learned vector per token
//: id), a **position embedding** (one per position), then a stack of **blocks** — each a
//: causal **self-attention** (every position looks back at earlier ones and mixes in what it
//: finds) and an **MLP** (each position thinks on its own) — and finally a projection back to
//: the vocabulary. The numbers inside are the *parameters*; training only changes those.
import Course
import Foundation

let base = try Pretraining.publishedBaseModel()
let (world, corpus) = try CourseData.tinyWeb()
let config = base.model.config
let C = config.embeddingWidth, V = config.vocabularySize, T = config.contextLength, L = config.layerCount
print("\(config.summary): \(config.parameterCount) parameters")

//: ## Where the parameters are
let perBlock = [("layer norm 1", 2 * C), ("attention: query, key, value", 3 * C * C + 3 * C), ("attention: output projection", C * C + C),
                ("layer norm 2", 2 * C), ("MLP: expand ×4", 4 * C * C + 4 * C), ("MLP: project back", 4 * C * C + C)]
let blockTotal = perBlock.reduce(0) { $0 + $1.1 }
var rows = [["token embedding (V × C), also the output layer", "\(V) × \(C)", "\(V * C)"],
            ["position embedding (T × C)", "\(T) × \(C)", "\(T * C)"]]
rows += perBlock.map { ["block: " + $0.0, "", "\($0.1) × \(L) blocks = \($0.1 * L)"] }
rows.append(["final layer norm", "", "\(2 * C)"])
let total = V * C + T * C + L * blockTotal + 2 * C
rows.append(["total", "", "\(total)"])
show(Table(title: "Parameters by part", columns: ["part", "shape", "parameters"], rows: rows))
expect("the parts add up to the model's parameter count", total == base.model.parameters.reduce(0) { $0 + $1.count },
       measured: "\(total) vs \(base.model.parameters.reduce(0) { $0 + $1.count }) counted in the tensors")

var nodes: [GraphDiagram.Node] = [.init(id: "in", label: "token ids (T)"), .init(id: "emb", label: "wte + wpe: \(V * C + T * C)", highlighted: true)]
var edges: [GraphDiagram.Edge] = [.init(from: "in", to: "emb")]
var previous = "emb"
for layer in 0..<L {
    nodes.append(.init(id: "b\(layer)", label: "block \(layer + 1): \(blockTotal)"))
    edges.append(.init(from: previous, to: "b\(layer)", label: "(T, \(C))"))
    previous = "b\(layer)"
}
nodes += [.init(id: "ln", label: "final norm: \(2 * C)"), .init(id: "head", label: "× wteᵀ → logits (T, \(V))", highlighted: true), .init(id: "soft", label: "softmax → next-token probabilities")]
edges += [.init(from: previous, to: "ln"), .init(from: "ln", to: "head"), .init(from: "head", to: "soft")]
show(.graph(GraphDiagram(title: "The architecture, top to bottom", nodes: nodes, edges: edges, layout: .tree)))

//: ## One forward pass, with shapes
//: A batch of B sequences of T tokens flows through these tensors (B = 1 here):
let sentence = "\(world.people[0].name) was born in"
let tokens = base.tokenizer.encode(sentence)
let n = tokens.count
show(Table(title: "Tensor shapes for “\(sentence)” (\(n) tokens)", columns: ["step", "shape"], rows: [
    ["token ids", "(1, \(n))"], ["token + position embeddings", "(1, \(n), \(C))"],
    ["queries, keys, values (each block)", "(1, \(n), \(3 * C)) → \(config.headCount) heads of \(config.headSize)"],
    ["attention weights (each block)", "(1, \(config.headCount), \(n), \(n)), causal: zero above the diagonal"],
    ["MLP hidden (each block)", "(1, \(n), \(4 * C))"], ["logits", "(1, \(n), \(V))"]]))

//: ## Untrained against trained
//: The same architecture with random weights predicts every token about equally: its loss is
//: close to ln V, the loss of a uniform guess. Its attention is spread evenly too.
let untrained = GPT(config: config, seed: 99)
func attentionMaps(_ model: GPT) -> [[[[Double]]]] {   // [layer][head][row][column]
    let session = InferenceSession(model: model)
    var maps = Array(repeating: Array(repeating: [[Double]](), count: config.headCount), count: L)
    for token in tokens {
        let step = session.feed(Int32(token))
        for l in 0..<L { for h in 0..<config.headCount { maps[l][h].append(step.attention[l][h].map(Double.init) + Array(repeating: 0, count: n - step.attention[l][h].count)) } }
    }
    return maps
}
func loss(_ model: GPT) -> Double {
    let all = base.tokenizer.encode(corpus.documents.last!.text).prefix(T).map(Int32.init)
    let losses = model.loss(inputs: Array(all.dropLast()), targets: Array(all.dropFirst()), batchSize: 1, length: all.count - 1).tokenLosses
    return Double(losses.reduce(0, +)) / Double(losses.count)
}
let labels = tokens.map { base.label(of: $0) }
let untrainedMaps = attentionMaps(untrained), trainedMaps = attentionMaps(base.model)
for (name, maps) in [("untrained", untrainedMaps), ("trained", trainedMaps)] {
    let panels = (0..<L).flatMap { l in (0..<config.headCount).map { h in
        Heatmap(title: "layer \(l + 1) head \(h + 1)", values: maps[l][h], rowLabels: labels, columnLabels: labels, maskUpperTriangle: true, minimum: 0, maximum: 1) } }
    show(.heatmapGrid(HeatmapGrid(title: "Attention of the \(name) model (rows: the position looking, columns: where)", panels: panels, columns: config.headCount)))
}
func meanEntropy(_ maps: [[[[Double]]]]) -> Double {
    var total = 0.0, count = 0.0
    for layer in maps { for head in layer { for (i, row) in head.enumerated() where i > 0 {
        total += -row.prefix(i + 1).filter { $0 > 0 }.reduce(0) { $0 + $1 * log($1) } / log(Double(i + 1)); count += 1 } } }
    return total / count
}
let untrainedEntropy = meanEntropy(untrainedMaps), trainedEntropy = meanEntropy(trainedMaps)
metric("attention entropy, untrained (1 = uniform)", untrainedEntropy)
metric("attention entropy, trained", trainedEntropy)
expect("training focuses attention (normalised entropy, trained below untrained)", trainedEntropy, below: untrainedEntropy, "untrained")
let untrainedLoss = loss(untrained), trainedLoss = loss(base.model)
metric("loss of the untrained model", untrainedLoss, unit: "nats/token")
metric("ln V (a uniform guess)", log(Double(V)), unit: "nats/token")
metric("loss of the trained model", trainedLoss, unit: "nats/token")
expect("an untrained model is about as good as a uniform guess (|loss − ln V| / ln V)", abs(untrainedLoss - log(Double(V))) / log(Double(V)), below: 0.1)
