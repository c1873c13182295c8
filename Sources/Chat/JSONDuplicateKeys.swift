// Finds a key named twice in one JSON object. Foundation's decoders keep the first value, Python's
// json (so Hugging Face) the last: a config.json with a key twice means two different models.
// Reads the bytes once, tracking only nesting and keys; not a validator (the decoder is).

import Foundation

public enum JSONDuplicateKeys {
    /// The first key that appears twice in one object, with its object's path (`n_embd`,
    /// `task.x`); nil when every object's keys are distinct or the text is not JSON.
    public static func first(in data: Data) -> String? {
        var stack: [(keys: Set<String>, isObject: Bool, expectingKey: Bool, path: String)] = []
        var lastKey = ""
        let bytes = [UInt8](data)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var path = ""   // an object's path: its parent's, and the key it is the value of
                if let parent = stack.last {
                    path = parent.isObject ? (parent.path.isEmpty ? lastKey : "\(parent.path).\(lastKey)") : parent.path
                }
                let isObject = byte == UInt8(ascii: "{")
                stack.append((Set(), isObject, isObject, path))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
            case UInt8(ascii: ","):
                if stack.last?.isObject == true { stack[stack.count - 1].expectingKey = true }
            case UInt8(ascii: ":"):
                if stack.last?.isObject == true { stack[stack.count - 1].expectingKey = false }
            case UInt8(ascii: "\""):
                var end = index + 1
                while end < bytes.count && bytes[end] != UInt8(ascii: "\"") {
                    end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard end < bytes.count else { return nil }
                if let top = stack.last, top.isObject, top.expectingKey {
                    // Decoded, so "a" and "\u0061" are one key.
                    let raw = Data(bytes[index...end])
                    guard
                        let key = try? JSONSerialization.jsonObject(
                            with: raw, options: .fragmentsAllowed) as? String
                    else { return nil }
                    if top.keys.contains(key) { return top.path.isEmpty ? key : "\(top.path).\(key)" }
                    stack[stack.count - 1].keys.insert(key)
                    lastKey = key
                }
                index = end
            default: break
            }
            index += 1
        }
        return nil
    }
}
