// OpenBLAS 0.3.21 detects recent Xeons as Haswell and skips its AVX-512 kernels, which halves
// sgemm speed. OPENBLAS_CORETYPE=SkylakeX fixes that, but only if set before the library
// loads, and it must never be set on a CPU without AVX-512 (illegal instructions).

import Foundation

enum OpenBLASEnvironment {
    static let variable = "OPENBLAS_CORETYPE"

    /// Whether /proc/cpuinfo lists the avx512f flag.
    static var cpuHasAVX512: Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return false }
        return info.split(separator: "\n").contains { $0.hasPrefix("flags") && $0.split(separator: " ").contains("avx512f") }
    }

    /// Re-executes this process with OPENBLAS_CORETYPE=SkylakeX where that helps; returns when not.
    static func reexecuteWithCoreTypeIfNeeded() {
        guard ProcessInfo.processInfo.environment[variable] == nil, cpuHasAVX512 else { return }
        setenv(variable, "SkylakeX", 1)
        let arguments = CommandLine.arguments
        var cArguments = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &cArguments)
        // execv only returns on failure: carry on with the detected kernels.
        unsetenv(variable)
    }
}
