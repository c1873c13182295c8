import Foundation
import Testing
@testable import LessonEngine
@testable import LessonRuntime
@testable import Report

@Suite struct IndexPageTests {
    func record(stages: [StageReport]) -> RunRecord {
        RunRecord(format: 1, lessonID: "04-x", title: "X", path: "lessons/04-x.swift", sourceHash: "0", declarations: [],
                  parameters: ParameterValues(values: [:], changed: [:]), quick: false, status: .succeeded,
                  compileErrors: [], cells: [], stages: stages,
                  provenance: Provenance(codeVersion: "abc", libraryHash: "def", machine: "test machine",
                                         startedAt: Date(timeIntervalSince1970: 0), compileSeconds: 0.4,
                                         compileCached: true, runSeconds: 130))
    }

    /// The outline says how long each lesson ran and how much of it went into computing stages.
    @Test func theOutlineShowsRunTimeAndComputeTime() {
        let trained = record(stages: [StageReport(name: "pretrain", key: "a", outcome: .computed, seconds: 100),
                                      StageReport(name: "tokenizer", key: "b", outcome: .reused, seconds: 0.5),
                                      StageReport(name: "finetune", key: "c", outcome: .recomputed, seconds: 20)])
        #expect(IndexPage.computeText(trained) == " (computing stages 2 min 00 s)")
        #expect(IndexPage.computeText(record(stages: [StageReport(name: "t", key: "b", outcome: .reused, seconds: 1)])) == "")
        // A pair of finetunes side by side: their stages add up to more than the run's 130 s.
        let pair = record(stages: [StageReport(name: "finetune", key: "d", outcome: .computed, seconds: 100),
                                   StageReport(name: "finetune", key: "e", outcome: .computed, seconds: 90)])
        #expect(IndexPage.computeText(pair) == " (computing stages 3 min 10 s, some side by side)")
        let html = IndexPage(entries: [.init(id: "04-x", title: "X", record: trained, note: nil)]).html()
        #expect(html.contains("<td>2 min 10 s (computing stages 2 min 00 s)</td>"))
    }
}
