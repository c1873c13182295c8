import Foundation
import Testing
@testable import LessonEngine

func source(_ text: String, path: String = "lessons/07-fixture.swift") throws -> LessonSource {
    try LessonSource(text: text, url: URL(fileURLWithPath: "/tmp/" + path), displayPath: path)
}

@Suite struct LessonSourceTests {
    let text = """
    import Course
    let a = 1
    //: # Title here
    //: Some *prose*.

    let b = param("b", 2, "the b", quick: 1, in: 0...10)
    //: ## Second
    print(b)
    """

    @Test func cellsFollowTheProseBlocks() throws {
        let lesson = try source(text)
        #expect(lesson.cells.count == 3)
        #expect(lesson.cells[0].prose == "" && lesson.cells[0].code == "import Course\nlet a = 1" && lesson.cells[0].codeLine == 1)
        #expect(lesson.cells[1].prose == "# Title here\nSome *prose*." && lesson.cells[1].firstLine == 3 && lesson.cells[1].codeLine == 6)
        #expect(lesson.cells[2].prose == "## Second" && lesson.cells[2].code == "print(b)" && lesson.cells[2].codeLine == 8)
        #expect(lesson.title == "Title here")
        #expect(lesson.id == "07-fixture")
    }

    @Test func instrumentationKeepsLineNumbers() throws {
        let lesson = try source(text)
        let lines = lesson.instrumented().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "import Course")
        #expect(lines[1] == "import LessonRuntime")
        #expect(lines[2] == "#sourceLocation(file: \"lessons/07-fixture.swift\", line: 1)")
        // Original line n is instrumented line n + 3.
        #expect(lines[3 + 2] == "LessonRuntime._beginCell(1)")
        #expect(lines[3 + 3] == "//: Some *prose*.")
        #expect(lines[3 + 6] == "LessonRuntime._beginCell(2)")
        #expect(lines[3 + 7] == "print(b)")
        #expect(lines.suffix(2) == ["LessonRuntime._endLesson()", ""])
    }

    @Test func parametersAreReadFromTheSource() throws {
        let lesson = try source("""
        let steps = param("steps", 2_000, "optimisation steps", quick: 50, in: 1...100000)
        let lr = param("lr", 1e-3, "learning rate", in: 1e-5...1)
        let name = param("corpus", "tiny-web", "which text")
        let flag = param("verbose", false, "print more")
        let neg = param("offset", -2, "an offset")
        """)
        #expect(lesson.parameters.map(\.name) == ["steps", "lr", "corpus", "verbose", "offset"])
        #expect(lesson.parameters.map(\.kind) == [.int, .double, .string, .bool, .int])
        #expect(lesson.parameters[0].defaultValue == "2000" && lesson.parameters[0].quickValue == "50" && lesson.parameters[0].upperBound == "100000")
        #expect(lesson.parameters[1].lowerBound == "1e-5" && lesson.parameters[1].upperBound == "1")
        #expect(lesson.parameters[4].defaultValue == "-2" && lesson.parameters[4].line == 5)
    }

    @Test func lessonsOutsideTheCourseAreNamedByTheirFolderToo() throws {
        let course = URL(fileURLWithPath: "/course/lessons")
        #expect(LessonSource.identifier(URL(fileURLWithPath: "/course/lessons/04-training.swift"), course: course) == "04-training")
        let a = LessonSource.identifier(URL(fileURLWithPath: "/home/a/notes.swift"), course: course)
        let b = LessonSource.identifier(URL(fileURLWithPath: "/home/b/notes.swift"), course: course)
        #expect(a.hasPrefix("notes-") && b.hasPrefix("notes-") && a != b)
    }

    @Test func aParamInACommentDeclaresNothing() throws {
        let lesson = try source("""
        // let ghost = param("ghost", 1, "in a line comment")
        let real = param("real", 2, "doc") // param("ghost2", 1, "after the code")
        /* param("ghost3", 1, "in a block comment")
           param("ghost4", 1, "still in it") */ let label = "// param(\\"not\\", 1, \\"x\\")"
        """)
        #expect(lesson.parameters.map(\.name) == ["real"])
    }

    @Test func aNumberTooSmallForADoubleIsRefused() throws {
        let lesson = try source("let lr = param(\"lr\", 1e-3, \"learning rate\")\n")
        #expect(throws: LessonError("--set lr=1e-400: parameter 'lr': '1e-400' is too small to hold as a number (it would become 0)")) {
            try ParameterValues(declarations: lesson.parameters, settings: ["lr=1e-400"], quick: false, lesson: "x")
        }
        #expect(try ParameterValues(declarations: lesson.parameters, settings: ["lr=0.0e-400"], quick: false, lesson: "x").values == ["lr": "0.0e-400"])
    }

    /// Issue 34: `--set k=1 --set k=2` was accepted, the last winning without a word.
    @Test func aParameterSetTwiceIsRefusedByName() throws {
        let lesson = try source("let lr = param(\"lr\", 1e-3, \"learning rate\")\n")
        #expect(throws: LessonError("--set lr: given 2 times (lr=1e-2, lr=1e-4); give it once")) {
            try ParameterValues(declarations: lesson.parameters, settings: ["lr=1e-2", "lr=1e-4"], quick: false, lesson: "x")
        }
        #expect(throws: LessonError("--set lr: given 2 times (lr=1e-2, lr=1e-2); give it once")) {
            try ParameterValues(declarations: lesson.parameters, settings: ["lr=1e-2", "lr=1e-2"], quick: false, lesson: "x")
        }
    }

    @Test func aParameterMayBeWrappedOverLines() throws {
        let lesson = try source("let lr = param(\n    \"lr\", 1e-3,\n    \"learning rate\", quick: 3e-3, in: 1e-5...1)\nlet n = param(\"n\", 2, \"count\")\n")
        #expect(lesson.parameters.map(\.name) == ["lr", "n"])
        #expect(lesson.parameters[0].quickValue == "3e-3" && lesson.parameters[0].upperBound == "1")
        #expect(lesson.parameters[0].line == 1)
    }

    @Test func nonLiteralParametersAreRefusedWithTheLine() {
        #expect(throws: LessonError("lessons/07-fixture.swift:2: param(...) needs literal arguments — name, default, doc, then optionally quick: and in: — so that `tokenwise list` can read it")) {
            try source("let x = 1\nlet y = param(\"y\", x, \"doc\")\n")
        }
        #expect(throws: LessonError("lessons/07-fixture.swift:2: parameter 'a' is declared twice")) {
            try source("let a = param(\"a\", 1, \"doc\")\nlet b = param(\"a\", 2, \"doc\")\n")
        }
    }

    @Test func settingsAreCheckedBeforeAnythingRuns() throws {
        let lesson = try source(text)
        let values = try ParameterValues(declarations: lesson.parameters, settings: ["b=7"], quick: false, lesson: lesson.displayPath)
        #expect(values.values == ["b": "7"] && values.changed == ["b": "7"])
        #expect(try ParameterValues(declarations: lesson.parameters, settings: [], quick: true, lesson: "x").values == ["b": "1"])
        #expect(throws: LessonError("--set bb=3: lessons/07-fixture.swift has no parameter 'bb' (did you mean 'b'?); it has b")) {
            try ParameterValues(declarations: lesson.parameters, settings: ["bb=3"], quick: false, lesson: lesson.displayPath)
        }
        #expect(throws: LessonError("--set b=x: parameter 'b' is an integer; 'x' is not")) {
            try ParameterValues(declarations: lesson.parameters, settings: ["b=x"], quick: false, lesson: "x")
        }
        #expect(throws: LessonError("--set b=11: parameter 'b' must be in 0...10; 11 is outside")) {
            try ParameterValues(declarations: lesson.parameters, settings: ["b=11"], quick: false, lesson: "x")
        }
        #expect(throws: LessonError("--set b: expected name=value")) {
            try ParameterValues(declarations: lesson.parameters, settings: ["b"], quick: false, lesson: "x")
        }
    }

    @Test func missingLessonsAreNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lessons-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data("//: # A\n".utf8).write(to: directory.appendingPathComponent("03-alpha.swift"))
        #expect(try Engine.resolve("3", in: directory).lastPathComponent == "03-alpha.swift")
        #expect(try Engine.resolve("alpha", in: directory).lastPathComponent == "03-alpha.swift")
        #expect(try Engine.resolve("03-alpha", in: directory).lastPathComponent == "03-alpha.swift")
        #expect(throws: LessonError.self) { try Engine.resolve("beta", in: directory) }
        do { _ = try Engine.resolve("beta", in: directory) } catch { #expect("\(error)".contains("no lesson 'beta'") && "\(error)".contains("03-alpha")) }
        #expect(throws: LessonError.self) { try Engine.resolve("/nonexistent/x.swift", in: directory) }
        #expect(throws: LessonError.self) { try LessonSource(url: URL(fileURLWithPath: "/nonexistent/x.swift")) }
    }
}

@Suite struct HarnessMarkerTests {
    @Test func harnessRunsFromItsMarkerToTheEndOfTheCellOrItsEndMarker() throws {
        let text = """
        //: # A lesson
        let taught = 1

        // harness: metric assembly
        metric("m", 1)

        //: ## Next
        // harness: loading the stage
        let loaded = 2
        // end harness
        let taughtAgain = loaded
        //: ## Last
        let plain = 3
        """
        let lesson = try LessonSource(text: text, url: URL(fileURLWithPath: "/tmp/01-h.swift"), displayPath: "01-h.swift")
        #expect(lesson.cells[0].codeParts == [
            .init(code: "let taught = 1", firstLine: 2, harness: nil),
            .init(code: "metric(\"m\", 1)", firstLine: 5, harness: "metric assembly"),
        ])
        #expect(lesson.cells[1].codeParts == [
            .init(code: "let loaded = 2", firstLine: 9, harness: "loading the stage"),
            .init(code: "let taughtAgain = loaded", firstLine: 11, harness: nil),
        ])
        #expect(lesson.cells[2].codeParts == [.init(code: "let plain = 3", firstLine: 13, harness: nil)])
        // The markers are comments: the compiled lesson keeps them as they are.
        #expect(lesson.instrumented().contains("// harness: metric assembly\nmetric(\"m\", 1)"))
    }
}
