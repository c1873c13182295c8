// Interactive `step` in a pseudo-terminal, ended by a signal: the terminal must come back.

import BytePairEncoding
import Chat
import Foundation
import Testing
import Transformer
@testable import tokenwise

@Suite(.serialized) struct RawTerminalTests {
    /// The tokenwise binary beside the test bundle (swift test builds it), if there is one.
    static let binary: URL? = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tokenwise"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("tokenwise"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".build/debug/tokenwise"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Issue 34: SIGTERM to interactive `step` left the terminal in raw mode on the alternate screen.
    @Test(.enabled(if: binary != nil && FileManager.default.fileExists(atPath: "/dev/ptmx"), "no tokenwise binary built beside the tests, or no /dev/ptmx"),
          arguments: [SIGTERM, SIGHUP, SIGINT, SIGQUIT])
    func aSignalLeavesRawModeAndTheAlternateScreen(signal: Int32) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwise-pty-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokenizer = try BPETrainer.train(text: String(repeating: "the cat sat on the mat. ", count: 20), vocabularySize: 280,
                                             specialTokens: [LanguageModel.documentSeparator])
        let config = GPTConfig(vocabularySize: tokenizer.vocabularySize, contextLength: 16, layerCount: 1, headCount: 2, embeddingWidth: 16)
        try LanguageModel(name: "tiny", model: GPT(config: config, seed: 1), tokenizer: tokenizer).save(to: folder.appendingPathComponent("tiny"))

        // A pseudo-terminal by hand (posix_openpt is not in Swift's Glibc): /dev/ptmx, unlock
        // (TIOCSPTLCK 0), then its number (TIOCGPTN) names the other end in /dev/pts.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0, number: Int32 = 0
        try #require(master >= 0 && ioctl(master, UInt(0x4004_5431), &unlock) == 0 && ioctl(master, UInt(0x8004_5430), &number) == 0)
        defer { close(master) }
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        try #require(slave >= 0)
        defer { close(slave) }
        var before = termios()
        tcgetattr(slave, &before)
        #expect(before.c_lflag & tcflag_t(ECHO) != 0)

        // Spawned as a shell would (no signal blocked): Foundation's Process passes on the
        // test runner's blocked signals, and a blocked SIGTERM never arrives.
        let arguments = [Self.binary!.path, "step", "the cat", "--model", folder.appendingPathComponent("tiny").path,
                         "--workspace", folder.path]
        var actions = posix_spawn_file_actions_t(), attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        for target in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] { posix_spawn_file_actions_adddup2(&actions, slave, target) }
        posix_spawnattr_init(&attributes)
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigfillset(&defaults)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        defer { posix_spawn_file_actions_destroy(&actions); posix_spawnattr_destroy(&attributes) }
        var noCore = rlimit(rlim_cur: 0, rlim_max: 0)   // SIGQUIT dumps core by default: not into the repository
        setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        try #require(posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ) == 0)
        var status: Int32 = 0, exited = false
        func reap() -> Bool {
            if !exited { exited = waitpid(pid, &status, WNOHANG) == pid }
            return exited
        }
        defer { if !reap() { kill(pid, SIGKILL); waitpid(pid, &status, 0) } }

        // Read the screen as it is drawn until the alternate screen is on, then signal.
        var output = [UInt8]()
        func drain(seconds: Double, until done: () -> Bool) {
            let deadline = Date().addingTimeInterval(seconds)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline && !done() {
                var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) > 0 else { continue }
                let count = read(master, &buffer, buffer.count)
                if count <= 0 { break }
                output += buffer.prefix(count)
            }
        }
        let enter = Array("\u{1B}[?1049h".utf8), leave = Array(RawTerminal.leaveSequence.utf8)
        func contains(_ needle: [UInt8]) -> Bool {
            output.count >= needle.count && (0...(output.count - needle.count)).contains { Array(output[$0..<($0 + needle.count)]) == needle }
        }
        drain(seconds: 60) { contains(enter) && contains(Array("context".utf8)) }
        try #require(contains(enter), "step never entered the alternate screen: \(String(decoding: output, as: UTF8.self))")
        kill(pid, signal)
        drain(seconds: 10) { reap() && contains(leave) }
        #expect(contains(leave), "the terminal was not given back the main screen")
        var after = termios()
        tcgetattr(slave, &after)
        #expect(after.c_lflag & tcflag_t(ECHO | ICANON) == before.c_lflag & tcflag_t(ECHO | ICANON), "still in raw mode")
        #expect(reap() && status & 0x7F == signal, "ended with status \(status), not by the signal")   // WTERMSIG
    }
}
