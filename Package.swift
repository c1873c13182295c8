// swift-tools-version:6.0
// Tokenwise: a small GPT built, trained and shown stage by stage on the CPU.
// Arrows run one way: Autograd → Transformer → (lesson API → engine → report) → tokenwise CLI.
import PackageDescription

// Kernels are hot loops over unsafe buffers: bounds are checked by the kernels' own
// preconditions and tests, so the release build drops Swift's per-access checks there.
let kernelSettings: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "Tokenwise",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tokenwise", targets: ["tokenwise"]),
        // Lesson scripts are compiled at run time against this dynamic library.
        .library(name: "TokenwiseKit", type: .dynamic, targets: ["Autograd", "Transformer"]),
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
        .target(name: "Transformer", dependencies: ["Autograd", "COpenBLAS"], swiftSettings: kernelSettings),
        .executableTarget(name: "tokenwise", dependencies: [
            "Autograd", "Transformer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "AutogradTests", dependencies: ["Autograd"]),
        .testTarget(name: "TransformerTests", dependencies: ["Transformer", "Autograd"]),
    ],
    swiftLanguageModes: [.v5]
)
