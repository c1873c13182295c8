// A prompt arrives as bytes (a command-line argument, a file): it must be UTF-8, and a clear
// error names where it is not, instead of a silent replacement character.

public struct PromptError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

public enum PromptText {
    /// The most bytes of one text we take (a prompt, a system message, a chat line): far more
    /// than any context holds, and a 100 MB prompt took `step` 65 s and 4.8 GB to refuse.
    public static let byteLimit = 1 << 20

    /// An error naming `source` when `count` bytes are over `byteLimit`.
    public static func checkSize(_ count: Int, source: String = "the prompt") throws {
        guard count > byteLimit else { return }
        throw PromptError(
            description:
                "\(source) is over \(byteLimit / (1 << 20)) MiB (\(count > byteLimit + 1 ? "\(count) bytes; " : "")a model's context holds a few thousand tokens at most): shorten it"
        )
    }

    /// The text of `bytes`, or an error naming `source` and the first offending byte.
    public static func decode(_ bytes: [UInt8], source: String = "the prompt") throws -> String {
        try checkSize(bytes.count, source: source)
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
