import Foundation
import Parallel

/// What `par` tells the person waiting for it: one live line on a terminal, rewritten in place as
/// work advances (the step, its progress, the time since the start), or plain lines when standard
/// error is a pipe or a file, so logs stay readable. Written to standard error, out of `--json` output.
///
/// Hand-written: no package available here draws a progress line, and it is a few lines of ANSI.
final class ProgressLine: Sendable {
    private struct State {
        var step = ""
        var drawn = false
    }

    private let live: Bool
    private let started = ContinuousClock.now
    private let state = LockedValue(State())

    /// A live line if standard error is a terminal that understands it (not `TERM=dumb`).
    init(live: Bool = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb") {
        self.live = live
    }

    /// Starts a step: on a terminal it replaces the line; piped, it is one line of its own.
    func step(_ message: String) {
        state.withLock { state in
            state.step = message
            if live {
                draw(message, &state)
            } else {
                write("… \(message)\n")
            }
        }
    }

    /// The current step's progress: drawn on a terminal; piped, nothing (the step's line is enough).
    func update(_ progress: MapProgress) {
        guard live else { return }
        state.withLock { state in draw("\(state.step): \(progress)", &state) }
    }

    /// Clears the live line before the results are printed.
    func finish() {
        guard live else { return }
        state.withLock { state in
            if state.drawn { write("\r\u{1B}[2K") }
            state.drawn = false
        }
    }

    private func draw(_ text: String, _ state: inout State) {
        let seconds = Int((ContinuousClock.now - started) / .seconds(1))
        write("\r\u{1B}[2K[\(seconds / 60):\(String(format: "%02d", seconds % 60))] \(text)")
        state.drawn = true
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
