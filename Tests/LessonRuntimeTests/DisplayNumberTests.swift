import LessonRuntime
import Testing

@Suite struct DisplayNumberTests {
    @Test func numbersReadAsPeopleWriteThem() {
        #expect(displayNumber(14420.3) == "14420")      // never 1.442e+04
        #expect(displayNumber(-2500) == "-2500")
        #expect(displayNumber(7) == "7")
        #expect(displayNumber(0.37617) == "0.3762")
        #expect(displayNumber(42.574) == "42.57")
        #expect(displayNumber(999.96) == "1000")
    }
}
