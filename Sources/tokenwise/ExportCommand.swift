// `tokenwise export`: a course model, its tokenizer and its training data as a folder that
// PyTorch and Hugging Face read as they are (scripts/train_torch.py trains it on GPUs).

import ArgumentParser
import Course
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a model for PyTorch and Hugging Face, with the corpus as token shards.",
        discussion: """
            The folder holds the model in GPT-2's layout (config.json, model.safetensors: \
            transformers.GPT2LMHeadModel loads it), the tokenizer as tokenizer.json \
            (AutoTokenizer gives our ids) and data/ with the corpus as uint16 token shards \
            (train.bin, val.bin, data.json). It is also a tokenwise model folder.

            Examples:
              tokenwise export base gpt-export
              tokenwise export sft gpt-sft --sft
              torchrun --nproc_per_node=2 scripts/train_torch.py gpt-export --out gpt-more --steps 2000
              tokenwise chat --model gpt-more
            """)

    @Argument(
        help:
            "A course stage (base, sft, …; base-quick is the quick course's) or a model directory.")
    var model: String

    @Argument(help: "The folder to create.")
    var directory: String

    @Flag(
        help:
            "Replace the folder if it is an earlier export (the old one stays until the new one is complete).")
    var force = false

    @Flag(help: "Add lesson 7's conversations with their loss masks (data/sft_*.bin).")
    var sft = false

    @Flag(help: "Write the model and tokenizer only, no token shards.")
    var noData = false

    @Option(
        help: "A text file to shard instead of the tiny web (paragraphs separated by blank lines).")
    var corpus: String?

    @Flag(help: "The quick course's (smaller) tiny web; the default for a model named *-quick.")
    var quick = false

    @Option(help: "Where runs, artifacts and published models are kept.")
    var workspace = ".tokenwise"

    func validate() throws {
        if noData && (sft || corpus != nil) {
            throw ValidationError("--no-data cannot go with --sft or --corpus")
        }
        if let problem = CommandInputs.workspaceProblem(workspace) { throw ValidationError(problem) }
    }

    func run() throws {
        // The course's recipes read their store and scale from the environment, as in a lesson.
        setenv(
            "TOKENWISE_ARTIFACTS",
            URL(fileURLWithPath: workspace).appendingPathComponent("artifacts").path, 1)
        setenv("TOKENWISE_QUICK", quick || model.hasSuffix("-quick") ? "1" : "0", 1)
        let catalog = ModelCatalog(
            directory: URL(fileURLWithPath: workspace).appendingPathComponent("models"))
        let languageModel = try CommandInputs.loadModel(model, option: "MODEL", from: catalog)
        let target = URL(fileURLWithPath: directory)
        let workspaceFolder = URL(fileURLWithPath: workspace)
        let protected = [
            (URL(fileURLWithPath: FileManager.default.currentDirectoryPath), "the current folder"),
            (workspaceFolder, "the workspace"),
        ]
        let catalogs = [workspaceFolder.appendingPathComponent("models")]
        do {
            // Refused before the shards are cut, not after.
            try ModelExport.preflight(target, replace: force, protected: protected, catalogs: catalogs)
        } catch let error as ExportError { throw CommandError(error.description) }
        let start = Date()
        let data =
            noData
            ? nil
            : try ExportData.course(for: languageModel, corpusPath: corpus ?? "", finetuning: sft)
        do {
            try ModelExport.write(
                languageModel, data: data, to: target, replace: force, protected: protected,
                catalogs: catalogs)
        } catch let error as ExportError { throw CommandError(error.description) }
        var summary = "exported \(model) (\(languageModel.model.config.summary)) to \(target.path)"
        if let data {
            let type = TokenShards.dtype(vocabularySize: languageModel.model.config.vocabularySize)
                .name
            summary +=
                "\n  data: \(data.train.count) training and \(data.validation.count) held-out tokens (\(type)) from \(data.source)"
            if let finetuning = data.finetuning {
                summary +=
                    "\n  sft: \(finetuning.train.count) training and \(finetuning.heldOut.count) held-out rows of \(languageModel.model.config.contextLength + 1) tokens"
            }
        }
        print(summary + String(format: "\n  in %.1f s", Date().timeIntervalSince(start)))
    }
}
