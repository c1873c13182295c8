// Token streams as flat binary files, as nanoGPT's prepare.py writes them: little-endian
// uint16 ids (uint32 when the vocabulary has ids above 65,535), no header, so numpy.memmap
// reads them directly. A JSON file beside them (data.json) says what they hold:
//   train.bin / val.bin                documents' tokens, each document followed by the separator
//   sft_train.bin + sft_train_mask.bin conversations packed in rows of row_length tokens, and a
//   sft_val.bin + sft_val_mask.bin     uint8 per token: 1 where a finetune learns to predict it

import Foundation
import LessonRuntime

public enum TokenShards {
    public static let headerFile = "data.json"
    public static let format = "tokenwise-shards-1"

    /// The element type for ids below `vocabularySize`.
    public static func dtype(vocabularySize: Int) -> (name: String, bytes: Int) {
        vocabularySize - 1 > Int(UInt16.max) ? ("uint32", 4) : ("uint16", 2)
    }

    static func write(
        _ data: ExportData, vocabularySize: Int, separator: Int, to folder: URL
    ) throws {
        let type = dtype(vocabularySize: vocabularySize)
        func shard(_ tokens: [Int32], _ name: String) throws -> [String: Any] {
            try AtomicFile.write(
                encode(tokens, bytes: type.bytes), to: folder.appendingPathComponent(name))
            return ["file": name, "tokens": tokens.count]
        }
        var header: [String: Any] = [
            "format": format, "dtype": type.name, "tokenizer": "../tokenizer.json",
            "vocab_size": vocabularySize,
            "document_separator": separator, "source": data.source,
            "train": try shard(data.train, "train.bin"),
            "val": try shard(data.validation, "val.bin"),
        ]
        if let finetuning = data.finetuning {
            func rows(_ rows: [RenderedChat], _ name: String) throws -> [String: Any] {
                let tokens = rows.flatMap { $0.tokens.map(Int32.init) }
                let mask = rows.flatMap { $0.weights.map { $0 > 0 ? UInt8(1) : 0 } }
                try AtomicFile.write(
                    encode(tokens, bytes: type.bytes),
                    to: folder.appendingPathComponent("\(name).bin"))
                try AtomicFile.write(
                    Data(mask), to: folder.appendingPathComponent("\(name)_mask.bin"))
                return ["file": "\(name).bin", "mask": "\(name)_mask.bin", "rows": rows.count]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try AtomicFile.write(
                try encoder.encode(finetuning.format),
                to: folder.appendingPathComponent(ChatFormat.fileName))
            header["sft"] =
                [
                    "row_length": finetuning.train.first?.tokens.count ?? 0,
                    "chat_format": ChatFormat.fileName,
                    "chat_template": ModelExport.chatTemplate(finetuning.format),
                    "train": try rows(finetuning.train, "sft_train"),
                    "val": try rows(finetuning.heldOut, "sft_val"),
                ] as [String: Any]
        }
        try ModelExport.writeJSON(header, to: folder.appendingPathComponent(headerFile))
    }

    /// Ids as little-endian integers of `bytes` bytes each.
    static func encode(_ tokens: [Int32], bytes: Int) -> Data {
        if bytes == 2 {
            return tokens.map { UInt16(truncatingIfNeeded: $0).littleEndian }.withUnsafeBytes {
                Data($0)
            }
        }
        return tokens.map { UInt32(bitPattern: $0).littleEndian }.withUnsafeBytes { Data($0) }
    }
}
