// The character classes the pre-tokenizer patterns are written in — \p{L} (letters), \p{N}
// (numbers), \s (White_Space) and everything else — read straight from UTF-8 bytes.
// Bytes that are not valid UTF-8 count as one "other" character each, so any byte string
// can be split (and round-trips). The Basic Multilingual Plane goes through a table built
// once (64 KB); rarer scalars (emoji, historic scripts) ask Swift's Unicode properties.

enum CharacterClass: UInt8 {
    case letter = 0, number = 1, whitespace = 2, other = 3

    static func of(_ scalar: Unicode.Scalar) -> CharacterClass {
        let properties = scalar.properties
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }
}

/// Decodes characters from a UTF-8 buffer and classifies them.
struct CharacterReader {
    let bytes: UnsafePointer<UInt8>
    let end: Int

    /// Class of every scalar below U+10000 (surrogate code points, never decoded, are "other").
    static let planeZeroClasses: [CharacterClass] = (0..<0x10000).map { value in
        Unicode.Scalar(UInt32(value)).map(CharacterClass.of) ?? .other
    }

    /// (class, byte length) of the character starting at `i` (< end).
    @inline(__always)
    func character(at i: Int) -> (CharacterClass, Int) {
        let b0 = bytes[i]
        if b0 < 0x80 { return (Self.planeZeroClasses.withUnsafeBufferPointer { $0[Int(b0)] }, 1) }
        guard let (scalar, length) = decodeMultibyte(at: i) else { return (.other, 1) }
        if scalar < 0x10000 {
            return (Self.planeZeroClasses.withUnsafeBufferPointer { $0[Int(scalar)] }, length)
        }
        return (CharacterClass.of(Unicode.Scalar(scalar)!), length)
    }

    /// Class of the character at `i`, or nil at the end.
    @inline(__always)
    func characterClass(at i: Int) -> CharacterClass? {
        i < end ? character(at: i).0 : nil
    }

    /// A valid 2–4 byte sequence (no overlongs, no surrogates, ≤ U+10FFFF), or nil.
    @inline(__always)
    func decodeMultibyte(at i: Int) -> (UInt32, Int)? {
        let b0 = UInt32(bytes[i])
        func continuation(_ k: Int) -> UInt32? {
            guard i + k < end else { return nil }
            let b = UInt32(bytes[i + k])
            return b & 0xC0 == 0x80 ? b & 0x3F : nil
        }
        switch b0 {
        case 0xC2...0xDF:
            guard let c1 = continuation(1) else { return nil }
            return ((b0 & 0x1F) << 6 | c1, 2)
        case 0xE0...0xEF:
            guard let c1 = continuation(1), let c2 = continuation(2) else { return nil }
            let value = (b0 & 0x0F) << 12 | c1 << 6 | c2
            guard value >= 0x800, !(0xD800...0xDFFF).contains(value) else { return nil }
            return (value, 3)
        case 0xF0...0xF4:
            guard let c1 = continuation(1), let c2 = continuation(2), let c3 = continuation(3)
            else { return nil }
            let value = (b0 & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
            guard (0x10000...0x10FFFF).contains(value) else { return nil }
            return (value, 4)
        default:
            return nil
        }
    }
}
