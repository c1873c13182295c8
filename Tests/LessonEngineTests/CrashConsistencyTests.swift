// kill -9 in the middle of writing: a lesson that stores stage after stage and publishes model
// after model is killed by the engine's time limit (SIGKILL) at three different moments; a
// report is killed while it writes its pages. Each time, what was stored before is intact and
// the next run finds a consistent store: every stored stage loads its own value, the published
// model is one that was published whole, and every page is a whole page.

import Course
import Foundation
import Testing
@testable import LessonEngine

@Suite(.serialized) struct CrashConsistencyTests {
    static let config = GPTConfig(vocabularySize: 260, contextLength: 8, layerCount: 1, headCount: 2, embeddingWidth: 16)

    /// Stores stage i (a 2 MB artifact holding i) and publishes the model of seed i, forever.
    static let writer = """
    //: # Writes until killed
    import Course
    import Foundation
    let config = GPTConfig(vocabularySize: 260, contextLength: 8, layerCount: 1, headCount: 2, embeddingWidth: 16)
    let tokenizer = try BPETrainer.train(text: "ab ab ab", vocabularySize: 260)
    var i = 0
    while true {
        let value = try stage("big", inputs: ["i": "\\(i)"]) { [Double](repeating: Double(i), count: 250_000) }
        precondition(value.count == 250_000 && value.allSatisfy { $0 == Double(i) })
        print("stored \\(i)")
        try PublishedModel.catalog.publish(try LanguageModel(name: "m", model: GPT(config: config, seed: UInt64(i)), tokenizer: tokenizer), as: "m")
        print("published \\(i)")
        i += 1
    }
    """

    @Test(arguments: [2.5, 3.2, 3.9])   // long enough to store a stage on a busy machine
    func aKilledStageOrPublishLeavesEveryStoredThingWhole(limit: Double) throws {
        let fixture = try Fixture(timeLimit: limit)
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let lesson = try fixture.lesson("01-writer.swift", Self.writer)
        let record = try fixture.engine.run(lesson)   // the limit counts the run, not the compile
        #expect(record.status == .timedOut)
        let text = record.cells.flatMap(\.outputs).compactMap { if case .text(let t) = $0 { return t } else { return nil } }.joined(separator: "\n")
        let stored = text.split(separator: "\n").compactMap { $0.hasPrefix("stored ") ? Int($0.dropFirst(7)) : nil }.max() ?? -1
        let published = text.split(separator: "\n").compactMap { $0.hasPrefix("published ") ? Int($0.dropFirst(10)) : nil }.max() ?? -1
        try #require(stored >= 1, "the writer stored too little before the kill to test anything:\n\(text.suffix(300))")
        print("killed after \(limit) s: \(stored + 1) stages stored, \(published + 1) models published")

        // Every stage the run reported stored loads its own value, without recomputing: asked
        // as the lesson asks (Course's stage, keyed by the library's computing code too).
        let artifacts = fixture.root.appendingPathComponent(".tokenwise/artifacts")
        for i in 0...stored {
            var recomputed = false
            let value: [Double] = try stage("big", inputs: ["i": "\(i)"], in: artifacts) {
                recomputed = true
                return [Double](repeating: Double(i), count: 250_000)
            }
            #expect(!recomputed, "stage \(i) was reported stored but had to be recomputed")
            #expect(value.count == 250_000 && value.allSatisfy { $0 == Double(i) })
        }
        // The one in flight, if any, is either whole or absent: asking for it gives its value.
        let next: [Double] = try stage("big", inputs: ["i": "\(stored + 1)"], in: artifacts) { [Double](repeating: Double(stored + 1), count: 250_000) }
        #expect(next.allSatisfy { $0 == Double(stored + 1) })

        // The published model is one that was published whole: the last reported, or the one after.
        let catalog = ModelCatalog(directory: fixture.root.appendingPathComponent(".tokenwise/models"))
        #expect(catalog.names == ["m"], "the catalog shows \(catalog.names)")
        let model = try catalog.load("m")
        let fingerprint = Finetuning.fingerprint(model.model)
        let candidates = [published, published + 1].filter { $0 >= 0 }
        #expect(candidates.contains { Finetuning.fingerprint(GPT(config: Self.config, seed: UInt64($0))) == fingerprint },
                "the published model is none of seeds \(candidates)")
    }

    @Test func aKilledReportLeavesWholePages() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let tokenwise = root.appendingPathComponent(".build/debug/tokenwise")
        try #require(FileManager.default.isExecutableFile(atPath: tokenwise.path), "\(tokenwise.path) is built by `swift test`")
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        for n in 1...3 {
            let lesson = try fixture.lesson("0\(n)-page.swift", """
            //: # Page \(n)
            import Course
            show(.bar(BarChart(title: "bars", bars: (0..<200).map { .init(label: "b\\($0)", value: Double($0)) })))
            for line in 0..<2000 { print("line \\(line) of a long page") }
            """)
            _ = try fixture.engine.run(lesson)
        }
        let site = fixture.root.appendingPathComponent(".tokenwise/site")
        /// Runs `tokenwise render`, killed after `microseconds` if it is still running then.
        func render(killAfter microseconds: useconds_t?) throws -> Bool {
            let process = Process()
            process.executableURL = tokenwise
            process.arguments = ["render"]
            process.currentDirectoryURL = fixture.root
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            var killed = false
            if let microseconds {
                usleep(microseconds)
                if process.isRunning { kill(process.processIdentifier, SIGKILL); killed = true }
            }
            process.waitUntilExit()
            return killed
        }
        // A whole site first, so that every kill below lands on pages that already exist.
        _ = try render(killAfter: nil)
        try #require(try pages(in: site).count >= 4, "a render left to finish wrote no pages")
        var killed = 0
        for attempt in 0..<12 {
            if try render(killAfter: useconds_t(20_000 + attempt * 25_000)) { killed += 1 }   // 20 ms … 295 ms in
            for page in try pages(in: site) {
                let html = try String(contentsOf: page, encoding: .utf8)
                #expect(html.lowercased().hasPrefix("<!doctype html>") && html.hasSuffix("</html>\n"), "\(page.lastPathComponent) is torn after a kill at attempt \(attempt)")
            }
        }
        #expect(killed > 0, "every render finished before its kill: the test killed nothing")
        #expect(try pages(in: site).count >= 4, "the renders wrote no pages")
        print("\(killed) of 12 renders killed mid-way; every page whole")
    }

    /// The site's visible pages (a temporary file being written starts with a dot).
    func pages(in site: URL) throws -> [URL] {
        guard let files = FileManager.default.enumerator(at: site, includingPropertiesForKeys: nil) else { return [] }
        return files.compactMap { $0 as? URL }.filter { $0.pathExtension == "html" && !$0.lastPathComponent.hasPrefix(".") }
    }
}
