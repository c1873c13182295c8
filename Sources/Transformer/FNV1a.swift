// The 64-bit FNV-1a hash as 16 hex digits: the one stable hash of stored things (stage keys,
// model fingerprints). Not for security; for telling contents apart.
// Why a raw-buffer path: a generic sequence hashed from another module runs unspecialised, a
// witness call per byte, and a flattened one (a model's weights, buffer after buffer) asks the
// runtime's metadata cache on every byte: about a second per model, under a lock that two
// trainings side by side fight over. Bytes are hashed in the same order either way, so every
// value is unchanged.

import Foundation

public struct FNV1a {
    public private(set) var state: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    /// Adds `bytes` after those added before.
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var h = state
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        state = h
    }

    public var hex: String { String(format: "%016llx", state) }

    public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        var hasher = FNV1a()
        hasher.add(bytes)
        return hasher.hex
    }

    public static func hex(_ text: String) -> String {
        var text = text
        return text.withUTF8 { hex(UnsafeRawBufferPointer($0)) }
    }

    @inlinable
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if let hash = bytes.withContiguousStorageIfAvailable({ hex(UnsafeRawBufferPointer($0)) }) {
            return hash
        }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(format: "%016llx", h)
    }
}
