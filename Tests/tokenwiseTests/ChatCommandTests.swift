import Testing
@testable import tokenwise

@Suite struct ChatCommandTests {
    @Test func theSurpriseGateTakesAPositiveNumberOfNats() throws {
        let command = try ChatCommand.parse(["--model", "sft", "--refuse-above", "4.35"])
        #expect(command.refuseAbove == 4.35 && command.gateModel == "base")
        #expect(try ChatCommand.parse([]).refuseAbove == nil)
        for bad in ["--refuse-above=-1", "--refuse-above=0", "--refuse-above=nan", "--refuse-above=inf", "--refuse-above=many"] {
            #expect(throws: (any Error).self) { try ChatCommand.parse([bad]) }
        }
    }
}
