import LessonRuntime
import Testing

@Suite struct RateTests {
    @Test(arguments: [(0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0), (93, 150, 0.5404, 0.6936)])
    func wilsonIntervals(hits: Int, count: Int, low: Double, high: Double) {
        let interval = Rate(hits: hits, of: count).interval
        #expect(abs(interval.low - low) < 1e-3 && abs(interval.high - high) < 1e-3)
    }

    @Test func description() {
        #expect(Rate(hits: 93, of: 150).description == "62% (93 of 150; 95% CI 54–69%)")
        #expect(Rate([1, 2, 3, 4], where: { $0 > 1 }) == Rate(hits: 3, of: 4))
    }
}
