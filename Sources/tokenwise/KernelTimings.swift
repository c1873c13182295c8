// `tokenwise bench --kernels`: where a training step's time goes, kernel by kernel, at the
// shapes of one layer (and the output head) of the baby GPT, the course's model (its
// pretraining batch) and GPT-2 124M; and, at the course's shape, each fused op against the
// unfused ops it replaces.

import Autograd
import Foundation

enum KernelTimings {
    static func run() {
        run(title: "baby GPT", B: 12, T: 64, C: 128, NH: 4, V: 65, repetitions: 50)
        run(title: "course model, pretraining batch", B: 16, T: 128, C: 128, NH: 4, V: 2048, repetitions: 20)
        fusedAgainstUnfused(N: 16 * 128, C: 128, V: 2048, rounds: 9)
        run(title: "GPT-2 124M shape", B: 4, T: 64, C: 768, NH: 12, V: 50257, repetitions: 3)
    }

    static func run(title: String, B: Int, T: Int, C: Int, NH: Int, V: Int, repetitions: Int) {
        let N = B * T
        var g = SeededGenerator(seed: 1)
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            for i in 0..<count { p[i] = g.nextNormal() * 0.5 }
            return p
        }
        func time(_ label: String, flops: Double = 0, _ body: () -> Void) {
            body()
            let start = DispatchTime.now()
            for _ in 0..<repetitions { body() }
            let seconds =
                Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
                / Double(repetitions)
            let rate = flops > 0 ? String(format: "%7.1f GFLOP/s", flops / seconds / 1e9) : ""
            print(
                "  " + label.padding(toLength: 52, withPad: " ", startingAt: 0)
                    + String(format: "%8.3f ms  ", seconds * 1000) + rate)
        }
        print(
            "\(title): one layer's kernels and the output head (N = B·T = \(N), C = \(C), V = \(V))"
        )
        for (name, OC, IC) in [
            ("qkv", 3 * C, C), ("attn proj", C, C), ("mlp expand", 4 * C, C),
            ("mlp proj", C, 4 * C), ("lm head", V, C),
        ] {
            let inp = buffer(N * IC), w = buffer(OC * IC), b = buffer(OC), out = buffer(N * OC)
            let dinp = buffer(N * IC), dw = buffer(OC * IC), db = buffer(OC)
            time(
                "linear \(name) forward (\(N)×\(IC) · \(IC)×\(OC))",
                flops: 2.0 * Double(N * IC * OC)
            ) {
                LinearKernel.forward(out: out, inp: inp, weight: w, bias: b, N: N, C: IC, OC: OC)
            }
            time("linear \(name) backward", flops: 4.0 * Double(N * IC * OC)) {
                LinearKernel.backward(
                    dinp: dinp, dweight: dw, dbias: db, dout: out, inp: inp, weight: w, N: N, C: IC,
                    OC: OC)
            }
        }
        let qkv = buffer(N * 3 * C), att = buffer(B * NH * T * T), out = buffer(N * C),
            dqkv = buffer(N * 3 * C)
        let attentionFlops = 2.0 * 2 * Double(B * NH * T * T * (C / NH))
        time("attention forward", flops: attentionFlops) {
            AttentionKernel.forward(out: out, att: att, qkv: qkv, B: B, T: T, C: C, NH: NH)
        }
        time("attention backward", flops: 2 * attentionFlops) {
            AttentionKernel.backward(
                dqkv: dqkv, dout: out, qkv: qkv, att: att, B: B, T: T, C: C, NH: NH)
        }
        let x = buffer(N * 4 * C), y = buffer(N * 4 * C), dx = buffer(N * 4 * C)
        time("gelu forward (\(N * 4 * C))") { GELUKernel.forward(out: y, inp: x, N: N * 4 * C) }
        time("gelu backward") { GELUKernel.backward(dinp: dx, dout: y, inp: x, N: N * 4 * C) }
        let w = buffer(C), b = buffer(C), mean = buffer(N), rstd = buffer(N)
        time("layernorm forward") {
            LayerNormKernel.forward(
                out: y, mean: mean, rstd: rstd, inp: x, weight: w, bias: b, N: N, C: C)
        }
        time("layernorm backward") {
            LayerNormKernel.backward(
                dinp: dx, dweight: w, dbias: b, dout: y, inp: x, weight: w, mean: mean, rstd: rstd,
                N: N, C: C)
        }
        time("residual forward") { ResidualKernel.forward(out: y, a: x, b: dx, N: N * C) }
        time("residual backward") { ResidualKernel.backward(da: dx, db: y, dout: x, N: N * C) }
        let logits = Tensor(zeros: [N, V], requiresGradient: true)
        let targets = (0..<N).map { Int32($0 % V) }
        time("cross-entropy forward + backward") {
            let (loss, _) = crossEntropy(logits, targets: targets)
            loss.backward()
        }
        let parameterCount = 12 * C * C + 13 * C
        let parameters = (0..<4).map { _ in
            Tensor(zeros: [parameterCount / 4], requiresGradient: true)
        }
        parameters.forEach { _ = $0.gradient }
        let optimizer = AdamW(parameters: parameters)
        time("adamw step (one layer, \(parameterCount) parameters)") {
            optimizer.step(learningRate: 1e-3)
        }
        time("gradient zeroing (same parameters)") { optimizer.zeroGradients() }
        print("")
    }

    /// Each fused op (forward and backward through autograd) against the ops it replaces, the
    /// two sides taking turns over `rounds` rounds; the ratio is the median of the rounds'.
    static func fusedAgainstUnfused(N: Int, C: Int, V: Int, rounds: Int) {
        var g = SeededGenerator(seed: 2)
        func parameter(_ shape: [Int], scale: Float = 0.02) -> Tensor {
            let count = shape.reduce(1, *)
            return Tensor(
                (0..<count).map { _ in g.nextNormal() * scale }, shape: shape, requiresGradient: true)
        }
        let x = parameter([N, C], scale: 1), head = parameter([V, C])
        let w1 = parameter([4 * C, C]), b1 = parameter([4 * C]), w2 = parameter([C, 4 * C]),
            b2 = parameter([C])
        let targets = (0..<N).map { Int32($0 % V) }
        let upstream = [Float](repeating: 1, count: N * C)
        let pairs: [(String, () -> Void, () -> Void)] = [
            (
                "head + cross-entropy",
                { let (loss, _) = headCrossEntropy(x, weight: head, targets: targets)
                    loss.backward(); loss.releaseGraph() },
                { let (loss, _) = crossEntropy(linear(x, weight: head), targets: targets)
                    loss.backward(); loss.releaseGraph() }
            ),
            (
                "MLP (expand, GELU, project)",
                { let y = feedForward(
                        x, expandWeight: w1, expandBias: b1, projectionWeight: w2,
                        projectionBias: b2)
                    y.backward(upstream: upstream); y.releaseGraph() },
                { let y = linear(gelu(linear(x, weight: w1, bias: b1)), weight: w2, bias: b2)
                    y.backward(upstream: upstream); y.releaseGraph() }
            ),
        ]
        print("fused against unfused, forward + backward (N = \(N), C = \(C), V = \(V)); medians of \(rounds) interleaved rounds")
        for (label, fused, unfused) in pairs {
            fused(); unfused()   // warm-up: buffers, OpenBLAS
            var fusedTimes: [Double] = [], unfusedTimes: [Double] = [], ratios: [Double] = []
            for round in 0..<rounds {
                func time(_ body: () -> Void) -> Double {
                    let start = DispatchTime.now()
                    body()
                    return SpeedMeasurements.seconds(since: start)
                }
                var f = 0.0, u = 0.0
                if round % 2 == 0 {
                    f = time(fused); u = time(unfused)
                } else {
                    u = time(unfused); f = time(fused)
                }
                fusedTimes.append(f); unfusedTimes.append(u); ratios.append(u / f)
            }
            print(
                "  " + label.padding(toLength: 30, withPad: " ", startingAt: 0)
                    + String(
                        format: "fused %7.2f ms   unfused %7.2f ms   %.2f× (rounds %.2f–%.2f×)",
                        SpeedMeasurements.median(fusedTimes) * 1000,
                        SpeedMeasurements.median(unfusedTimes) * 1000,
                        SpeedMeasurements.median(ratios), ratios.min()!, ratios.max()!))
        }
        print("")
    }
}
