// An error about the user's input that the CLI prints as one clear line (no usage dump).

struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
