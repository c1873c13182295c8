// The shape of a GPT: sizes only, as typed data. Stored beside checkpoints as JSON with
// Hugging Face's GPT-2 keys (n_embd, n_layer, …) so the files read like the ecosystem's.

public struct GPTConfig: Equatable, Sendable {
    public var vocabularySize: Int
    public var contextLength: Int
    public var layerCount: Int
    public var headCount: Int
    public var embeddingWidth: Int

    public init(
        vocabularySize: Int, contextLength: Int, layerCount: Int, headCount: Int,
        embeddingWidth: Int
    ) {
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.layerCount = layerCount
        self.headCount = headCount
        self.embeddingWidth = embeddingWidth
    }

    public var headSize: Int { embeddingWidth / headCount }

    /// nanoGPT's CPU "baby GPT" for character-level Shakespeare.
    public static func baby(vocabularySize: Int = 65) -> GPTConfig {
        GPTConfig(
            vocabularySize: vocabularySize, contextLength: 64, layerCount: 4, headCount: 4,
            embeddingWidth: 128)
    }

    /// The course's model: small enough to pretrain in minutes on two cores, large enough
    /// for the behaviours the lessons measure (induction heads need two layers and a context
    /// longer than the repeated sequence).
    public static let course = GPTConfig(
        vocabularySize: 2048, contextLength: 128, layerCount: 4, headCount: 4, embeddingWidth: 128)

    /// "4L 4H 128C, T 128, V 2048".
    public var summary: String {
        "\(layerCount)L \(headCount)H \(embeddingWidth)C, T \(contextLength), V \(vocabularySize)"
    }

    /// GPT-2 small (124M parameters).
    public static let gpt2Small = GPTConfig(
        vocabularySize: 50257, contextLength: 1024, layerCount: 12, headCount: 12,
        embeddingWidth: 768)

    /// Problems with these sizes, or nil when they make a valid GPT.
    public func validationError() -> String? {
        for (name, value) in [
            ("vocabularySize", vocabularySize), ("contextLength", contextLength),
            ("layerCount", layerCount), ("headCount", headCount),
            ("embeddingWidth", embeddingWidth),
        ]
        where value < 1 {
            return "\(name) must be at least 1, got \(value)"
        }
        // Sizes from a file are checked before anything is allocated for them.
        for (name, value, limit) in [
            ("vocabularySize", vocabularySize, 1 << 20), ("contextLength", contextLength, 1 << 16),
            ("layerCount", layerCount, 256), ("embeddingWidth", embeddingWidth, 1 << 16),
            ("headCount", headCount, embeddingWidth),
        ] where value > limit {
            return "\(name) \(value) is more than this program supports (at most \(limit))"
        }
        if embeddingWidth % headCount != 0 {
            return "embeddingWidth \(embeddingWidth) is not divisible by headCount \(headCount)"
        }
        if parameterCount > Self.maximumParameterCount {
            return
                "\(parameterCount) parameters is more than this program holds (at most \(Self.maximumParameterCount))"
        }
        return nil
    }

    /// The largest model this program loads or creates: 4 billion parameters (16 GB of Float32).
    public static let maximumParameterCount = 4_000_000_000

    /// Parameter count (tied embeddings counted once).
    public var parameterCount: Int {
        let C = embeddingWidth
        let perBlock =
            2 * C + (3 * C * C + 3 * C) + (C * C + C) + 2 * C + (4 * C * C + 4 * C)
            + (4 * C * C + C)
        return vocabularySize * C + contextLength * C + layerCount * perBlock + 2 * C
    }

    /// Floating-point operations of one training step (forward + backward ≈ 3× forward) on
    /// `tokens` tokens in sequences of length T: 2 per multiply-add in every matrix product,
    /// attention's included (counted for the full T×T square, as the kernels compute it).
    public func trainingFLOPs(tokens: Int, sequenceLength T: Int) -> Double {
        let C = Double(embeddingWidth), L = Double(layerCount), V = Double(vocabularySize)
        let matrixMultiplyAdds = L * 12 * C * C + V * C   // qkv 3, proj 1, fc 4, fcproj 4; lm head
        let attentionMultiplyAdds = L * 2 * Double(T) * C   // Q·Kᵀ and P·V per token
        return 3 * 2 * Double(tokens) * (matrixMultiplyAdds + attentionMultiplyAdds)
    }
}

extension GPTConfig: Codable {
    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size"
        case contextLength = "n_positions"
        case layerCount = "n_layer"
        case headCount = "n_head"
        case embeddingWidth = "n_embd"
        case modelType = "model_type"
        case activation = "activation_function"
        case layerNormEpsilon = "layer_norm_epsilon"
        case innerWidth = "n_inner"
        case tiedEmbeddings = "tie_word_embeddings"
        case scaleAttentionWeights = "scale_attn_weights"
        case scaleByLayer = "scale_attn_by_inverse_layer_idx"
        case reorderAndUpcast = "reorder_and_upcast_attn"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Foundation reports 8.5 for an Int as "not valid JSON": name the key instead.
        func size(_ key: CodingKeys) throws -> Int {
            do { return try c.decode(Int.self, forKey: key) } catch {
                guard let number = try? c.decode(Double.self, forKey: key) else { throw error }
                throw DecodingError.dataCorrupted(
                    .init(codingPath: [key], debugDescription: "found \(number)"))
            }
        }
        vocabularySize = try size(.vocabularySize)
        contextLength = try size(.contextLength)
        layerCount = try size(.layerCount)
        headCount = try size(.headCount)
        embeddingWidth = try size(.embeddingWidth)
        try Self.checkArchitecture(c, embeddingWidth: embeddingWidth)
    }

    /// A config that names another architecture (a Llama, a GELU variant, an untied head, a
    /// wider MLP) would load into our GPT-2 with wrong arithmetic: each such key is refused by
    /// name. Keys left out take GPT-2's defaults, which are ours.
    static func checkArchitecture(
        _ c: KeyedDecodingContainer<CodingKeys>, embeddingWidth: Int
    ) throws {
        func refuse(_ key: CodingKeys, _ found: String, _ ours: String) -> DecodingError {
            .dataCorruptedError(
                forKey: key, in: c,
                debugDescription:
                    "\(key.stringValue) is \(found), but this program's GPT has \(ours): a different architecture"
            )
        }
        if let type = try c.decodeIfPresent(String.self, forKey: .modelType), type != "gpt2" {
            throw refuse(.modelType, "'\(type)'", "'gpt2'")
        }
        if let activation = try c.decodeIfPresent(String.self, forKey: .activation),
            activation != "gelu_new"
        {
            throw refuse(.activation, "'\(activation)'", "'gelu_new'")
        }
        if let epsilon = try c.decodeIfPresent(Double.self, forKey: .layerNormEpsilon),
            abs(epsilon - 1e-5) > 1e-9
        {
            throw refuse(.layerNormEpsilon, "\(epsilon)", "1e-05")
        }
        if let inner = try c.decodeIfPresent(Int.self, forKey: .innerWidth),
            inner != 4 * embeddingWidth
        {
            throw refuse(.innerWidth, "\(inner)", "4 × n_embd = \(4 * embeddingWidth)")
        }
        for (key, ours) in [
            (CodingKeys.tiedEmbeddings, true), (.scaleAttentionWeights, true),
            (.scaleByLayer, false), (.reorderAndUpcast, false),
        ] {
            if let value = try c.decodeIfPresent(Bool.self, forKey: key), value != ours {
                throw refuse(key, "\(value)", "\(ours)")
            }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vocabularySize, forKey: .vocabularySize)
        try c.encode(contextLength, forKey: .contextLength)
        try c.encode(layerCount, forKey: .layerCount)
        try c.encode(headCount, forKey: .headCount)
        try c.encode(embeddingWidth, forKey: .embeddingWidth)
        try c.encode("gpt2", forKey: .modelType)
        try c.encode("gelu_new", forKey: .activation)
        try c.encode(1e-5, forKey: .layerNormEpsilon)
    }
}
