import Testing
@testable import tokenwise

@Suite struct OpenBLASEnvironmentTests {
    @Test func setsTheThreadTimeoutAndTheCoreTypeOnlyWhereAVX512Exists() {
        let plain = OpenBLASEnvironment.missingSettings(environment: [:], hasAVX512: false)
        #expect(plain.map(\.0) == ["OPENBLAS_THREAD_TIMEOUT"] && plain[0].1 == "4")
        let avx512 = OpenBLASEnvironment.missingSettings(environment: [:], hasAVX512: true)
        #expect(avx512.map(\.0) == ["OPENBLAS_THREAD_TIMEOUT", "OPENBLAS_CORETYPE"] && avx512[1].1 == "SkylakeX")
    }

    @Test func leavesWhatIsAlreadySetAlone() {
        let set = ["OPENBLAS_THREAD_TIMEOUT": "28", "OPENBLAS_CORETYPE": "Haswell"]
        #expect(OpenBLASEnvironment.missingSettings(environment: set, hasAVX512: true).isEmpty)
        // Re-executed once, the process finds both set and runs on: no loop.
        #expect(OpenBLASEnvironment.missingSettings(environment: ["OPENBLAS_THREAD_TIMEOUT": "4"], hasAVX512: false).isEmpty)
    }
}
