// Writing the static site into the workspace: site/index.html, site/lessons/<id>.html (lessons
// from outside the course: site/scratch/<id>.html) and
// site/style.css (copied from assets/). Pages link to each other and to the stylesheet by
// relative paths and inline their figures, so the site opens from file:// with no network.
// Every file is written atomically.

import LessonRuntime
import Transformer
import Foundation
import LessonEngine

public struct SiteWriter {
    public let engine: Engine
    public let lessonsDirectory: URL

    public init(engine: Engine, lessonsDirectory: URL) {
        self.engine = engine
        self.lessonsDirectory = lessonsDirectory
    }

    public var siteDirectory: URL { engine.workspace.appendingPathComponent("site") }

    /// Where pages of lessons from outside the course go.
    public static let scratchFolder = "scratch"

    /// Writes one lesson's page (and the stylesheet); returns the page's location.
    @discardableResult
    public func writeLessonPage(_ record: RunRecord, source: LessonSource) throws -> URL {
        let course = (try? Engine.lessons(in: lessonsDirectory)) ?? []
        let position = course.firstIndex {
            $0.url.standardizedFileURL == source.url.standardizedFileURL
        }
        let previous = position.flatMap { $0 > 0 ? course[$0 - 1] : nil }.map { ($0.id, $0.title) }
        let next = position.flatMap { $0 + 1 < course.count ? course[$0 + 1] : nil }.map {
            ($0.id, $0.title)
        }
        let page = LessonPage(
            record: record, previous: previous, next: next,
            position: position.map { (number: $0 + 1, count: course.count) },
            sweeps: position == nil ? [] : allSweeps().filter { $0.sweep.lessonID == record.lessonID && !$0.sweep.quick })
        // A lesson from outside the course (`tokenwise run ~/notes.swift`) gets its page in
        // site/scratch/, apart from the course's own pages, at the same depth (same links).
        let folder = position == nil ? Self.scratchFolder : "lessons"
        let url = siteDirectory.appendingPathComponent(folder).appendingPathComponent(
            "\(record.lessonID).html")
        try AtomicFile.write(Data(page.html().utf8), to: url)
        for case .stepThrough(let s) in record.cells.flatMap(\.outputs) {
            let file = siteDirectory.appendingPathComponent("steps").appendingPathComponent(
                LessonPage.stepThroughFile(lesson: record.lessonID, name: s.name))
            let back = (href: "../\(folder)/\(record.lessonID).html", label: record.title)
            try AtomicFile.write(
                Data(StepThroughPage.html(s.recording, title: s.title, back: back).utf8), to: file)
        }
        try writeStylesheet()
        return url
    }

    /// Writes the index with the outline and report card.
    @discardableResult
    public func writeIndex(
        _ entries: [(source: LessonSource, record: RunRecord?, note: String?)]
    ) throws -> URL {
        let sweeps = try writeSweepPages()
        // Pages of lessons the course no longer has (renamed or renumbered) would link to
        // pages that are gone: the index is the course as it is now.
        let folder = siteDirectory.appendingPathComponent("lessons")
        let current = Set(entries.map { "\($0.source.id).html" })
        for file in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        where file.hasSuffix(".html") && !current.contains(file) {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(file))
        }
        let page = IndexPage(
            entries: entries.map {
                .init(id: $0.source.id, title: $0.source.title, record: $0.record, note: $0.note)
            }, sweeps: sweeps)
        let url = siteDirectory.appendingPathComponent("index.html")
        try AtomicFile.write(Data(page.html().utf8), to: url)
        try writeStylesheet()
        return url
    }

    /// Writes a page for every sweep stored in the workspace or shipped with the course; returns
    /// them with whether each is stale (its lesson's code or the library's changed since).
    @discardableResult
    public func writeSweepPages() throws -> [(sweep: SweepRecord, stale: Bool)] {
        let lessons = (try? Engine.lessons(in: lessonsDirectory)) ?? []
        let sweeps = allSweeps()
        for (sweep, stale) in sweeps {
            try writeSweepPage(sweep, stale: stale, inCourse: lessons.contains { $0.id == sweep.lessonID })
        }
        return sweeps
    }

    /// The course's shipped sweeps and the workspace's, each with whether it is stale; where
    /// both hold a sweep of the same grid, kernel and code (one page), the workspace's, measured
    /// here, is the one kept.
    func allSweeps() -> [(sweep: SweepRecord, stale: Bool)] {
        let lessons = (try? Engine.lessons(in: lessonsDirectory)) ?? []
        let own = engine.storedSweeps()
        let shipped = Engine.courseSweeps(lessonsDirectory: lessonsDirectory).filter { sweep in
            !own.contains { SweepPage.fileName($0) == SweepPage.fileName(sweep) }
        }
        // Stale: measured with other library code (another finetuning default, another summation
        // order: another run, as for a stored lesson run) or another version of the lesson,
        // unless that code reproduced it since (`tokenwise sweep --reproduce`). A lesson outside
        // the course cannot be checked from here: only the library counts.
        let library = engine.toolchain.libraryHash
        let marked = (shipped + own).map { sweep in
            let lesson = lessons.first { $0.id == sweep.lessonID }
            let code = lesson.map { Engine.codeHash(of: $0) } ?? sweep.provenance.lessonCode
            return (sweep: sweep, stale: !sweep.isCurrent(lessonCode: code, libraryHash: library))
        }
        // By lesson; within a lesson, current sweeps first, then stale ones, each group newest first.
        return marked.sorted {
            ($0.sweep.lessonID, $0.stale ? 1 : 0, $1.sweep.provenance.date)
                < ($1.sweep.lessonID, $1.stale ? 1 : 0, $0.sweep.provenance.date)
        }
    }

    /// Writes one sweep's page; returns its location.
    @discardableResult
    public func writeSweepPage(_ sweep: SweepRecord, stale: Bool, inCourse: Bool = true) throws -> URL {
        let url = siteDirectory.appendingPathComponent("sweeps").appendingPathComponent(
            SweepPage.fileName(sweep))
        let page = SweepPage(sweep: sweep, stale: stale, lessonFolder: inCourse ? "lessons" : Self.scratchFolder)
        try AtomicFile.write(Data(page.html().utf8), to: url)
        try writeStylesheet()
        return url
    }

    func writeStylesheet() throws {
        let source = engine.toolchain.packageRoot.appendingPathComponent("assets/style.css")
        guard let css = FileManager.default.contents(atPath: source.path) else {
            throw LessonError("\(source.path): missing (the report's stylesheet ships in assets/)")
        }
        try AtomicFile.write(css, to: siteDirectory.appendingPathComponent("style.css"))
    }
}
