// Shared fixtures: a tiny GPT and temporary directories.

import Foundation
@testable import Autograd
@testable import Transformer

let tinyConfig = GPTConfig(vocabularySize: 11, contextLength: 8, layerCount: 2, headCount: 2, embeddingWidth: 8)

func temporaryDirectory(_ label: String = #function) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("tokenwise-tests-\(label.filter(\.isLetter))-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func randomTokens(_ count: Int, vocabulary: Int, seed: UInt64) -> [Int32] {
    var g = SeededGenerator(seed: seed)
    return (0..<count).map { _ in Int32(g.nextInt(below: vocabulary)) }
}

func maxAbsoluteDifference(_ a: [Float], _ b: [Float]) -> Float {
    Swift.precondition(a.count == b.count)   // Autograd and Transformer each declare one (AlwaysChecked)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
