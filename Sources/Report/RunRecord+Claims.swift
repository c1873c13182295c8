// A run's claims with the cell that made each: the report card links its claims to them, and a
// lesson page's closing "What this run showed" lists them (one helper, so both say the same).

import LessonEngine
import LessonRuntime

extension RunRecord {
    /// Every claim of the run in the order it was made, with the index of its cell.
    var claimsWithCells: [(cell: Int, claim: ExpectationResult)] {
        cells.flatMap { cell in
            cell.outputs.compactMap { output -> (cell: Int, claim: ExpectationResult)? in
                if case .expectation(let e) = output { return (cell.cell.index, e) }
                return nil
            }
        }
    }
}
