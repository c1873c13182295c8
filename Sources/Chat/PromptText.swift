// A prompt arrives as bytes (a command-line argument, a file): it must be UTF-8, and a clear
// error names where it is not, instead of a silent replacement character.

public struct PromptError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

public enum PromptText {
    /// The text of `bytes`, or an error naming `source` and the first offending byte.
    public static func decode(_ bytes: [UInt8], source: String = "the prompt") throws -> String {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        var scalars = String.UnicodeScalarView()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                scalars.append(scalar)
                offset += UTF8.width(scalar)
            case .emptyInput:
                return String(scalars)
            case .error:
                let byte = offset < bytes.count ? bytes[offset] : 0
                throw PromptError(
                    description:
                        "\(source) is not valid UTF-8: byte 0x\(String(byte, radix: 16, uppercase: true)) at offset \(offset)"
                )
            }
        }
    }
}
