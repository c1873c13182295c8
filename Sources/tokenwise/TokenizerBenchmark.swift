// `tokenwise bench --tokenizer [--text FILE]`: BPE training time and encoding/decoding speed,
// single-threaded, with the GPT-4 split pattern. Without a file it uses a generated text.

import BytePairEncoding
import Foundation

enum TokenizerBenchmark {
    static func run(path: String?) throws {
        let text: String
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandError("cannot read the text file '\(path)'")
            }
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = generatedText(bytes: 1_000_000)
        }
        let megabytes = Double(text.utf8.count) / 1e6
        print(
            String(
                format: "tokenizer benchmark on %@: %.2f MB, GPT-4 split pattern, one thread",
                path ?? "a generated text", megabytes))
        var tokenizer: Tokenizer?
        for size in [512, 4096] {
            var times: [Double] = []
            for _ in 0..<3 {
                let start = DispatchTime.now()
                tokenizer = try BPETrainer.train(text: text, vocabularySize: size, pattern: .gpt4)
                times.append(seconds(since: start))
            }
            print(
                String(
                    format: "  train vocabulary %5d   %7.3f s (best of 3; median %.3f s)", size,
                    times.min()!, times.sorted()[1]))
        }
        guard let tokenizer else { return }
        var tokens: [Int] = []
        let encodeTime = best(of: 5) { tokens = tokenizer.encode(text) }
        var decoded: [UInt8] = []
        let decodeTime = best(of: 5) { decoded = (try? tokenizer.decode(tokens)) ?? [] }
        precondition(decoded == Array(text.utf8), "round trip failed")
        print(
            String(
                format: "  encode   %7.1f MB/s   (%d tokens, %.2f bytes/token)",
                megabytes / encodeTime, tokens.count,
                Double(text.utf8.count) / Double(tokens.count)))
        print(String(format: "  decode   %7.1f MB/s", megabytes / decodeTime))
    }

    static func best(of repetitions: Int, _ body: () -> Void) -> Double {
        (0..<repetitions).map { _ in
            let start = DispatchTime.now()
            body()
            return seconds(since: start)
        }.min()!
    }

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// English-like text from a fixed word list and seed, so runs compare.
    static func generatedText(bytes: Int) -> String {
        let words = [
            "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with",
            "be", "by", "on",
            "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an",
            "had", "they",
            "you", "were", "their", "one", "all", "we", "can", "her", "has", "there", "been", "if",
            "more", "when",
            "will", "would", "who", "so", "no", "king", "queen", "river", "model", "token", "merge",
            "learning",
        ]
        var state: UInt64 = 42
        var out = ""
        while out.utf8.count < bytes {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let word = words[Int(state >> 33) % words.count]
            out += word
            switch Int(state >> 20) % 20 {
            case 0: out += ".\n"
            case 1: out += ", "
            case 2: out += " \(Int(state >> 40) % 1000) "
            default: out += " "
            }
        }
        return out
    }
}
