// swift-tools-version:6.0
// Tokenwise: a small GPT built, trained and shown stage by stage on the CPU.
// Arrows run one way: Autograd → Transformer → Stepper → (lesson API → engine → report) → CLI;
// BytePairEncoding and Figures depend on nothing of ours.
import PackageDescription

// Kernels are hot loops over unsafe buffers: bounds are checked by the kernels' own
// preconditions and tests, so the release build drops Swift's per-access checks there.
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
        // What a lesson script imports.
        // Inference one token at a time: the state behind `tokenwise step` and its page.
        .target(name: "Stepper", dependencies: ["Autograd", "Transformer", "BytePairEncoding"]),
        .target(name: "Course", dependencies: ["Autograd", "Transformer", "BytePairEncoding", "Figures", "Stepper", "TinyWeb"],
                plugins: ["SourceFingerprints"]),
        // Stored artifacts are keyed by the sources that computed them: the plugin hashes them at build time.
        .plugin(name: "SourceFingerprints", capability: .buildTool(), dependencies: ["source-fingerprint"]),
        .executableTarget(name: "source-fingerprint"),
        // Reads, compiles and runs literate lessons; keeps their run records.
        .target(name: "LessonEngine", dependencies: ["Course"]),
        // The static HTML course report.
        .target(name: "Report", dependencies: ["LessonEngine", "Course", "Figures", "Stepper"]),
        .target(name: "Transformer", dependencies: ["Autograd", "COpenBLAS"], swiftSettings: kernelSettings),
        .executableTarget(name: "tokenwise", dependencies: [
            "Autograd", "Transformer", "BytePairEncoding", "Figures", "Course", "LessonEngine", "Report", "Stepper",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "AutogradTests", dependencies: ["Autograd"]),
        .testTarget(name: "TransformerTests", dependencies: ["Transformer", "Autograd"]),
        .testTarget(name: "BytePairEncodingTests", dependencies: ["BytePairEncoding"]),
        .testTarget(name: "FiguresTests", dependencies: ["Figures", "CCairo"]),
        .testTarget(name: "TinyWebTests", dependencies: ["TinyWeb"]),
        .testTarget(name: "CourseTests", dependencies: ["Course"]),
        .testTarget(name: "StepperTests", dependencies: ["Stepper", "Autograd", "Transformer", "BytePairEncoding", "Report"]),
        .testTarget(name: "LessonEngineTests", dependencies: ["LessonEngine", "Course"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "LessonEngine", "Course"]),
        .testTarget(name: "tokenwiseTests", dependencies: ["tokenwise"]),
    ],
    swiftLanguageModes: [.v5]
)
