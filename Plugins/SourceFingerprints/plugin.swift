// Hashes the sources of a target and of every module it depends on, at build time, into a
// generated Swift file: stored artifacts are keyed by the code that computed them, so a change
// to that code never reuses a stale model (ArtifactStore, `code:`).
import Foundation
import PackagePlugin

@main struct SourceFingerprints: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let modules = target.recursiveTargetDependencies.compactMap { $0 as? SourceModuleTarget } + [target]
        let files = modules.flatMap { module in
            module.sourceFiles(withSuffix: "swift").map { (module: module.name, url: $0.url) }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "SourceFingerprints.swift")
        return [.buildCommand(displayName: "Fingerprinting the sources of \(target.name)",
                              executable: try context.tool(named: "source-fingerprint").url,
                              arguments: [output.path] + files.map { "\($0.module)=\($0.url.path)" },
                              inputFiles: files.map(\.url), outputFiles: [output])]
    }
}
