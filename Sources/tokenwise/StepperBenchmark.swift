// `tokenwise bench --stepper`: what one stepper step costs — the KV-cached forward pass alone,
// then a whole step as `tokenwise step` takes it (forward, the ranking and sampling
// distribution, the candidates, the recorded frame with every head's attention, the screen).

import BytePairEncoding
import Foundation
import Stepper
import Transformer
import Chat

enum StepperBenchmark {
    static func run(shapes: [(String, GPTConfig)]) throws {
        print(
            "tokenwise bench --stepper — random weights, a 16-token prompt, then 48 sampled steps; medians"
        )
        let bytes = try Tokenizer(pattern: .gpt2, byteTokens: Array(0..<256), merges: [])
        for (title, config) in shapes {
            let model = try LanguageModel(
                name: title, model: GPT(config: config, seed: 1), tokenizer: bytes)
            let prompt = String(repeating: "step by step ", count: 2).prefix(16)
            // The forward pass alone.
            let session = InferenceSession(model: model.model)
            session.feed(Array(prompt.utf8).map(Int32.init))
            var forward: [Double] = []
            for t in 0..<48 {
                let start = DispatchTime.now()
                session.feed(Int32(t % 256))
                forward.append(SpeedMeasurements.seconds(since: start))
            }
            // Whole steps.
            let stepper = try Stepper(
                model: model, prompt: String(prompt), settings: SamplingSettings(topK: 40), seed: 1)
            let screen = StepperScreen(width: 100, height: 40)
            var whole: [Double] = []
            for _ in 0..<48 {
                let start = DispatchTime.now()
                stepper.perform(.sample)
                _ = screen.render(stepper)
                whole.append(SpeedMeasurements.seconds(since: start))
            }
            func median(_ xs: [Double]) -> Double { SpeedMeasurements.median(xs) * 1000 }
            print("")
            print(title)
            print(
                String(format: "  forward pass (KV cache)          %8.2f ms/token", median(forward))
            )
            print(
                String(
                    format:
                        "  stepper step (+ top-k, attention) %7.2f ms/step   (%.1f× the forward pass)",
                    median(whole), median(whole) / median(forward)))
        }
    }
}
