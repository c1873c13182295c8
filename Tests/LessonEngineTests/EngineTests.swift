// Runs real fixture lessons: compiled with swiftc against the library's dynamic product
// (`make test` builds it first).

import Course
import Foundation
import Testing
@testable import LessonEngine

/// A scratch workspace with its own lessons folder.
struct Fixture {
    let root: URL
    let engine: Engine

    init(timeLimit: TimeInterval = 120) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("lessons"), withIntermediateDirectories: true)
        engine = Engine(workspace: root.appendingPathComponent(".tokenwise"), toolchain: try Toolchain.locate(), timeLimit: timeLimit)
    }

    func lesson(_ name: String, _ text: String) throws -> LessonSource {
        let url = root.appendingPathComponent("lessons").appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return try LessonSource(text: text, url: url, displayPath: "lessons/\(name)")
    }
}

@Suite(.serialized) struct EngineTests {
    @Test func everyEventTypeReachesTheRecord() throws {
        let fixture = try Fixture()
        let lesson = try fixture.lesson("01-events.swift", """
        //: # Every event
        import Course
        print("printed line")
        show("shown text")
        //: ## Outputs
        show(.bar(BarChart(title: "bars", bars: [.init(label: "a", value: 1)])))
        show(Table(title: "t", columns: ["x"], rows: [["1"]]))
        metric("m", 2.5, unit: "u")
        expect("two is above one", 2, above: 1)
        progress("work", step: 5, of: 5)
        let value = try stage("s", inputs: ["k": "v"]) { 42 }
        print("stage value \\(value)")
        """)
        let record = try fixture.engine.run(lesson)
        #expect(record.status == .succeeded)
        #expect(record.cells.map(\.status) == [.ok, .ok])
        #expect(record.cells[0].outputs == [.text("printed line\nshown text")])
        let outputs = record.cells[1].outputs
        #expect(outputs.contains { if case .figure(_, let f) = $0 { return f.title == "bars" } else { return false } })
        #expect(outputs.contains(.table(Table(title: "t", columns: ["x"], rows: [["1"]]))))
        #expect(outputs.contains(.metric(Metric(name: "m", value: 2.5, unit: "u"))))
        #expect(outputs.contains(.expectation(ExpectationResult(claim: "two is above one", measured: "2 > 1", passed: true, value: 2, threshold: 1))))
        #expect(outputs.contains(.progress(ProgressReport(label: "work", step: 5, total: 5))))
        #expect(outputs.contains(.text("stage value 42")))
        #expect(record.stages.map(\.name) == ["s"] && record.stages[0].outcome == .computed)
        #expect(record.provenance.compileCached == false)
        // Stored, and found again for the same settings.
        guard case .found(let stored) = try fixture.engine.storedRecord(for: lesson, quick: false) else { Issue.record("no stored record"); return }
        var normalised = stored
        normalised.provenance.startedAt = record.provenance.startedAt   // stored to the second (ISO 8601)
        #expect(normalised == record)
        #expect(abs(stored.provenance.startedAt.timeIntervalSince(record.provenance.startedAt)) < 1)
        // A second run reuses the compiled binary and the stage.
        let again = try fixture.engine.run(lesson)
        #expect(again.provenance.compileCached && again.stages[0].outcome == .reused)
    }

    @Test func compileErrorsNameTheLessonLineAndNothingRuns() throws {
        let fixture = try Fixture()
        let lesson = try fixture.lesson("02-broken.swift", """
        //: # Broken
        import Course
        print("never printed")
        //: ## The error
        let x: Int = "text"
        """)
        let record = try fixture.engine.run(lesson)
        #expect(record.status == .compileFailed)
        #expect(record.compileErrors.count == 1)
        #expect(record.compileErrors[0].hasPrefix("lessons/02-broken.swift:5:14: error: "), "\(record.compileErrors)")
        #expect(record.cells.allSatisfy { $0.status == .notRun && $0.outputs.isEmpty })
    }

    @Test func aCrashIsReportedInItsCellAndLaterCellsDoNotRun() throws {
        let fixture = try Fixture()
        let lesson = try fixture.lesson("03-crash.swift", """
        import Course
        print("before")
        //: ## Crashes
        let numbers = [1, 2, 3]
        let index = numbers.count + Int.random(in: 1...1)
        print(numbers[index])
        //: ## Never
        print("after")
        """)
        let record = try fixture.engine.run(lesson)
        #expect(record.status == .failed)
        #expect(record.cells.map(\.status) == [.ok, .failed, .notRun])
        #expect(record.cells[1].error?.contains("crashed") == true, "\(record.cells[1].error ?? "")")
        #expect(record.cells[1].error?.contains("Index out of range") == true)
        #expect(record.cells[0].outputs == [.text("before")])
    }

    @Test func aThrownErrorIsReportedInItsCell() throws {
        let fixture = try Fixture()
        let lesson = try fixture.lesson("04-throws.swift", """
        import Course
        struct BadInput: Error, CustomStringConvertible { var description: String { "the corpus file is missing" } }
        //: ## Throws
        func load() throws -> Int { throw BadInput() }
        let value = try load()
        //: ## Never
        print(value)
        """)
        let record = try fixture.engine.run(lesson)
        #expect(record.cells.map(\.status) == [.ok, .failed, .notRun])
        #expect(record.cells[1].error == "thrown error: the corpus file is missing", "\(record.cells[1].error ?? "")")
    }

    @Test func aRunawayLessonIsStoppedAtTheTimeLimit() throws {
        let fixture = try Fixture(timeLimit: 4)
        let lesson = try fixture.lesson("05-forever.swift", """
        import Course
        //: ## Forever
        var n = 0
        while true { n &+= 1 }
        """)
        let record = try fixture.engine.run(lesson)
        #expect(record.status == .timedOut)
        #expect(record.cells[1].status == .failed && record.cells[1].error?.contains("time limit of 4 s") == true)
    }

    @Test func aLessonLeavingAChildBehindIsStillStoppedAtTheTimeLimit() throws {
        let fixture = try Fixture(timeLimit: 3)
        let lesson = try fixture.lesson("05-child.swift", """
        import Course
        import Foundation
        //: ## A child that outlives the lesson, holding its output pipe
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        try child.run()
        while true { usleep(1000) }
        """)
        let started = Date()
        let record = try fixture.engine.run(lesson)
        #expect(record.status == .timedOut)
        #expect(Date().timeIntervalSince(started) < 20, "the run waited for the lesson's child")
    }

    /// Issue 34: kill -9 of `tokenwise run` left the lesson running (it stored a stage 3.5 s later).
    @Test func aLessonDiesWithTheProcessThatRunsIt() throws {
        let fixture = try Fixture()
        let lesson = try fixture.lesson("05-orphan.swift", """
        import Course
        import Foundation
        //: ## Sleeps when asked to, with a child of its own
        print("engine pid seen: \\(ProcessInfo.processInfo.environment["TOKENWISE_ENGINE_PID"] ?? "none")")
        if ProcessInfo.processInfo.environment["ORPHAN_SLEEP"] == "1" {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/bin/sleep")
            child.arguments = ["30"]
            try child.run()
            print("child \\(child.processIdentifier)")
            sleep(30)
        }
        """)
        let record = try fixture.engine.run(lesson)   // compiles it
        #expect(record.status == .succeeded)
        #expect(record.cells.flatMap(\.outputs).contains(.text("engine pid seen: none")), "programs the lesson starts would be watched too")
        let binary = try #require(FileManager.default.enumerator(atPath: fixture.root.path)?
            .compactMap { $0 as? String }.first { $0.hasSuffix("/lesson") })
        // A stand-in for `tokenwise run`: a shell that starts the lesson as the engine does, then is killed.
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "TOKENWISE_ENGINE_PID=$$ \"$0\" & echo \"lesson $!\"; wait", fixture.root.appendingPathComponent(binary).path]
        shell.environment = ["TOKENWISE_ENGINE": "1", "ORPHAN_SLEEP": "1",
                             "TOKENWISE_ARTIFACTS": fixture.root.appendingPathComponent("artifacts").path]
        // Nothing it starts holds the test run's own output: `swift test` waits for every holder.
        shell.standardInput = FileHandle.nullDevice
        shell.standardError = FileHandle.nullDevice
        let output = Pipe()
        shell.standardOutput = output
        try shell.run()
        var lessonPid: pid_t?, childPid: pid_t?
        defer {   // whatever the expectations say, nothing this test started outlives it
            kill(shell.processIdentifier, SIGKILL)
            for pid in [lessonPid, childPid].compactMap({ $0 }) { kill(pid, SIGKILL) }
        }
        // The shell's line and the lesson's may come in either order, so each is found by its prefix.
        func pid(after prefix: String, in text: String) -> pid_t? {
            text.split(separator: "\n").dropLast(text.hasSuffix("\n") ? 0 : 1)
                .first { $0.hasPrefix(prefix) }.flatMap { pid_t($0.dropFirst(prefix.count)) }
        }
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while (lessonPid == nil || childPid == nil) && Date() < deadline {
            text += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            lessonPid = pid(after: "lesson ", in: text)
            childPid = pid(after: "child ", in: text)
        }
        let lessonProcess = try #require(lessonPid, "the shell did not say which process is the lesson: \(text)")
        let child = try #require(childPid, "the lesson did not say which process is its child: \(text)")
        kill(shell.processIdentifier, SIGKILL)
        shell.waitUntilExit()
        func alive(_ pid: pid_t) -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
            return !stat.contains(") Z ")   // a zombie waits for its reaper, it runs nothing
        }
        let killed = Date()
        while (alive(lessonProcess) || alive(child)) && Date().timeIntervalSince(killed) < 2 { usleep(20_000) }
        #expect(!alive(lessonProcess), "the lesson outlived the process that ran it")
        #expect(!alive(child), "the lesson's own child outlived it")
    }

    @Test func childProcessesLeaveNoOpenDescriptors() throws {
        func openDescriptors() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count }
        _ = try Subprocess.run("/bin/echo", ["warm up"])
        let before = try openDescriptors()
        for _ in 0..<40 { _ = try Subprocess.run("/bin/echo", ["hello"]) }
        #expect(try openDescriptors() <= before + 2, "descriptors leak with each child process")
    }

    @Test func printsCannotForgeEventsAndAnEarlyExitIsNoSuccess() throws {
        let fixture = try Fixture()
        let lesson = try fixture.lesson("05-forge.swift", """
        import Course
        import Foundation
        //: ## Forged
        print("\\u{1E}{\\"expectation\\":{\\"_0\\":{\\"claim\\":\\"forged\\",\\"measured\\":\\"x\\",\\"passed\\":true}}}")
        let started = (try? String(contentsOfFile: "/proc/self/environ", encoding: .utf8)) ?? ""
        // The block the process started with: the key's bytes must be gone from it too.
        let keyThere = started.split(separator: "\\0").contains { entry in
            entry.hasPrefix("TOKENWISE_EVENT_KEY=") && entry.dropFirst(20).contains { $0 != "0" }
        }
        print(ProcessInfo.processInfo.environment["TOKENWISE_EVENT_KEY"] ?? (keyThere ? "key in /proc/self/environ" : "no key"))
        //: ## Stops early
        exit(0)
        //: ## Never runs
        expect("never checked", true, measured: "-")
        """)
        let record = try fixture.engine.run(lesson)
        #expect(record.expectations.isEmpty, "a printed line became a claim")
        #expect(record.cells[1].outputs.count == 1 && record.cells[1].outputs.first.map { if case .text(let t) = $0 { t.hasSuffix("no key") } else { false } } == true)
        #expect(record.status == .failed)
        #expect(record.cells[2].status == .failed && record.cells[2].error?.contains("exit()") == true)
        #expect(record.cells[3].status == .notRun)
    }

    @Test func printedTextIsKeptUpToALimit() throws {
        let fixture = try Fixture()
        let lines = LessonRunner.textLimit / 20   // about twice the limit
        let lesson = try fixture.lesson("05-loud.swift", """
        import Course
        //: ## Loud
        for i in 0..<\(lines) { print("line \\(i): thirty-odd bytes of text.") }
        """)
        let record = try fixture.engine.run(lesson)
        #expect(record.status == .succeeded)
        guard case .text(let text)? = record.cells[1].outputs.first else { Issue.record("no text"); return }
        #expect(text.hasPrefix("line 0: ") && text.utf8.count <= LessonRunner.textLimit + 200)
        #expect(text.hasSuffix("more lines printed, not kept: a cell keeps 4 MB of text]"))
    }

    @Test func aChangedParameterRecomputesOnlyItsDependants() throws {
        let fixture = try Fixture()
        let lesson = try fixture.lesson("06-stages.swift", """
        import Course
        let a = param("a", 1, "input of stage A")
        let b = param("b", 10, "input of stage B")
        let first = try stage("A", inputs: ["a": "\\(a)"]) { a * 2 }
        let second = try stage("B", inputs: ["b": "\\(b)", "A": "\\(first)"]) { b + first }
        print(second)
        """)
        let initial = try fixture.engine.run(lesson)
        #expect(initial.stages.map(\.outcome) == [.computed, .computed])
        let changed = try fixture.engine.run(lesson, settings: ["b=20"])
        #expect(changed.stages.map(\.name) == ["A", "B"])
        #expect(changed.stages.map(\.outcome) == [.reused, .computed])
        #expect(changed.cells[0].outputs == [.text("22")])
        #expect(changed.parameters.changed == ["b": "20"])
        let unchanged = try fixture.engine.run(lesson, settings: ["b=20"])
        #expect(unchanged.stages.map(\.outcome) == [.reused, .reused])
    }

    @Test func aCorruptArtifactIsRecomputedWithAWarning() throws {
        let fixture = try Fixture()
        let lesson = try fixture.lesson("07-artifact.swift", """
        import Course
        let value = try stage("numbers", inputs: ["n": "3"]) { [1, 2, 3] }
        print(value.count)
        """)
        _ = try fixture.engine.run(lesson)
        let stage = fixture.engine.artifactDirectory.appendingPathComponent("numbers")
        let keys = try FileManager.default.contentsOfDirectory(atPath: stage.path).filter { !$0.hasSuffix(".lock") }
        #expect(keys.count == 1)
        let stored = stage.appendingPathComponent(keys[0]).appendingPathComponent("value.json")
        try Data("[1, 2".utf8).write(to: stored)   // truncated
        let record = try fixture.engine.run(lesson)
        #expect(record.status == .succeeded)
        #expect(record.stages[0].outcome == .recomputed)
        #expect(record.stages[0].warning?.contains("did not load") == true)
        #expect(record.cells[0].outputs == [.text("3")])
        // Valid JSON of the right type, but not what was stored.
        try Data("[7, 7, 7, 7]".utf8).write(to: stored)
        let again = try fixture.engine.run(lesson)
        #expect(again.stages[0].outcome == .recomputed)
        #expect(again.stages[0].warning?.contains("changed after it was stored (value.json)") == true)
        #expect(again.cells[0].outputs == [.text("3")])
    }

    /// A lesson that read a published model is stale once another model is published under
    /// that name, and fresh again when the same weights come back.
    @Test func aRecordGoesStaleWhenAModelItReadIsPublishedAgain() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let tokenizer = try BPETrainer.train(text: "ab ab ab", vocabularySize: 260)
        let config = GPTConfig(vocabularySize: 260, contextLength: 8, layerCount: 1, headCount: 1, embeddingWidth: 8)
        func model(seed: UInt64) throws -> LanguageModel { try LanguageModel(name: "m", model: GPT(config: config, seed: seed), tokenizer: tokenizer) }
        let catalog = ModelCatalog(directory: fixture.root.appendingPathComponent(".tokenwise/models"))
        try catalog.publish(try model(seed: 1), as: "m")
        let lesson = try fixture.lesson("01-reader.swift", """
        //: # Reads a published model
        import Course
        let m = try PublishedModel.catalog.load("m")
        print(m.model.config.summary)
        """)
        let record = try fixture.engine.run(lesson)
        #expect(record.status == .succeeded && record.modelsUsed?.keys.sorted() == ["m"])
        guard case .found = try fixture.engine.storedRecord(for: lesson, quick: false) else { Issue.record("fresh record not found"); return }
        try catalog.publish(try model(seed: 2), as: "m")
        guard case .unusable(let reason) = try fixture.engine.storedRecord(for: lesson, quick: false) else {
            Issue.record("a record about the old model was still used"); return
        }
        #expect(reason.contains("'m'"))
        try catalog.publish(try model(seed: 1), as: "m")
        guard case .found = try fixture.engine.storedRecord(for: lesson, quick: false) else { Issue.record("same weights, yet stale"); return }
    }

    @Test func aCorruptRecordIsReportedNotTrusted() throws {
        let fixture = try Fixture()
        let lesson = try fixture.lesson("08-record.swift", "import Course\nprint(1)\n")
        let record = try fixture.engine.run(lesson)
        let url = fixture.engine.recordURL(lessonID: record.lessonID, parameters: record.parameters, quick: false)
        try Data("{\"format\": 1, \"lessonID\":".utf8).write(to: url)
        guard case .unusable(let reason) = try fixture.engine.storedRecord(for: lesson, quick: false) else {
            Issue.record("a corrupt record was used"); return
        }
        #expect(reason.contains("corrupt or from an older version"))
        // Valid JSON, the right source hash, but a cell cut out.
        var cut = try fixture.engine.run(lesson)
        cut.cells.removeLast()
        try fixture.engine.save(cut)
        guard case .unusable(let cutReason) = try fixture.engine.storedRecord(for: lesson, quick: false) else {
            Issue.record("a record without the lesson's cells was used"); return
        }
        #expect(cutReason.contains("does not hold the lesson's cells"))
    }

    @Test func badParametersAreRefusedBeforeCompiling() throws {
        let fixture = try Fixture()
        let lesson = try fixture.lesson("09-params.swift", "import Course\nlet n = param(\"n\", 3, \"a count\", in: 1...5)\nprint(n)\n")
        #expect(throws: LessonError.self) { try fixture.engine.run(lesson, settings: ["m=2"]) }
        #expect(throws: LessonError.self) { try fixture.engine.run(lesson, settings: ["n=9"]) }
        #expect(!FileManager.default.fileExists(atPath: fixture.engine.workspace.appendingPathComponent("build").path))
        let record = try fixture.engine.run(lesson, settings: ["n=5"], quick: true)
        #expect(record.cells[0].outputs == [.text("5")])
    }

    @Test func theCodeHashFollowsTheCodeNotTheProse() throws {
        let fixture = try Fixture()
        func hash(_ name: String, prose: String, code: String) throws -> [Output] {
            try fixture.engine.run(try fixture.lesson(name, "//: # \(prose)\nimport Course\n\(code)\nprint(LessonContext.codeHash)\n")).cells[0].outputs
        }
        let first = try hash("01-a.swift", prose: "One", code: "let x = 1")
        let reworded = try hash("02-b.swift", prose: "Reworded", code: "let x = 1")
        let changed = try hash("03-c.swift", prose: "One", code: "let x = 2")
        #expect(first == reworded)
        #expect(first != changed)
        #expect(first != [.text("")])
    }
}
