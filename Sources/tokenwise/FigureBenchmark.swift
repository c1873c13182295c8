// `tokenwise bench --figures`: time to render a 64×64 labelled heatmap and a 4-series,
// 2,000-point line chart, to PNG and to SVG.

import Figures
import Foundation

enum FigureBenchmark {
    static func run() throws {
        let heatmap = Figure.heatmap(FigureGallery.largeHeatmap())
        let line = Figure.line(FigureGallery.lossCurves(points: 2000, series: 4))
        print("figure rendering (best of 5, scale 2 for PNG)")
        for (name, figure) in [
            ("64×64 labelled heatmap", heatmap), ("4 series × 2,000 points line chart", line),
        ] {
            var pngBytes = 0, svgBytes = 0
            let png = best { pngBytes = (try? FigureRenderer.png(figure))?.count ?? 0 }
            let svg = best { svgBytes = (try? FigureRenderer.svg(figure))?.utf8.count ?? 0 }
            print(
                "  " + name.padding(toLength: 36, withPad: " ", startingAt: 0)
                    + String(
                        format: "PNG %7.1f ms (%4d KB)   SVG %7.1f ms (%4d KB)", png * 1000,
                        pngBytes / 1024, svg * 1000, svgBytes / 1024))
        }
    }

    static func best(_ body: () -> Void) -> Double {
        (0..<5).map { _ in
            let start = DispatchTime.now()
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        }.min()!
    }
}
