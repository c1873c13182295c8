// Decodes a PNG with Cairo to read pixels back (tests only).

import CCairo
import Foundation

struct PNGPixels {
    let width: Int
    let height: Int
    private let data: [UInt8]
    private let stride: Int

    init(_ png: Data) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-\(UUID().uuidString).png")
        try png.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let surface = cairo_image_surface_create_from_png(url.path)!
        defer { cairo_surface_destroy(surface) }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else { throw CocoaError(.fileReadCorruptFile) }
        width = Int(cairo_image_surface_get_width(surface))
        height = Int(cairo_image_surface_get_height(surface))
        stride = Int(cairo_image_surface_get_stride(surface))
        let base = cairo_image_surface_get_data(surface)!
        data = Array(UnsafeBufferPointer(start: base, count: stride * height))
    }

    /// (r, g, b) in 0…255 at pixel (x, y) (opaque images: no un-premultiplying needed).
    func rgb(_ x: Int, _ y: Int) -> (Int, Int, Int) {
        let offset = y * stride + x * 4   // ARGB32 native-endian: B, G, R, A in memory
        return (Int(data[offset + 2]), Int(data[offset + 1]), Int(data[offset]))
    }

    /// Whether pixel (x, y) is within `tolerance` of the colour 0xRRGGBB on every channel.
    func matches(_ x: Int, _ y: Int, hex: UInt32, tolerance: Int = 3) -> Bool {
        let (r, g, b) = rgb(x, y)
        return abs(r - Int(hex >> 16 & 0xFF)) <= tolerance && abs(g - Int(hex >> 8 & 0xFF)) <= tolerance && abs(b - Int(hex & 0xFF)) <= tolerance
    }
}
