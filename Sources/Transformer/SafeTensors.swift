// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// header length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
// {…}}, then the raw little-endian data, offsets counted from the end of the header.
// Only F32 is read and written. Every problem with a file is a `SafeTensorsError` that names
// the file and, where there is one, the tensor.

import Foundation

public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let tensor: String?
    public let problem: String

    public var description: String {
        if let tensor { return "\(file): tensor '\(tensor)': \(problem)" }
        return "\(file): \(problem)"
    }
}

/// A parsed safetensors file: the tensors' names, shapes and their bytes.
public struct SafeTensorsFile {
    public struct Entry: Equatable {
        public let shape: [Int]
        let byteRange: Range<Int>   // within `payload`
    }

    public let path: String
    public let entries: [String: Entry]
    public let metadata: [String: String]
    private let payload: Data

    public var names: [String] { entries.keys.sorted() }

    /// Reads and validates `url`: header bounds, JSON, dtypes, offsets against shapes.
    public init(contentsOf url: URL) throws {
        path = url.path
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw SafeTensorsError(
                file: url.path, tensor: nil,
                problem: "cannot be read (\(error.localizedDescription))")
        }
        func fail(_ problem: String, tensor: String? = nil) -> SafeTensorsError {
            SafeTensorsError(file: url.path, tensor: tensor, problem: problem)
        }
        guard data.count >= 8 else {
            throw fail("truncated: \(data.count) bytes, too short for the 8-byte header length")
        }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) {
            $0 | UInt64($1.element) << (8 * UInt64($1.offset))
        }
        guard headerLength <= UInt64(data.count - 8) else {
            throw fail(
                "header length \(headerLength) runs past the end of the file (\(data.count) bytes): truncated or not a safetensors file"
            )
        }
        let headerStart = data.startIndex + 8, payloadStart = headerStart + Int(headerLength)
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data[headerStart..<payloadStart]) } catch
        {
            throw fail("the header is not valid JSON")
        }
        guard let header = json as? [String: Any] else {
            throw fail("the header is not a JSON object")
        }
        // JSONSerialization keeps the last of two equal keys; the reference library refuses them.
        if let duplicate = Self.repeatedTopLevelKey(in: data[headerStart..<payloadStart]) {
            throw fail("the header names it twice", tensor: duplicate)
        }
        payload = data[payloadStart...]
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let fields = value as? [String: String] else {
                    throw fail("__metadata__ must map strings to strings")
                }
                metadata = fields
                continue
            }
            guard let fields = value as? [String: Any], let dtype = fields["dtype"] as? String,
                let shape = fields["shape"] as? [Int],
                let offsets = fields["data_offsets"] as? [Int], offsets.count == 2
            else { throw fail("needs dtype, shape and data_offsets [begin, end]", tensor: name) }
            guard dtype == "F32" else {
                throw fail("dtype \(dtype) is not supported (only F32)", tensor: name)
            }
            guard shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("negative dimension in shape \(shape)", tensor: name)
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= payload.count else {
                throw fail(
                    "data_offsets [\(begin), \(end)] lie outside the \(payload.count) data bytes: the file is truncated or corrupt",
                    tensor: name)
            }
            let expected = shape.reduce(4) { product, dimension in
                let (result, overflow) = product.multipliedReportingOverflow(by: dimension)
                return overflow ? Int.max : result
            }
            guard end - begin == expected else {
                throw fail(
                    "shape \(shape) needs \(expected) bytes but data_offsets span \(end - begin)",
                    tensor: name)
            }
            entries[name] = Entry(shape: shape, byteRange: begin..<end)
        }
        // As the reference library demands, the tensors tile the data section exactly, in order of
        // offset: a header length off by one, two names sharing bytes or a stray byte is an error
        // here, not weights read shifted.
        var covered = 0
        for (name, entry) in entries.sorted(by: {
            ($0.value.byteRange.lowerBound, $0.value.byteRange.upperBound, $0.key)
                < ($1.value.byteRange.lowerBound, $1.value.byteRange.upperBound, $1.key)
        }) {
            let begin = entry.byteRange.lowerBound
            guard begin == covered else {
                throw fail(
                    begin < covered
                        ? "data_offsets start at \(begin), inside the bytes of another tensor (which end at \(covered))"
                        : "data_offsets start at \(begin), leaving bytes \(covered)..<\(begin) to no tensor",
                    tensor: name)
            }
            covered = entry.byteRange.upperBound
        }
        guard covered == payload.count else {
            throw fail(
                "the tensors cover \(covered) of the \(payload.count) data bytes: the header length or the offsets are wrong"
            )
        }
        self.entries = entries
        self.metadata = metadata
    }

    /// The first key the header's top-level object holds twice (nil: none), read from the raw
    /// bytes of a header that already parsed as JSON.
    static func repeatedTopLevelKey(in header: Data) -> String? {
        var seen = Set<String>()
        var depth = 0, index = header.startIndex
        while index < header.endIndex {
            let byte = header[index]
            if byte == UInt8(ascii: "\"") {
                var end = index + 1   // the closing quote, skipping escaped characters
                while header[end] != UInt8(ascii: "\"") {
                    end += header[end] == UInt8(ascii: "\\") ? 2 : 1
                }
                var after = end + 1
                while after < header.endIndex, [0x20, 0x09, 0x0A, 0x0D].contains(header[after]) {
                    after += 1
                }
                if depth == 1, after < header.endIndex, header[after] == UInt8(ascii: ":"),
                    let key =
                        (try? JSONSerialization.jsonObject(
                            with: header[index...end], options: .fragmentsAllowed)) as? String,
                    !seen.insert(key).inserted
                {
                    return key
                }
                index = end + 1
                continue
            }
            if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth += 1 }
            if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") { depth -= 1 }
            index += 1
        }
        return nil
    }

    /// The values of `name`, checked against `shape` when given.
    public func values(_ name: String, shape expected: [Int]? = nil) throws -> [Float] {
        guard let entry = entries[name] else {
            throw SafeTensorsError(file: path, tensor: name, problem: "missing from the file")
        }
        if let expected, expected != entry.shape {
            throw SafeTensorsError(
                file: path, tensor: name, problem: "has shape \(entry.shape), expected \(expected)")
        }
        var out = [Float](repeating: 0, count: entry.byteRange.count / 4)
        let start = payload.startIndex + entry.byteRange.lowerBound
        out.withUnsafeMutableBytes { destination in
            _ = payload.copyBytes(to: destination, from: start..<(start + entry.byteRange.count))
        }
        // The format is little-endian; so is every machine Swift runs on here.
        return out
    }

    /// Writes tensors (name, shape, values) atomically: a temporary file, then a rename.
    public static func write(
        _ tensors: [(name: String, shape: [Int], values: [Float])],
        metadata: [String: String] = [:], to url: URL
    ) throws {
        var header: [String: Any] = [:]
        var offset = 0
        for tensor in tensors {
            precondition(
                tensor.values.count == tensor.shape.reduce(1, *),
                "\(tensor.name): values do not fill \(tensor.shape)")
            let bytes = tensor.values.count * 4
            header[tensor.name] = [
                "dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes],
            ]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var headerBytes = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }
        var file = Data(capacity: 8 + headerBytes.count + offset)
        var length = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &length) { file.append(contentsOf: $0) }
        file.append(headerBytes)
        for tensor in tensors { tensor.values.withUnsafeBufferPointer { file.append($0) } }
        try AtomicFile.write(file, to: url)
    }
}
