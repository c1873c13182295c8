import Testing
@testable import tokenwise

@Suite struct LoadTimeEnvironmentTests {
    @Test func setsTheThreadTimeoutAndMallocEverywhereAndTheCoreTypeOnlyWhereAVX512Exists() {
        let plain = LoadTimeEnvironment.missingSettings(environment: [:], hasAVX512: false)
        #expect(plain.map(\.0) == ["OPENBLAS_THREAD_TIMEOUT", "GLIBC_TUNABLES"])
        #expect(plain[0].1 == "4")
        #expect(
            plain[1].1 == "glibc.malloc.trim_threshold=4294967295:glibc.malloc.mmap_threshold=33554432:"
                + "glibc.malloc.top_pad=67108864")
        let avx512 = LoadTimeEnvironment.missingSettings(environment: [:], hasAVX512: true)
        #expect(avx512.map(\.0) == ["OPENBLAS_THREAD_TIMEOUT", "OPENBLAS_CORETYPE", "GLIBC_TUNABLES"])
        #expect(avx512[1].1 == "SkylakeX")
    }

    @Test func leavesWhatIsAlreadySetAlone() {
        let set = [
            "OPENBLAS_THREAD_TIMEOUT": "28", "OPENBLAS_CORETYPE": "Haswell",
            "GLIBC_TUNABLES": "glibc.malloc.trim_threshold=0:glibc.malloc.mmap_threshold=0:glibc.malloc.top_pad=0",
        ]
        #expect(LoadTimeEnvironment.missingSettings(environment: set, hasAVX512: true).isEmpty)
        // Re-executed once, the process finds all set and runs on: no loop.
        let again = LoadTimeEnvironment.missingSettings(environment: [:], hasAVX512: false)
        #expect(
            LoadTimeEnvironment.missingSettings(
                environment: Dictionary(uniqueKeysWithValues: again), hasAVX512: false
            ).isEmpty)
    }

    @Test func addsTheMallocSettingsMissingFromTunablesSetForOtherReasons() {
        let other = ["GLIBC_TUNABLES": "glibc.malloc.arena_max=1:glibc.malloc.top_pad=0"]
        let settings = LoadTimeEnvironment.missingSettings(environment: other, hasAVX512: false)
        #expect(
            settings.last! == (
                "GLIBC_TUNABLES",
                "glibc.malloc.arena_max=1:glibc.malloc.top_pad=0:glibc.malloc.trim_threshold=4294967295:"
                    + "glibc.malloc.mmap_threshold=33554432"
            ))
    }
}
