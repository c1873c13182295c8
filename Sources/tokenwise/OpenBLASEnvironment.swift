// OpenBLAS reads two settings from the environment when it loads, so they must be set before
// the process starts: this process sets what is missing and runs itself again.
// - OPENBLAS_THREAD_TIMEOUT: after each call, OpenBLAS's idle threads spin (sched_yield) for
//   2^28 cycles before they sleep. On two cores that spinning holds the core our own parallel
//   kernels (GELU, attention heads, sampling) need next. At 2^4 they sleep at once; `tokenwise
//   bench` measured a training step at 37 ms (fastest of a run) against 44–53 ms, and batched
//   rollouts 15–19k tokens/s against 11–14k. Lessons inherit it.
// - OPENBLAS_CORETYPE: OpenBLAS 0.3.21 detects recent Xeons as Haswell and skips its AVX-512
//   kernels, which halves sgemm speed; SkylakeX fixes that, and must never be set on a CPU
//   without AVX-512 (illegal instructions).
// A setting already in the environment is left as it is.

import Foundation

enum OpenBLASEnvironment {
    static let coreType = "OPENBLAS_CORETYPE"
    static let threadTimeout = "OPENBLAS_THREAD_TIMEOUT"

    /// Whether /proc/cpuinfo lists the avx512f flag.
    static var cpuHasAVX512: Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else {
            return false
        }
        return info.split(separator: "\n").contains {
            $0.hasPrefix("flags") && $0.split(separator: " ").contains("avx512f")
        }
    }

    /// The settings this process should add to its environment (none already set).
    static func missingSettings(
        environment: [String: String], hasAVX512: Bool
    ) -> [(String, String)] {
        var settings: [(String, String)] = []
        if environment[threadTimeout] == nil { settings.append((threadTimeout, "4")) }
        if environment[coreType] == nil && hasAVX512 { settings.append((coreType, "SkylakeX")) }
        return settings
    }

    /// Re-executes this process with the missing settings; returns when none is missing.
    static func reexecuteIfNeeded() {
        let settings = missingSettings(
            environment: ProcessInfo.processInfo.environment, hasAVX512: cpuHasAVX512)
        guard !settings.isEmpty else { return }
        for (name, value) in settings { setenv(name, value, 1) }
        var cArguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &cArguments)
        // execv only returns on failure: carry on with OpenBLAS's defaults.
        for (name, _) in settings { unsetenv(name) }
    }
}
