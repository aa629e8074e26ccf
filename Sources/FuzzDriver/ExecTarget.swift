// `--exec`: the fuzzer starts the target, restarts it after a crash or a hang, keeps the last
// lines of its standard error, drains its pipes so it never blocks on them, and stops it (and
// its children) at the end. The command runs as `/bin/sh -c 'exec CMD'` in a process group of
// its own, so the pid watched in /proc is the target's, and a stop reaches the whole group.

import Foundation
import Subprocess
#if canImport(Glibc)
import Glibc
#endif

public struct TargetError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

final class ExecTarget: @unchecked Sendable {  // state guarded by `cond`
    let command: String
    private let cond = NSCondition()
    private var pid: Int32 = 0
    private var firstLine: String?
    private var exitText: String?
    private var running = false
    private var stderrTail: [UInt8] = []
    private var generation = 0
    static let tailBytes = 4096

    init(command: String) { self.command = command }

    var currentPid: Int32 { cond.withLock { running ? pid : 0 } }
    var isRunning: Bool { cond.withLock { running } && ProcStats.alive(currentPid) }
    var lastExit: String? { cond.withLock { exitText } }

    /// The last lines the target wrote on standard error (up to 4 KiB), whole lines only.
    var stderrText: String {
        let bytes = cond.withLock { stderrTail }
        var s = String(decoding: bytes, as: UTF8.self)
        if bytes.count >= Self.tailBytes, let nl = s.firstIndex(of: "\n") { s = String(s[s.index(after: nl)...]) }
        return s
    }

    func clearStderr() { cond.withLock { stderrTail.removeAll(keepingCapacity: true) } }

    /// Starts the command; returns its first standard output line when `wantLine` (waiting at
    /// most `timeout` seconds for it), else nil once the process exists.
    func start(wantLine: Bool, timeout: Double) throws -> String? {
        let gen: Int = cond.withLock {
            generation += 1
            firstLine = nil
            exitText = nil
            running = true
            pid = 0
            return generation
        }
        let command = self.command
        Task.detached { [self] in
            var options = PlatformOptions()
            options.processGroupID = 0  // a group of its own: a stop reaches its children too
            do {
                let result = try await run(.path("/bin/sh"), arguments: ["-c", "exec " + command], platformOptions: options,
                                           input: .none, output: .sequence, error: .sequence) { execution in
                    self.started(gen, pid: execution.processIdentifier.value)
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask {
                            var line: [UInt8] = []
                            var gotLine = false
                            do {
                                for try await chunk in execution.standardOutput {
                                    guard !gotLine else { continue }  // drained, not kept
                                    chunk.withUnsafeBytes { raw in
                                        for b in raw where !gotLine {
                                            if b == 0x0A { gotLine = true } else if line.count < 4096 { line.append(b) }
                                        }
                                    }
                                    if gotLine { self.gotFirstLine(gen, String(decoding: line, as: UTF8.self)) }
                                }
                            } catch {}
                        }
                        group.addTask {
                            do {
                                for try await chunk in execution.standardError {
                                    chunk.withUnsafeBytes { self.appendStderr(gen, $0) }
                                }
                            } catch {}
                        }
                    }
                }
                let how: String
                switch result.terminationStatus {
                case .exited(let code): how = "exited with status \(code)"
                case .signaled(let sig): how = "killed by signal \(sig) (\(String(cString: strsignal(sig))))"
                }
                self.ended(gen, how)
            } catch {
                self.ended(gen, "could not start: \(error)")
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        cond.lock()
        defer { cond.unlock() }
        while generation == gen && running && (pid == 0 || (wantLine && firstLine == nil)) {
            if !cond.wait(until: deadline) { break }
        }
        if !running {
            let tail = String(decoding: stderrTail.suffix(600), as: UTF8.self)
            throw TargetError("the target `\(command)` \(exitText ?? "ended") at start" + (tail.isEmpty ? "" : "; its last words:\n\(tail)"))
        }
        if wantLine && firstLine == nil {
            throw TargetError("the target `\(command)` printed no first line (its port) within \(Int(timeout)) s")
        }
        return firstLine
    }

    /// SIGTERM to the group, up to a second to go, then SIGKILL; waits until it is reaped.
    func stop() {
        let p = cond.withLock { running ? pid : 0 }
        guard p > 0 else { return }
        kill(-p, SIGTERM)
        if !waitEnded(seconds: 1) {
            kill(-p, SIGKILL)
            _ = waitEnded(seconds: 5)
        }
    }

    private func waitEnded(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        cond.lock()
        defer { cond.unlock() }
        while running {
            if !cond.wait(until: deadline) { return !running }
        }
        return true
    }

    private func started(_ gen: Int, pid p: Int32) {
        cond.withLock {
            guard gen == generation else { return }
            pid = p
            cond.broadcast()
        }
    }

    private func gotFirstLine(_ gen: Int, _ line: String) {
        cond.withLock {
            guard gen == generation else { return }
            firstLine = line
            cond.broadcast()
        }
    }

    private func appendStderr(_ gen: Int, _ bytes: UnsafeRawBufferPointer) {
        cond.withLock {
            guard gen == generation else { return }
            stderrTail.append(contentsOf: bytes)
            if stderrTail.count > Self.tailBytes { stderrTail.removeFirst(stderrTail.count - Self.tailBytes) }
        }
    }

    private func ended(_ gen: Int, _ how: String) {
        cond.withLock {
            guard gen == generation else { return }
            running = false
            exitText = how
            cond.broadcast()
        }
    }
}
