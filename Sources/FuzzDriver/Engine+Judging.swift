// How a case is judged: on parallel lanes (a quick verdict that makes it a suspect), then alone
// with nothing else in flight, after the target settled.

import Chat
import Foundation
import Framing
import Fuzz
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension FuzzEngine {
    // MARK: - parallel lanes

    struct LaneResult {
        var slot: Int
        var quick: Verdict
    }

    /// Runs `chunk` on `jobs` lanes; each lane plays a case, then probes. A lane that sees the
    /// target down or silent stops the others from taking new cases. Results in completion order.
    func runParallel(_ chunk: [(Int, FuzzCase)], deadline: Date) -> [LaneResult] {
        final class Shared: @unchecked Sendable {  // guarded by `lock`
            let lock = Mutex<Void>(())
            var next = 0
            var stop = false
            var results: [LaneResult] = []
        }
        let shared = Shared()
        shared.results.reserveCapacity(chunk.count)
        let group = DispatchGroup()
        let lanes = min(config.jobs, chunk.count)
        for _ in 0..<lanes {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                while true {
                    let slot: Int? = shared.lock.withLock { _ in
                        guard !shared.stop, shared.next < chunk.count, Date() < deadline, !isCancelled else { return nil }
                        shared.next += 1
                        return shared.next - 1
                    }
                    guard let slot else { return }
                    let c = chunk[slot].1
                    let outcome = driver.play(c, answerDeadline: answerDeadline(for: c), hold: 0, during: { nil })
                    let probe = outcome.refused.map { ProbeOutcome.refused($0) } ?? driver.probe(timeout: timeout)
                    let v = quickVerdict(c, outcome, probe)
                    shared.lock.withLock { _ in
                        shared.results.append(LaneResult(slot: slot, quick: v))
                        if v == .crash || v == .hang { shared.stop = true }
                    }
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        // Claimed slots form a prefix of the chunk; they come in completion order.
        return shared.lock.withLock { _ in shared.results }
    }

    func answerDeadline(for c: FuzzCase) -> Double {
        max(timeout * 2, min(10, latencyP50 + perFrame * Double(c.expected.count) * 100 + Double(c.writes.count) * Double(c.gapMillis) / 1000 + 1))
    }

    /// The lanes' verdict: anything but a clean pass makes the case a suspect, judged again alone.
    func quickVerdict(_ c: FuzzCase, _ o: CaseOutcome, _ p: ProbeOutcome) -> Verdict {
        switch p {
        case .refused: return .crash
        case .silent: return .hang
        case .wrong, .closed: return .wrong
        case .answered(let s) where s > slowThreshold: return .slow
        case .answered: break
        }
        switch o.answers {
        case .notJudged: return .ok
        case .right(let s): return s > ownSlowThreshold(c) ? .slow : .ok
        case .wrong: return .wrong
        case .incomplete: return .wrong
        }
    }

    var slowThreshold: Double { max(0.05, latencyP50 * 50) }

    /// How long a target gets to crash after a case before it is judged alive (10–200 ms).
    var settleMicroseconds: UInt32 { UInt32(min(0.2, max(0.01, latencyP50 * 20)) * 1_000_000) }

    func ownSlowThreshold(_ c: FuzzCase) -> Double {
        let predicted = latencyP50 + perFrame * Double(c.expected.count) + Double(c.writes.count) * Double(c.gapMillis) / 1000
        return max(0.25, predicted * 10)
    }

    // MARK: - one case alone

    /// Plays `c` with nothing else in flight, lets the target settle, and gives the verdict with
    /// what was seen.
    func judgeAlone(_ c: FuzzCase, recovered: Bool = false) -> (Verdict, String) {
        let (v, d) = judgeAloneOnce(c, recovered: recovered)
        // A crash seen as a refused probe can come before the exit is reaped and its last
        // standard-error lines drained: wait for both (bounded) so the evidence is complete.
        if v == .crash, let t = target {
            for _ in 0..<500 where t.lastExit == nil { usleep(2000) }
        }
        // Keep what the target said about this case, and when, before a restart clears it.
        if v != .ok { pending[c.id] = (target?.stderrText ?? "", Date().timeIntervalSince(started)) }
        return (v, d)
    }


    func judgeAloneOnce(_ c: FuzzCase, recovered: Bool) -> (Verdict, String) {
        guard recovered || recover() else { return (.hang, "the target was not answering before this case and did not recover") }
        target?.clearStderr()
        let o = driver.play(c, answerDeadline: answerDeadline(for: c), hold: holdTime, during: { [self] in driver.probe(timeout: timeout) })
        if let why = o.refused { return (.crash, "the case's connection was refused: \(why)") }
        // Let a crash happen before judging: a probe answered in that window proves nothing.
        usleep(settleMicroseconds)
        if let gone = processGone() { return (.crash, gone) }
        let p1 = driver.probe(timeout: timeout)
        if let gone = processGone() { return (.crash, gone) }
        if let held = o.heldProbe, !held.isAnswered, case .silent = held {
            if p1.isAnswered { return (.blocksOthers, "while the case's connection was held open, a probe got no answer within \(ms(timeout)); after it closed, the probe was answered") }
            if case .refused(let why) = p1 { return (.crash, "the probe was refused after the held connection closed: \(why)") }
            return (.hang, "no probe was answered, neither while the case's connection was held open nor after it closed")
        }
        switch p1 {
        case .refused(let why):
            return (.crash, "the probe was refused: \(why)")
        case .closed:
            return (.wrong, "the server closed the probe's connection without answering")
        case .wrong(let why):
            return (.wrong, "the probe's answer was wrong: \(why)")
        case .silent:
            let p2 = driver.probe(timeout: max(1, timeout * 3))
            if let gone = processGone() { return (.crash, gone) }
            switch p2 {
            case .answered(let s): return (.slow, "the probe got no answer within \(ms(timeout)); a second probe was answered after \(ms(s)) (baseline \(ms(latencyP50)))")
            case .refused(let why): return (.crash, "the probe got no answer, then a second was refused: \(why)")
            default: return (.hang, "the server accepts connections but answered no probe within \(ms(timeout)), nor a second within \(ms(max(1, timeout * 3)))")
            }
        case .answered(let s1) where s1 > slowThreshold:
            let p2 = driver.probe(timeout: max(1, timeout * 3))
            if case .answered(let s2) = p2, s2 > slowThreshold {
                return (.slow, "probes answered after \(ms(s1)) and \(ms(s2)), baseline \(ms(latencyP50))")
            }
        case .answered:
            break
        }
        switch o.answers {
        case .notJudged:
            return (.ok, "")
        case .right(let s):
            if s > ownSlowThreshold(c) {
                return (.slow, "the case's \(c.expected.count) message(s) were answered right but after \(ms(s)); the baseline predicts \(ms(latencyP50 + perFrame * Double(c.expected.count)))")
            }
            return (.ok, "")
        case .wrong(let why):
            return (.wrong, "a valid message inside the case got a wrong answer: \(why)")
        case let .incomplete(got, of, closed, seconds):
            if !closed && got > 0 {
                return (.slow, "\(got) of the case's \(of) messages answered after \(ms(seconds)); the baseline predicts \(ms(latencyP50 + perFrame * Double(of)))")
            }
            return (.wrong, "\(got) of the case's \(of) valid message(s) answered, then " + (closed ? "the server closed the connection" : "nothing for \(ms(seconds))"))
        }
    }

    func ms(_ s: Double) -> String { s >= 1 ? String(format: "%.2f s", s) : String(format: "%.1f ms", s * 1000) }

    /// Why the target counts as gone, or nil while it runs.
    func processGone() -> String? {
        if let t = target {
            if !t.isRunning {
                // Give the exit status a moment to arrive from the subprocess watcher.
                for _ in 0..<500 where t.lastExit == nil { usleep(2000) }  // up to 1 s: its stderr drained
                return "the process \(t.lastExit ?? "is gone")"
            }
        } else if let p = config.pid, !ProcStats.alive(p) {
            return "the process \(p) is gone"
        }
        return nil
    }

}
