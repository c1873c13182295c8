import Testing
@testable import tokenwise

@Suite struct ChatCommandTests {
    @Test func theSurpriseGateTakesAPositiveNumberOfNats() throws {
        let command = try ChatCommand.parse(["--model", "sft", "--refuse-above", "4.35"])
        #expect(command.refuseAbove == 4.35 && command.gateModel == nil)   // the gate asks base
        #expect(try ChatCommand.parse([]).refuseAbove == nil)
        for bad in ["--refuse-above=-1", "--refuse-above=0", "--refuse-above=nan", "--refuse-above=inf", "--refuse-above=many"] {
            #expect(throws: (any Error).self) { try ChatCommand.parse([bad]) }
        }
    }

    /// Issue 34: `--gate-model` without `--refuse-above` was ignored without a word.
    @Test func aGateModelWithoutAThresholdIsRefused() throws {
        #expect(try ChatCommand.parse(["--gate-model", "base", "--refuse-above", "4"]).gateModel == "base")
        let message = ChatCommand.message(for: error { try ChatCommand.parse(["--gate-model", "base"]) })
        #expect(message.contains("--gate-model base does nothing without --refuse-above"), "\(message)")
    }

    /// Issue 34: a temperature above 0 but below ~1e-38 printed NUL characters, exit 0.
    @Test func aTemperatureTooSmallToDivideByIsRefusedByName() throws {
        for command in [{ try ChatCommand.parse(["--temperature", "1e-40"]) as Any }, { try StepCommand.parse(["x", "--temperature", "1e-40"]) as Any }] {
            let message = ChatCommand.message(for: error(command))
            #expect(message.contains("--temperature 1e-40 is too small to divide by"), "\(message)")
        }
        #expect(try ChatCommand.parse(["--temperature", "0"]).temperature == 0)
    }

    /// Issue 34: `--time-limit nan` disabled the limit; 0 and -1 replaced the page with a failed run.
    @Test(arguments: ["nan", "0", "-1", "inf"])
    func aTimeLimitMustBeSecondsAboveZero(value: String) throws {
        let message = Run.message(for: error { try Run.parse(["1", "--time-limit=\(value)"]) })
        #expect(message.contains("--time-limit must be a number of seconds above 0"), "\(message)")
    }

    /// Issue 34: an invalid-UTF-8 `--system` was silently repaired (U+FFFD for its bad bytes).
    @Test func anArgumentThatIsNotUTF8IsRefusedNamingWhere() {
        let arguments: [[UInt8]] = [Array("chat".utf8), Array("--system".utf8), [0x61, 0x62, 0xFF, 0x63]]
        #expect(Tokenwise.invalidArgument(arguments) == "argument 3 (ab\u{FFFD}c) is not valid UTF-8 from byte 2; pass text and paths as UTF-8")
        #expect(Tokenwise.invalidArgument([Array("héllo".utf8)]) == nil)
    }

    func error(_ body: () throws -> Any) -> any Error {
        do { _ = try body() } catch { return error }
        Issue.record("no error")
        return CommandError("no error")
    }
}
