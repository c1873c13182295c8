// The 64-bit FNV-1a hash as 16 hex digits: the one stable hash of stored things (stage keys,
// model fingerprints). Not for security; for telling contents apart.

import Foundation

public enum FNV1a {
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(format: "%016llx", h)
    }
}
