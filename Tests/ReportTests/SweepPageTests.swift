// A sweep's own page: its claims plotted against the setting that varied.

import Figures
import Foundation
import Testing
@testable import LessonEngine
@testable import Report

@Suite struct SweepPageTests {
    /// The shipped sweeps ran seeds 2, 3 and 1 in that order: each claim's line goes through
    /// them in the setting's order, and the panels keep their own scales (different claims).
    @Test func claimsArePlottedInTheSettingsOrderEachOnItsOwnScale() throws {
        let lessons = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("lessons")
        let sweep = try #require(Engine.courseSweeps(lessonsDirectory: lessons).first { $0.runs.count > 2 })
        guard case .smallMultiples(let panels)? = SweepPage(sweep: sweep, stale: false).claimFigure() else {
            Issue.record("no claim figure"); return
        }
        #expect(panels.sharedScale == false && panels.title.contains("each on its own scale"))
        for case .line(let chart) in panels.figures {
            for series in chart.series { #expect(series.x == series.x.sorted(), "\(chart.title): \(series.x)") }
        }
    }
}
