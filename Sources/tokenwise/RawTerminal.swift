// The terminal in raw mode for the stepper: keys arrive one by one without echo, the screen is
// redrawn on the alternate screen, and everything is restored on the way out.

import Foundation
#if canImport(Glibc)
    import Glibc
#endif

final class RawTerminal {
    private var original = termios()
    private var active = false

    static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

    /// The signals that end a process by default and are sent to one in a terminal (kill,
    /// a closed window, Ctrl-C or Ctrl-\ from outside raw mode): each restores the terminal.
    static let endingSignals = [SIGTERM, SIGHUP, SIGINT, SIGQUIT]

    /// What a signal handler restores: a C handler cannot reach the instance.
    nonisolated(unsafe) static var savedSettings = termios()
    nonisolated(unsafe) static var restoreOnSignal: sig_atomic_t = 0
    static let leaveSequence = "\u{1B}[?25h\u{1B}[?1049l"   // show the cursor, main screen
    /// The same as bytes made before any handler runs (a handler may not allocate).
    static let leaveBytes: UnsafeBufferPointer<UInt8> = {
        let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: leaveSequence.utf8.count)
        _ = bytes.initialize(from: leaveSequence.utf8)
        return UnsafeBufferPointer(bytes)
    }()

    /// With `restoringOnSignals`, the signals above leave raw mode and the alternate screen
    /// before the process ends as the signal says (SIGTERM once left the shell unusable).
    func enter(restoringOnSignals: Bool = false) {
        guard tcgetattr(STDIN_FILENO, &original) == 0 else { return }
        if restoringOnSignals {
            Self.savedSettings = original
            _ = Self.leaveBytes
            Self.restoreOnSignal = 1
            for signal in Self.endingSignals {
                var action = sigaction()
                action.__sigaction_handler.sa_handler = { number in
                    // Only async-signal-safe calls: write, tcsetattr, then die of the signal.
                    if RawTerminal.restoreOnSignal != 0 {
                        _ = Glibc.write(
                            STDOUT_FILENO, RawTerminal.leaveBytes.baseAddress,
                            RawTerminal.leaveBytes.count)
                        tcsetattr(STDIN_FILENO, TCSAFLUSH, &RawTerminal.savedSettings)
                    }
                    Glibc.signal(number, SIG_DFL)
                    raise(number)
                }
                sigemptyset(&action.sa_mask)
                action.sa_flags = 0
                sigaction(signal, &action, nil)
            }
        }
        var raw = original
        // No line buffering, no echo, no signals (Ctrl-C arrives as a key and quits cleanly).
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw)
        active = true
        write("\u{1B}[?1049h\u{1B}[?25l")   // alternate screen, hide the cursor
    }

    func leave() {
        guard active else { return }
        Self.restoreOnSignal = 0
        write(Self.leaveSequence)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
        active = false
    }

    /// Blocks for the next keys; nil at the end of input.
    func readKeys() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(STDIN_FILENO, &buffer, buffer.count)
        return count > 0 ? Array(buffer.prefix(count)) : nil
    }

    var size: (width: Int, height: Int) {
        var w = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0 else { return (80, 24) }
        return (Int(w.ws_col), Int(w.ws_row))
    }

    func draw(_ lines: [String]) {
        write("\u{1B}[H\u{1B}[2J" + lines.joined(separator: "\r\n"))
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
