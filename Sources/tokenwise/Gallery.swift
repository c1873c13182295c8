// `tokenwise gallery DIR`: every chart kind rendered to PNG and SVG, to look at.

import ArgumentParser
import Figures
import Foundation

struct Gallery: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render one example of every chart kind to PNG and SVG.",
        discussion: """
            Examples:
              tokenwise gallery out/gallery
              tokenwise gallery out/gallery --theme dark
            """)

    @Argument(help: "Folder to write into (created if missing).")
    var directory: String

    @Option(help: "light or dark.")
    var theme: String = "light"

    func run() throws {
        guard let theme = Theme(rawValue: theme) else {
            throw CommandError("--theme must be light or dark, not '\(theme)'")
        }
        let folder = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, figure) in FigureGallery.examples() {
            let options = RenderOptions(theme: theme, idPrefix: "\(name)-")
            try FigureRenderer.png(figure, options: options).write(
                to: folder.appendingPathComponent("\(name).png"), options: .atomic)
            try Data(FigureRenderer.svg(figure, options: options).utf8).write(
                to: folder.appendingPathComponent("\(name).svg"), options: .atomic)
            print("\(name).png, \(name).svg")
        }
    }
}
