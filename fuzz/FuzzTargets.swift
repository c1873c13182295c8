// libFuzzer targets for every parser of outside input the library holds: safetensors, a
// model's config.json, our tokenizer file, GPT-2's vocab.json + merges.txt, tiktoken rank
// files, a chat_format.json, our exported tokenizer.json read back, figure specs (as a lesson sends them), the lesson event lines, and the engine's lesson
// reader and `param` declarations with `--set` values (their two source files are compiled into
// this harness, as the engine is not part of the library). FUZZ_TARGET picks
// one. Built by `make fuzz` against an instrumented (AddressSanitizer + coverage) library;
// `--write-seeds DIR` writes a seed corpus per target from real files of a tiny model.
// A target may throw (a clean error is the point); a crash, a hang or a leak is a finding.

import BytePairEncoding
import Course
import Figures
import Foundation
import Transformer

let target = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-fuzz-\(getpid())")

/// Writes `files` (name → bytes) into a fresh scratch folder and returns it.
func folder(_ files: [String: Data]) -> URL {
    try? FileManager.default.removeItem(at: scratch)
    try! FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    for (name, data) in files { try! data.write(to: scratch.appendingPathComponent(name)) }
    return scratch
}

/// Two files from one input: split at the first zero byte.
func halves(_ data: Data) -> (Data, Data) {
    guard let cut = data.firstIndex(of: 0) else { return (data, Data()) }
    return (Data(data[..<cut]), Data(data[(cut + 1)...]))
}

/// A tokenizer with the course's special tokens, for a chat format to bind to.
let chatTokenizer = try! BPETrainer.train(text: String(repeating: "the cat sat on the mat. ", count: 20), vocabularySize: 280,
                                          specialTokens: CourseData.specialTokens)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    switch target {
    case "safetensors":
        let url = folder(["model.safetensors": data]).appendingPathComponent("model.safetensors")
        if let file = try? SafeTensorsFile(contentsOf: url) { for name in file.names { _ = try? file.values(name) } }
    case "config":
        _ = try? Checkpoint.loadConfig(from: folder(["config.json": data]))
    case "checkpoint":   // config.json and model.safetensors together, as a model directory
        let (config, weights) = halves(data)
        _ = try? Checkpoint.load(from: folder(["config.json": config, "model.safetensors": weights]))
    case "tokenizer":
        if let tokenizer = try? Tokenizer.load(from: folder(["t.tokenizer": data]).appendingPathComponent("t.tokenizer")) {
            _ = tokenizer.encode("Hello <|endoftext|> world 123", allowedSpecial: .all)
        }
    case "chatformat":   // a model folder's chat_format.json, then bound to a tokenizer with the course's specials
        if let format = try? ChatFormat.load(from: folder(["chat_format.json": data])) {
            _ = try? ChatTokens(format: format, tokenizer: chatTokenizer)
        }
    case "hftokenizer":   // the tokenizer.json an export writes, read back to compare with ours
        if let tokenizer = try? Tokenizer.huggingFaceJSON(data, file: "tokenizer.json") {
            _ = tokenizer.encode("Hello <|endoftext|> world 123", allowedSpecial: .all)
        }
    case "gpt2":
        let (vocabulary, merges) = halves(data)
        if let tokenizer = try? GPT2Files.load(from: folder(["vocab.json": vocabulary, "merges.txt": merges])) {
            _ = tokenizer.encode("Hello world 123")
        }
    case "tiktoken":
        if let tokenizer = try? TiktokenFile.load(from: folder(["r.tiktoken": data]).appendingPathComponent("r.tiktoken")) {
            _ = tokenizer.encode("Hello world 123")
        }
    case "figure":
        if let figure = try? JSONDecoder().decode(Figure.self, from: data) { _ = try? FigureRenderer.svg(figure) }
    case "events":
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") { _ = LessonEvent.parse(line, key: "k") }
    case "lesson":
        let url = URL(fileURLWithPath: "/fuzz/lesson.swift")
        if let lesson = try? LessonSource(text: String(decoding: data, as: UTF8.self), url: url, displayPath: "lesson.swift") {
            _ = lesson.instrumented()
        }
    case "params":   // a lesson, then --set values one per line
        let (source, settings) = halves(data)
        let url = URL(fileURLWithPath: "/fuzz/lesson.swift")
        if let lesson = try? LessonSource(text: String(decoding: source, as: UTF8.self), url: url, displayPath: "lesson.swift") {
            let lines = String(decoding: settings, as: UTF8.self).split(separator: "\n").map(String.init)
            for quick in [false, true] { _ = try? ParameterValues(declarations: lesson.parameters, settings: lines, quick: quick, lesson: "lesson") }
        }
    default:
        fatalError("FUZZ_TARGET must be one of safetensors, config, checkpoint, tokenizer, chatformat, hftokenizer, gpt2, tiktoken, figure, events, lesson, params")
    }
    return 0
}

/// Real files to start from: a tiny model and its tokenizer in every format.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    let arguments = (0..<Int(argc.pointee)).map { String(cString: argv.pointee[$0]) }
    guard let flag = arguments.firstIndex(of: "--write-seeds"), flag + 1 < arguments.count else { return 0 }
    let root = URL(fileURLWithPath: arguments[flag + 1])
    let text = "the cat sat on the mat. the dog dug a hole, 123 times! <|endoftext|> hello world\n"
    let tokenizer = try! BPETrainer.train(text: String(repeating: text, count: 20), vocabularySize: 300, pattern: .gpt2,
                                         specialTokens: ["<|endoftext|>"])
    let config = GPTConfig(vocabularySize: 300, contextLength: 8, layerCount: 1, headCount: 2, embeddingWidth: 8)
    let files = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-seeds-\(getpid())")
    try! Checkpoint.save(GPT(config: config, seed: 1), to: files)
    try! tokenizer.save(to: files.appendingPathComponent("t.tokenizer"))
    try! GPT2Files.save(tokenizer, to: files)
    try! TiktokenFile.save(tokenizer, to: files.appendingPathComponent("r.tiktoken"))
    try! ChatFormat.course.save(to: files)
    func read(_ name: String) -> Data { read(files.appendingPathComponent(name)) }
    func read(_ url: URL) -> Data { try! Data(contentsOf: url) }
    let figure = Figure.bar(BarChart(title: "seed", bars: [.init(label: "a", value: 1), .init(label: "b", value: 2)]))
    let seeds: [String: Data] = [
        "safetensors": read("model.safetensors"), "config": read("config.json"),
        "checkpoint": read("config.json") + Data([0]) + read("model.safetensors"),
        "tokenizer": read("t.tokenizer"), "gpt2": read("vocab.json") + Data([0]) + read("merges.txt"),
        "tiktoken": read("r.tiktoken"), "figure": try! JSONEncoder().encode(figure),
        "chatformat": read("chat_format.json"), "hftokenizer": try! tokenizer.huggingFaceJSON(),
        "events": Data((LessonEvent.metric(Metric(name: "m", value: 1, unit: "u")).line(key: "k") + "\n"
                        + LessonEvent.cellBegan(2).line(key: "k") + "\nprinted\n").utf8),
        // Run from the repository's root (make fuzz): a real lesson with every kind of parameter.
        "lesson": read(URL(fileURLWithPath: "lessons/04-training.swift")),
        "params": read(URL(fileURLWithPath: "lessons/04-training.swift")) + Data([0]) + Data("steps=10\nlr=1e-3\nlayers=x\ncorpus=a b".utf8),
    ]
    for (name, seed) in seeds {
        let directory = root.appendingPathComponent(name)
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try! seed.write(to: directory.appendingPathComponent("seed"))
    }
    print("seeds written to \(root.path)")
    exit(0)
}
