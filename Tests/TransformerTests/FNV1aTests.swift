import Foundation
import Testing
@testable import Transformer

@Suite struct FNV1aTests {
    /// The published FNV-1a 64 test vectors: stored keys and fingerprints depend on the values.
    @Test func knownVectors() {
        #expect(FNV1a.hex("") == "cbf29ce484222325")
        #expect(FNV1a.hex("a") == "af63dc4c8601ec8c")
        #expect(FNV1a.hex("foobar") == "85944171f73967e8")
    }

    /// The raw-buffer path, the streaming hasher and a byte-by-byte sequence give one value.
    @Test func everyPathHashesTheSameBytesTheSame() {
        let text = "stage keys — ünïcode too"
        let bytes = Array(text.utf8)
        let viaSequence = FNV1a.hex(bytes.lazy.map { $0 })   // not contiguous: the byte loop
        #expect(FNV1a.hex(text) == viaSequence)
        #expect(bytes.withUnsafeBytes { FNV1a.hex($0) } == viaSequence)
        var streamed = FNV1a()
        bytes[..<7].withUnsafeBytes { streamed.add($0) }
        bytes[7...].withUnsafeBytes { streamed.add($0) }
        #expect(streamed.hex == viaSequence)
    }

    /// A model's fingerprint is the hash of its weights' bytes, parameter after parameter.
    @Test func weightsHashIsTheHashOfTheWeightsInOrder() {
        let model = GPT(config: GPTConfig(vocabularySize: 11, contextLength: 4, layerCount: 1, headCount: 2, embeddingWidth: 8), seed: 3)
        var bytes: [UInt8] = []
        for p in model.parameters {
            bytes += UnsafeRawBufferPointer(start: p.data, count: p.count * 4)
        }
        #expect(model.weightsHash == FNV1a.hex(bytes.lazy.map { $0 }))
    }
}
