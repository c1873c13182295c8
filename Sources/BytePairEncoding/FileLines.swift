// Lines of a text file as people write them: "\n" or "\r\n" (Windows) ends a line. Swift
// reads "\r\n" as one Character, so splitting on "\n" alone would keep such a file one line.

extension StringProtocol {
    /// The lines of the text; a final line break gives a last, empty line.
    var fileLines: [SubSequence] {
        split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
    }
}
