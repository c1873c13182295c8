// swift-tools-version:6.0
// Tokenwise: a small GPT built, trained and shown stage by stage on the CPU.
// Arrows run one way: Autograd → Transformer → Chat → Stepper → LessonRuntime, then two
// branches: Course (what a lesson imports: the course's data and recipes) and LessonEngine →
// Report (which run lessons and weave their pages, knowing nothing of the course); the CLI uses
// both. BytePairEncoding, Figures and TinyWeb depend on nothing of ours.
import PackageDescription

// Kernels are hot loops over unsafe buffers: bounds are checked by the kernels' own
// preconditions (kept in this build by each module's AlwaysChecked.swift: -Ounchecked drops
// the standard library's) and tests, so the release build drops Swift's per-access checks there.
// On x86-64 the element-wise loops are vectorised for AVX2 + FMA (every x86-64 CPU since
// 2013) instead of the SSE2 baseline: 8 floats per instruction instead of 4.
#if arch(x86_64)
let vectorFlags = ["-Xcc", "-mavx2", "-Xcc", "-mfma"]
#else
let vectorFlags: [String] = []
#endif
// -fno-math-errno lets squareRoot() compile to a vector instruction instead of a libm call.
let kernelSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-Xcc", "-fno-math-errno"] + vectorFlags, .when(configuration: .release)),
]

// The last two modules of the build's chain, the report's pages and the command line, do no
// heavy work of their own (pages: about 2 s to render the course either way, byte for byte the
// same; the commands call the optimised library), yet optimising them took 30 s of a fresh
// build's 2 minutes, each waiting for the one before. Unoptimised, they take 5.
let unoptimizedInRelease: [SwiftSetting] = [.unsafeFlags(["-Onone"], .when(configuration: .release))]

let package = Package(
    name: "Tokenwise",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tokenwise", targets: ["tokenwise"]),
        // Lesson scripts are compiled at run time against this dynamic library.
        .library(name: "TokenwiseKit", type: .dynamic, targets: ["Course"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries: module map + shim header only.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo",
                       providers: [.apt(["libcairo2-dev"])]),

        .target(name: "Autograd", dependencies: ["COpenBLAS"], swiftSettings: kernelSettings),
        .target(name: "BytePairEncoding", swiftSettings: kernelSettings),
        .target(name: "Figures", dependencies: ["CCairo"]),
        // The embedded "tiny web": a fictional world, its raw crawl, and the cleaning pipeline.
        .target(name: "TinyWeb"),
        .target(name: "Transformer", dependencies: ["Autograd", "COpenBLAS"], swiftSettings: kernelSettings),
        // A model with its tokenizer and chat format: the catalog of published models, turns as
        // tokens, replies that stop at the end of turn, the tool loop, the `tokenwise chat` loop.
        .target(name: "Chat", dependencies: ["Autograd", "Transformer", "BytePairEncoding"]),
        // Inference one token at a time: the state behind `tokenwise step`, its screen and page data.
        .target(name: "Stepper", dependencies: ["Autograd", "Transformer", "BytePairEncoding", "Chat"]),
        // What every lesson calls, whatever its subject: param, show, metric, expect, claim,
        // progress, the events they write, rates with intervals, and the artifact store.
        .target(name: "LessonRuntime", dependencies: ["Figures", "Stepper", "Transformer"]),
        // The course itself: its data, recipes (pretraining, finetuning, problems, preferences),
        // published models and statistics. What a lesson script imports.
        .target(name: "Course", dependencies: ["Autograd", "Transformer", "BytePairEncoding", "Figures", "Chat", "Stepper",
                                               "TinyWeb", "LessonRuntime"],
                plugins: ["SourceFingerprints"]),
        // Stored artifacts are keyed by the sources that computed them: the plugin hashes them at build time.
        .plugin(name: "SourceFingerprints", capability: .buildTool(), dependencies: ["source-fingerprint"]),
        .executableTarget(name: "source-fingerprint"),
        // Reads, compiles and runs literate lessons; keeps their run records.
        .target(name: "LessonEngine", dependencies: ["LessonRuntime", "Chat", "Transformer", "Autograd"]),
        // The static HTML course report.
        .target(name: "Report", dependencies: ["LessonEngine", "LessonRuntime", "Figures", "Stepper", "Transformer"],
                swiftSettings: unoptimizedInRelease),
        .executableTarget(name: "tokenwise", dependencies: [
            "Autograd", "Transformer", "BytePairEncoding", "Figures", "Chat", "Course", "LessonEngine", "Report", "Stepper",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: unoptimizedInRelease),

        .testTarget(name: "AutogradTests", dependencies: ["Autograd"]),
        .testTarget(name: "TransformerTests", dependencies: ["Transformer", "Autograd"]),
        .testTarget(name: "BytePairEncodingTests", dependencies: ["BytePairEncoding"]),
        .testTarget(name: "FiguresTests", dependencies: ["Figures", "CCairo"]),
        .testTarget(name: "TinyWebTests", dependencies: ["TinyWeb"]),
        .testTarget(name: "CourseTests", dependencies: ["Course"]),
        // The small tokenizer and model that ChatTests and StepperTests both build on.
        .target(name: "ChatFixtures", dependencies: ["Chat", "Transformer", "BytePairEncoding"], path: "Tests/ChatFixtures"),
        .testTarget(name: "ChatTests", dependencies: ["Chat", "ChatFixtures", "Autograd", "Transformer", "BytePairEncoding"]),
        .testTarget(name: "StepperTests", dependencies: ["Stepper", "Chat", "ChatFixtures", "Autograd", "Transformer", "BytePairEncoding", "Report"]),
        .testTarget(name: "LessonRuntimeTests", dependencies: ["LessonRuntime"]),
        .testTarget(name: "LessonEngineTests", dependencies: ["LessonEngine", "Course"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "LessonEngine", "Course"]),
        .testTarget(name: "tokenwiseTests", dependencies: ["tokenwise"]),
    ],
    swiftLanguageModes: [.v5]
)
