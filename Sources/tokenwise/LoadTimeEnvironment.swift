// OpenBLAS and glibc's allocator read settings from the environment when the process loads, so
// they must be set before it starts: this process sets what is missing and runs itself again.
// - OPENBLAS_THREAD_TIMEOUT: after each call, OpenBLAS's idle threads spin (sched_yield) for
//   2^28 cycles before they sleep. On two cores that spinning holds the core our own parallel
//   kernels (GELU, attention heads, sampling) need next. At 2^4 they sleep at once; `tokenwise
//   bench` measured a training step at 37 ms (fastest of a run) against 44–53 ms, and batched
//   rollouts 15–19k tokens/s against 11–14k. Lessons inherit it.
// - OPENBLAS_CORETYPE: OpenBLAS 0.3.21 detects recent Xeons as Haswell and skips its AVX-512
//   kernels, which halves sgemm speed; SkylakeX fixes that, and must never be set on a CPU
//   without AVX-512 (illegal instructions).
// - GLIBC_TUNABLES (malloc): by default glibc hands freed memory above 128 KiB back to the
//   kernel, which must zero every page again when it is next touched. Sampling and training
//   free and allocate such buffers (logits, caches, activations) in every step: lesson 12 with
//   its start stored spent 21 s of 266 s of CPU in the kernel; with freed memory kept (never
//   trimmed, mmap only above 32 MiB, glibc's ceiling, and the heap grown 64 MiB at a time)
//   11 s. Floats are unchanged. Every child process inherits it too (lessons, swiftc).
// A setting already in the environment is left as it is; malloc settings missing from a
// GLIBC_TUNABLES set for other reasons are added to it.

import Foundation

enum LoadTimeEnvironment {
    static let coreType = "OPENBLAS_CORETYPE"
    static let threadTimeout = "OPENBLAS_THREAD_TIMEOUT"
    static let glibcTunables = "GLIBC_TUNABLES"
    static let keepFreedMemory = [
        "glibc.malloc.trim_threshold=4294967295", "glibc.malloc.mmap_threshold=33554432",
        "glibc.malloc.top_pad=67108864",
    ]

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
        let tunables = environment[glibcTunables] ?? ""
        let named = Set(tunables.split(separator: ":").map { $0.prefix { $0 != "=" } })
        let missing = keepFreedMemory.filter { !named.contains($0.prefix { $0 != "=" }) }
        if !missing.isEmpty {
            let joined = ((tunables.isEmpty ? [] : [tunables]) + missing).joined(separator: ":")
            settings.append((glibcTunables, joined))
        }
        return settings
    }

    /// Re-executes this process with the missing settings; returns when none is missing.
    static func reexecuteIfNeeded() {
        let settings = missingSettings(
            environment: ProcessInfo.processInfo.environment, hasAVX512: cpuHasAVX512)
        guard !settings.isEmpty else { return }
        let before = ProcessInfo.processInfo.environment
        for (name, value) in settings { setenv(name, value, 1) }
        var cArguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &cArguments)
        // execv only returns on failure: carry on with the environment as it was.
        for (name, _) in settings {
            if let value = before[name] { setenv(name, value, 1) } else { unsetenv(name) }
        }
    }
}
