import Course
import Foundation
import Testing
@testable import LessonEngine
@testable import Report

@Suite(.serialized) struct SweepTests {
    @Test func gridsExpandEveryCombinationFirstKeySlowest() throws {
        let grid = try SweepGrid(settings: ["a=1,2", "b=x,y,z"])
        #expect(grid.combinations == [["a=1", "b=x"], ["a=1", "b=y"], ["a=1", "b=z"],
                                      ["a=2", "b=x"], ["a=2", "b=y"], ["a=2", "b=z"]])
        #expect(grid.numericAxis?.key == "a")   // b's values are not numbers
        #expect(try SweepGrid(settings: ["seed=1,2", "lr=1e-3,2e-3"]).numericAxis?.key == "lr")   // a seed last
        #expect(try SweepGrid(settings: ["seed=1,2,3"]).numericAxis?.key == "seed")
        #expect(try SweepGrid(settings: ["lr=1e-3", "b=x,y"]).numericAxis == nil)
        #expect(throws: LessonError.self) { try SweepGrid(settings: ["a=1,,2"]) }
        #expect(throws: LessonError.self) { try SweepGrid(settings: ["a=1", "a=2"]) }
        #expect(throws: LessonError.self) { try SweepGrid(settings: ["=1"]) }
    }

    /// A 2×2 grid: a stage that depends on one key is computed once per value of that key and
    /// reused for the other's; the record holds every claim per run, and the page shows them.
    @Test func aGridReusesUpstreamStagesAndWritesItsPageAndRecord() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let lesson = try fixture.lesson("01-grid.swift", """
            //: # A grid
            import Course
            let a = param("a", 1, "input of the upstream stage", in: 1...10)
            let b = param("b", 10, "input of the downstream stage", in: 1...100)
            let upstream = try stage("up", inputs: ["a": "\\(a)"]) { a * 2 }
            let downstream = try stage("down", inputs: ["b": "\\(b)", "up": "\\(upstream)"]) { b + upstream }
            metric("sum", Double(downstream))
            expect("the sum is above 12", Double(downstream), above: 12)
            """)
        var started: [[String]] = []
        let sweep = try fixture.engine.sweep(
            lesson, grid: try SweepGrid(settings: ["a=1,2", "b=10,20"]), quick: false,
            progress: { _, _, settings in started.append(settings) })
        #expect(started == [["a=1", "b=10"], ["a=1", "b=20"], ["a=2", "b=10"], ["a=2", "b=20"]])
        #expect(sweep.runs.map { $0.metrics.first?.value } == [12, 22, 14, 24])
        #expect(sweep.tally(of: "the sum is above 12") == (held: 3, checked: 4))
        #expect(sweep.runs[0].claims.first?.value == 12 && sweep.runs[0].claims.first?.threshold == 12)
        // The upstream stage ran once per value of a: the second run of each value reused it.
        for (settings, upstream) in [(["a=1", "b=10"], "computed"), (["a=1", "b=20"], "reused"),
                                     (["a=2", "b=10"], "computed"), (["a=2", "b=20"], "reused")] {
            guard case .found(let record) = try fixture.engine.storedRecord(for: lesson, settings: settings, quick: false) else {
                Issue.record("no stored run for \(settings)"); continue
            }
            #expect(record.stages.map { "\($0.name) \($0.outcome.rawValue)" } == ["up \(upstream)", "down computed"], "\(settings)")
        }
        #expect(FileManager.default.fileExists(atPath: fixture.engine.sweepURL(sweep).path))
        #expect(fixture.engine.storedSweeps().map { $0.runs.map(\.claims) } == [sweep.runs.map(\.claims)])
        #expect(!sweep.provenance.commit.isEmpty && !sweep.provenance.blasCoreType.isEmpty)
        // Asked again, every combination is a stored run.
        let again = try fixture.engine.sweep(lesson, grid: try SweepGrid(settings: ["a=1,2", "b=10,20"]), quick: false)
        #expect(again.runs.allSatisfy { $0.reused })
        let site = SiteWriter(engine: fixture.engine, lessonsDirectory: fixture.root.appendingPathComponent("lessons"))
        let pages = try site.writeSweepPages()
        #expect(pages.count == 1 && pages[0].stale == false)
        let html = try String(contentsOf: site.siteDirectory.appendingPathComponent("sweeps").appendingPathComponent(SweepPage.fileName(sweep)), encoding: .utf8)
        #expect(html.contains("the sum is above 12") && html.contains("3 of 4") && html.contains("a=2 b=20"))
    }

    /// A sweep of the same grid after the lesson's code changed is kept beside the first one,
    /// which the report then calls stale; the same grid and code replace it.
    @Test func aSweepAfterTheCodeChangedIsKeptBesideTheOld() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        func lesson(adding extra: Int) throws -> LessonSource {
            try fixture.lesson("01-kept.swift", """
                //: # Kept
                import Course
                let a = param("a", 1, "a number", in: 1...10)
                expect("a plus \(extra) is above 2", Double(a + \(extra)), above: 2)
                """)
        }
        let grid = try SweepGrid(settings: ["a=1,2"])
        let first = try fixture.engine.sweep(try lesson(adding: 0), grid: grid, quick: false)
        let second = try fixture.engine.sweep(try lesson(adding: 1), grid: grid, quick: false)
        #expect(first.fileStem != second.fileStem && first.fileStem.hasPrefix(grid.key))
        #expect(fixture.engine.storedSweeps().count == 2)
        _ = try fixture.engine.sweep(try lesson(adding: 1), grid: grid, quick: false)
        #expect(fixture.engine.storedSweeps().count == 2)
        let site = SiteWriter(engine: fixture.engine, lessonsDirectory: fixture.root.appendingPathComponent("lessons"))
        #expect(try site.writeSweepPages().map(\.stale) == [false, true])   // current first
    }

    @Test func badValuesAreRefusedByNameBeforeAnythingRuns() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let lesson = try fixture.lesson("01-bad.swift", """
            //: # Bad values
            import Course
            let a = param("a", 1, "a number", in: 1...10)
            print(try stage("ran", inputs: ["a": "\\(a)"]) { a })
            """)
        for settings in [["a=1,x"], ["a=1,11"], ["nope=1,2"]] {
            #expect(throws: LessonError.self) {
                try fixture.engine.sweep(lesson, grid: try SweepGrid(settings: settings), quick: false)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.engine.artifactDirectory.appendingPathComponent("ran").path))
        #expect(fixture.engine.storedSweeps().isEmpty)
    }

    @Test func aSweepOfAChangedLessonIsMarkedStale() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let text = """
            //: # Stale
            import Course
            let a = param("a", 1, "a number", in: 1...10)
            metric("a", Double(a))
            """
        let lesson = try fixture.lesson("01-stale.swift", text)
        _ = try fixture.engine.sweep(lesson, grid: try SweepGrid(settings: ["a=1,2"]), quick: false)
        _ = try fixture.lesson("01-stale.swift", text + "\nmetric(\"b\", 2)")
        let site = SiteWriter(engine: fixture.engine, lessonsDirectory: fixture.root.appendingPathComponent("lessons"))
        #expect(try site.writeSweepPages().map(\.stale) == [true])
    }

    /// A sweep ends with its last combination's models in the catalog, as it says: a stored run
    /// of that combination whose model was replaced since (by another combination, run alone)
    /// runs again; the others are reused whatever the catalog holds. Each run records the
    /// models it read.
    @Test func aSweepLeavesItsLastCombinationsModelPublished() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let lesson = try fixture.lesson("01-publisher.swift", """
            //: # Publishes a model per seed
            import Course
            let seed = param("seed", 1, "the model's seed", in: 1...10)
            let tokenizer = try BPETrainer.train(text: "ab ab ab", vocabularySize: 260)
            let config = GPTConfig(vocabularySize: 260, contextLength: 8, layerCount: 1, headCount: 1, embeddingWidth: 8)
            try PublishedModel.rl.publish(try LanguageModel(name: "rl", model: GPT(config: config, seed: UInt64(seed)), tokenizer: tokenizer))
            """)
        let catalog = ModelCatalog(directory: fixture.root.appendingPathComponent(".tokenwise/models"))
        let grid = try SweepGrid(settings: ["seed=2,1"])
        let first = try fixture.engine.sweep(lesson, grid: grid, quick: false)
        #expect(first.runs.last?.status == .succeeded)
        let published = catalog.fingerprint(of: "rl")
        _ = try fixture.engine.run(lesson, settings: ["seed=2"], quick: false)   // replaces it
        #expect(catalog.fingerprint(of: "rl") != published)
        let second = try fixture.engine.sweep(lesson, grid: grid, quick: false)
        #expect(second.runs.map(\.reused) == [true, false])
        #expect(catalog.fingerprint(of: "rl") == published)

        let reader = try fixture.lesson("02-reader.swift", """
            //: # Reads it
            import Course
            let seed = param("seed", 1, "unused", in: 1...10)
            print(try PublishedModel.rl.model().model.config.summary)
            """)
        let read = try fixture.engine.sweep(reader, grid: try SweepGrid(settings: ["seed=1,2"]), quick: false)
        #expect(read.runs.allSatisfy { $0.modelsUsed == ["rl": published] })
    }

    /// The same lesson measured with other library code (lesson 7's finetuning default, a new
    /// summation order) is another run: its sweep is stale too, and a fresh one is not.
    @Test func aSweepOfAnotherLibraryIsMarkedStale() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let lesson = try fixture.lesson("01-library.swift", """
            //: # Library
            import Course
            let a = param("a", 1, "a number", in: 1...10)
            metric("a", Double(a))
            """)
        let sweep = try fixture.engine.sweep(lesson, grid: try SweepGrid(settings: ["a=1,2"]), quick: false)
        let site = SiteWriter(engine: fixture.engine, lessonsDirectory: fixture.root.appendingPathComponent("lessons"))
        #expect(try site.writeSweepPages().map(\.stale) == [false])
        let url = fixture.engine.sweepURL(sweep)
        let stored = try String(contentsOf: url, encoding: .utf8)
        let library = sweep.provenance.libraryHash
        #expect(stored.contains("\"\(library)\""))
        try stored.replacingOccurrences(of: "\"\(library)\"", with: "\"0123456789abcdef\"")
            .write(to: url, atomically: true, encoding: .utf8)
        #expect(try site.writeSweepPages().map(\.stale) == [true])
    }

    /// A sweep shipped with the course (lessons/sweeps/ID/) shows on the lesson's page: each
    /// claim's tally and each run's verdict under the sweep's provenance, marked stale once the
    /// lesson's code changes; the index links its page.
    @Test func aShippedSweepShowsOnItsLessonsPage() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let text = """
            //: # Shipped
            import Course
            let seed = param("seed", 1, "a seed", in: 1...10)
            expect("the seed is above 1", Double(seed), above: 1)
            """
        let lesson = try fixture.lesson("01-shipped.swift", text)
        let sweep = try fixture.engine.sweep(lesson, grid: try SweepGrid(settings: ["seed=1,2,3"]), quick: false)
        let lessons = fixture.root.appendingPathComponent("lessons")
        let shipped = lessons.appendingPathComponent("sweeps/\(sweep.lessonID)")
        try FileManager.default.createDirectory(at: shipped, withIntermediateDirectories: true)
        try FileManager.default.moveItem(
            at: fixture.engine.sweepURL(sweep), to: shipped.appendingPathComponent("record.json"))
        #expect(fixture.engine.storedSweeps().isEmpty)
        #expect(Engine.courseSweeps(lessonsDirectory: lessons).map(\.fileStem) == [sweep.fileStem])   // dates keep whole seconds only
        let site = SiteWriter(engine: fixture.engine, lessonsDirectory: lessons)
        func page() throws -> String {
            let source = try LessonSource(url: lessons.appendingPathComponent("01-shipped.swift"), course: lessons)
            let url = try site.writeLessonPage(try fixture.engine.run(source), source: source)
            return try String(contentsOf: url, encoding: .utf8)
        }
        let html = try page()
        #expect(html.contains("How the claims travel") && html.contains("the seed is above 1"))
        #expect(html.contains("2 of 3") && html.contains("seed=3") && html.contains("✗ ") && html.contains("✓ "))
        #expect(html.contains("measured ") && html.contains(sweep.provenance.blasCoreType))
        #expect(html.contains("../sweeps/\(SweepPage.fileName(sweep))") && !html.contains("Stale"))
        #expect(try site.writeSweepPages().map(\.stale) == [false])
        #expect(FileManager.default.fileExists(atPath: site.siteDirectory.appendingPathComponent("sweeps/\(SweepPage.fileName(sweep))").path))
        // The lesson's code changes: the shipped numbers are now another lesson's, and say so.
        _ = try fixture.lesson("01-shipped.swift", text + "\nmetric(\"more\", 1)")
        let stalePage = try page()
        #expect(stalePage.contains("Stale: this lesson's code or the library's has changed"))
        #expect(stalePage.contains("<summary><span class=\"fail\">stale (older code)</span> · "))
        // Its run at the page's settings still agrees with the page's run; a change that flips
        // the claim says which.
        #expect(stalePage.contains("each of the 1 claims they share gives the same verdict (and the same measurement)"))
        _ = try fixture.lesson("01-shipped.swift", text.replacingOccurrences(of: "above: 1)", with: "above: 0)"))
        #expect(try page().contains("1 of the 1 claims they share give another verdict here (the seed is above 1)"))
    }

    /// A shipped sweep whose lesson changed in a way that keeps every number (a comment in code,
    /// a faster hash) is reproduced by re-running its default-seed run: the record says so, the
    /// page names it, and it is current again; a change that moves a number leaves it stale.
    /// Timings may differ.
    @Test func aShippedSweepReproducedByNewCodeIsCurrentAgain() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let text = """
            //: # Reproduced
            import Course
            let seed = param("seed", 1, "a seed", in: 1...10)
            metric("the seed", Double(seed))
            metric("time", Double.random(in: 1...2), unit: "s")
            expect("the seed is above 1", Double(seed), above: 1)
            """
        let lesson = try fixture.lesson("01-reproduced.swift", text)
        let sweep = try fixture.engine.sweep(lesson, grid: try SweepGrid(settings: ["seed=2,1"]), quick: false)
        let lessons = fixture.root.appendingPathComponent("lessons")
        let shipped = lessons.appendingPathComponent("sweeps/\(sweep.lessonID)")
        try FileManager.default.createDirectory(at: shipped, withIntermediateDirectories: true)
        let file = shipped.appendingPathComponent("record.json")
        try FileManager.default.moveItem(at: fixture.engine.sweepURL(sweep), to: file)
        let site = SiteWriter(engine: fixture.engine, lessonsDirectory: lessons)
        func stored() throws -> SweepRecord { try #require(Engine.courseSweepFiles(lessonsDirectory: lessons).first).sweep }

        // The same numbers from changed code: reproduced, current, and the page says by what.
        let same = try fixture.lesson("01-reproduced.swift", text + "\nlet unused = 0")
        #expect(try site.writeSweepPages().map(\.stale) == [true])
        guard case .reproduced(let r) = try fixture.engine.reproduce(try stored(), file: file, of: same) else {
            Issue.record("not reproduced"); return
        }
        #expect(r.settings == ["seed": "1"] && r.lessonCode == Engine.codeHash(of: same))
        #expect(try stored().provenance.reproduced?.map(\.libraryHash) == [r.libraryHash])   // dates keep whole seconds only
        #expect(try site.writeSweepPages().map(\.stale) == [false])
        #expect(SweepPage(sweep: try stored(), stale: false).provenanceText().contains("reproduced"))
        guard case .alreadyCurrent = try fixture.engine.reproduce(try stored(), file: file, of: same) else {
            Issue.record("asked twice"); return
        }
        // Another such change: the page names the latest reproduction in full and counts the rest.
        let again = try fixture.lesson("01-reproduced.swift", text + "\nlet unused = 1")
        guard case .reproduced = try fixture.engine.reproduce(try stored(), file: file, of: again) else {
            Issue.record("not reproduced a second time"); return
        }
        let line = SweepPage(sweep: try stored(), stale: false).provenanceText()
        #expect(line.components(separatedBy: "; reproduced ").count == 2)
        #expect(line.contains("2 reproductions in all"))

        // A number moves: it differs, names what, and the record stays stale.
        let moved = try fixture.lesson("01-reproduced.swift", text.replacingOccurrences(of: "Double(seed))", with: "Double(seed) + 1)"))
        guard case .differs(let differences) = try fixture.engine.reproduce(try stored(), file: file, of: moved) else {
            Issue.record("a moved number was reproduced"); return
        }
        #expect(differences.contains { $0.contains("the seed") } && !differences.contains { $0.contains("time") })
        #expect(try site.writeSweepPages().map(\.stale) == [true])
        #expect(try stored().provenance.reproduced?.count == 2)   // the two above, nothing added
    }

    /// Two sweeps in which a claim holds in every run of one and in none of the other (one BLAS
    /// kernel against another, say): each sweep's line says its runs agree, and the lesson's
    /// page lists the claim as not holding across them.
    @Test func aClaimThatChangesVerdictBetweenSweepsIsListed() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let lesson = try fixture.lesson("01-two.swift", """
            //: # Two sweeps
            import Course
            let seed = param("seed", 1, "a seed", in: 1...10)
            expect("the seed is above 1", Double(seed), above: 1)
            """)
        for grid in ["seed=2,3", "seed=1"] {
            _ = try fixture.engine.sweep(lesson, grid: try SweepGrid(settings: [grid]), quick: false)
        }
        let html = try lessonPage(fixture, "01-two.swift")
        #expect(html.contains("each claim gives the same verdict in all 2 runs (1 hold, 0 fail)"))
        #expect(html.contains("one run: 0 of 1 claims hold"))
        #expect(html.contains("<li>the seed is above 1: holds in 2 of 3 runs</li>"))
    }

    /// How a page's claims travel counts only retrials of this page: runs of the current code at
    /// its settings but the seed. A stale sweep measured another lesson, and a run at another
    /// setting is an experiment.
    @Test func onlyRetrialsOfThePageAreCountedAcrossSweeps() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let text = """
            //: # Two sweeps
            import Course
            let seed = param("seed", 1, "a seed", in: 1...10)
            let rate = param("rate", 1e-3, "a rate", in: 1e-6...1)
            expect("the seed is above 1", Double(seed), above: 1)
            """
        var lesson = try fixture.lesson("01-two.swift", text)
        _ = try fixture.engine.sweep(lesson, grid: try SweepGrid(settings: ["seed=2,3"]), quick: false)
        lesson = try fixture.lesson("01-two.swift", text + "\nmetric(\"more\", rate)")
        for grid in [["seed=1,4"], ["rate=2e-3", "seed=5"], ["rate=0.001", "seed=6"]] {
            _ = try fixture.engine.sweep(lesson, grid: try SweepGrid(settings: grid), quick: false)
        }
        let html = try lessonPage(fixture, "01-two.swift")
        // seed 1 fails, seeds 4 and 6 (rate 0.001 is the default 1e-3) hold; 2, 3 and 5 are not counted.
        #expect(html.contains("<li>the seed is above 1: holds in 2 of 3 runs</li>"))
        #expect(html.contains("Across the 3 runs of this code at this page's settings (3 seeds; BLAS kernel "))
        #expect(html.contains("Not counted: stale sweeps (older code) and runs at other settings."))
    }

    /// The lesson's page after a run of its defaults, with the workspace's sweeps.
    func lessonPage(_ fixture: Fixture, _ name: String) throws -> String {
        let lessons = fixture.root.appendingPathComponent("lessons")
        let site = SiteWriter(engine: fixture.engine, lessonsDirectory: lessons)
        let source = try LessonSource(url: lessons.appendingPathComponent(name), course: lessons)
        let page = try site.writeLessonPage(try fixture.engine.run(source), source: source)
        return try String(contentsOf: page, encoding: .utf8)
    }
}

