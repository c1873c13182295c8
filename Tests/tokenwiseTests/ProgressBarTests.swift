import Testing
@testable import tokenwise

@Suite struct ProgressBarTests {
    // A lesson may report `progress(step: 2, of: 1)` or a negative step: a full or empty bar, never a trap.
    @Test(arguments: [(2.0, 24), (-1.0, 0), (Double.nan, 0), (Double.infinity, 24), (0.5, 12)])
    func theBarStaysWithinItsWidth(fraction: Double, filled: Int) {
        let bar = ProgressBar.bar(fraction)
        #expect(bar.count == 24 && bar.filter { $0 == "█" }.count == filled)
    }
}
