// `tokenwise gallery DIR`: every chart kind rendered to PNG and SVG, to look at.

import ArgumentParser
import Figures
import Foundation
import Transformer

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
        for (name, figure) in FigureGallery.examples() {
            let options = RenderOptions(theme: theme, idPrefix: "\(name)-")
            try AtomicFile.write(
                FigureRenderer.png(figure, options: options),
                to: folder.appendingPathComponent("\(name).png"))
            try AtomicFile.write(
                Data(FigureRenderer.svg(figure, options: options).utf8),
                to: folder.appendingPathComponent("\(name).svg"))
            print("\(name).png, \(name).svg")
        }
    }
}
