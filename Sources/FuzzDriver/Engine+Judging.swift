// How a case is judged: on parallel lanes (a quick verdict that makes it a suspect), then alone
// with nothing else in flight, after the target settled.

import Sockets
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
    func runParallel(_ chunk: [(Int, FuzzCase)], deadline: Double) -> [LaneResult] {
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
                        guard !shared.stop, shared.next < chunk.count, monotonicSeconds() < deadline, !isCancelled else { return nil }
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

    /// Past this a case's right answers came slowly enough to be looked at: played alone, then
    /// against a fresh control (`freshPrediction`, ten times), which decides. Only a gate, so it
    /// is generous in letting cases through: three times the baseline's prediction (ten times
    /// let a quadratic server pass when the baseline was measured on a busy machine: its
    /// per-message cost came out six times too high).
    func ownSlowThreshold(_ c: FuzzCase) -> Double {
        let predicted = latencyP50 + perFrame * Double(c.expected.count) + Double(c.writes.count) * Double(c.gapMillis) / 1000
        return max(0.25, predicted * 3)
    }

    // MARK: - one case alone

    /// Plays `c` with nothing else in flight, lets the target settle, and gives the verdict with
    /// what was seen.
    func judgeAlone(_ c: FuzzCase, recovered: Bool = false) -> (Verdict, String) {
        var cause: Cause?
        let (v, d) = judgeAloneOnce(c, recovered: recovered, cause: &cause)
        // A crash seen as a refused probe can come before the exit is reaped and its last
        // standard-error lines drained: wait for both (bounded) so the evidence is complete.
        if v == .crash, let t = target {
            for _ in 0..<500 where t.lastExit == nil { usleep(2000) }
        }
        // Keep what the target said about this case, and when, before a restart clears it.
        if v != .ok { pending[c.id] = (target?.stderrText ?? "", monotonicSeconds() - started, cause) }
        return (v, d)
    }

    /// Seconds a connection waits before its dropped SYN is sent again (Linux's initial RTO is
    /// 1 s): a connect that takes this long met a full accept queue.
    static let synRetrySeconds = 0.9

    /// Why a held case kept others from being served: its connections, or the probe's, waited for
    /// a SYN retry, or the kernel counted listen overflows while it ran (accept_queue); else the
    /// server accepted but served nobody else (serial_server). With the numbers seen.
    func holdCause(_ o: CaseOutcome, probeConnect: Double?, overflows: Int?) -> (Cause, String) {
        let slow = o.connectSeconds.filter { $0 >= Self.synRetrySeconds }
        let probeWaited = probeConnect.map { $0 >= min(Self.synRetrySeconds, timeout * 0.9) } ?? false
        if !slow.isEmpty || probeWaited || (overflows ?? 0) > 0 {
            var seen: [String] = []
            if !slow.isEmpty { seen.append("\(slow.count) of the case's \(o.connectSeconds.count) connections waited up to \(ms(slow.max()!)) to be accepted") }
            if probeWaited, let p = probeConnect { seen.append("the probe's connection waited \(ms(p))") }
            if let n = overflows, n > 0 { seen.append("the kernel dropped \(n) connection attempt\(n == 1 ? "" : "s") at a full accept queue (ListenOverflows/ListenDrops)") }
            return (.acceptQueue, "while \(o.connectSeconds.count) connections were pending: " + seen.joined(separator: "; ")
                        + " — the listen backlog is too small or accept() too slow")
        }
        return (.serialServer, "the connections were accepted at once (\(ms(o.connectSeconds.max() ?? 0)) at most), but nobody was served while the case's message was incomplete")
    }

    /// The probe's median answer time now, from 5 probes: the yardstick for `slow`, measured
    /// when it is used rather than at the run's start (the machine's load moves).
    func freshProbeP50() -> Double {
        var times: [Double] = []
        for _ in 0..<5 { if case .answered(let s) = driver.probe(timeout: max(1, timeout * 3)) { times.append(s) } }
        guard !times.isEmpty else { return latencyP50 }
        return times.sorted()[times.count / 2]
    }

    /// The fastest of five plays of `c` (alone, nothing held) whose answers all came right, in
    /// seconds; nil when none did. Five, not one or two: on a busy machine a play of a few
    /// milliseconds is often held up as long again waiting for a core, and the baseline and the
    /// control are scaled up by a case's size.
    func fastestRightAnswer(_ c: FuzzCase, answerDeadline: Double) -> Double? {
        var best: Double?
        for _ in 0..<5 {
            if case .right(let s) = driver.play(c, answerDeadline: answerDeadline, hold: 0, during: { nil }).answers {
                best = min(best ?? s, s)
            }
        }
        return best
    }

    /// What `c`'s valid messages should take now: the first (at most) 100 of them played as a
    /// control right now (the fastest of five plays), their time scaled to all of them. A server
    /// whose cost per message is constant answers the whole case in about that time however
    /// loaded the machine is; a quadratic one takes many times longer.
    func freshPrediction(_ c: FuzzCase) -> Double? {
        let n = c.expected.count
        guard n > 0 else { return nil }
        let k = min(n, 100)
        let bodies = Array(c.expected.prefix(k))
        let control = FuzzCase(id: "control", family: c.family, writes: [bodies.flatMap { driver.encode($0) }], close: .fin,
                               expected: bodies, note: "")
        guard let t = fastestRightAnswer(control, answerDeadline: answerDeadline(for: control)) else { return nil }
        let p50 = freshProbeP50()
        return p50 + max(0, t - p50) * Double(n) / Double(k) + Double(c.writes.count) * Double(c.gapMillis) / 1000
    }


    func judgeAloneOnce(_ c: FuzzCase, recovered: Bool, cause: inout Cause?) -> (Verdict, String) {
        guard recovered || recover() else { return (.hang, "the target was not answering before this case and did not recover") }
        target?.clearStderr()
        let overflowsBefore = c.close == .hold ? ProcStats.listenOverflows() : nil
        var probeConnect: Double?
        let o = driver.play(c, answerDeadline: answerDeadline(for: c), hold: holdTime, settle: max(timeout, 2), during: { [self] in
            var p = driver.timedProbe(timeout: timeout)
            // Silent while held: asked once more, with a longer timeout, before anyone is blamed
            // (a busy machine can be slower than the baseline's timeout; a blocked server stays
            // silent however long it is given).
            if case .silent = p.outcome {
                let again = driver.timedProbe(timeout: max(1, timeout * 3))
                if again.outcome.isAnswered || again.connectSeconds > p.connectSeconds { p = again }
            }
            probeConnect = p.connectSeconds
            return p.outcome
        })
        let overflows = overflowsBefore.flatMap { before in ProcStats.listenOverflows().map { $0 - before } }
        if let why = o.refused { return (.crash, "the case's connection was refused: \(why)") }
        // Let a crash happen before judging: a probe answered in that window proves nothing.
        usleep(settleMicroseconds)
        if let gone = processGone() { return (.crash, gone) }
        let p1 = driver.probe(timeout: timeout)
        if let gone = processGone() { return (.crash, gone) }
        if let held = o.heldProbe, !held.isAnswered, case .silent = held {
            if p1.isAnswered {
                let (why, seen) = holdCause(o, probeConnect: probeConnect, overflows: overflows)
                cause = why
                return (.blocksOthers, "while the case's connection was held open, a probe got no answer within \(ms(timeout)); after it closed, the probe was answered; \(seen)")
            }
            if case .refused(let why) = p1 { return (.crash, "the probe was refused after the held connection closed: \(why)") }
            return (.hang, "no probe was answered, neither while the case's connection was held open nor after it closed")
        }
        // Others were kept waiting even though the probe got through: the case's own later
        // connections waited for SYN retries while the first ones were pending.
        if c.close == .hold, p1.isAnswered, o.connectSeconds.contains(where: { $0 >= Self.synRetrySeconds }) {
            let (why, seen) = holdCause(o, probeConnect: probeConnect, overflows: overflows)
            cause = why
            return (.blocksOthers, seen)
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
                // Slow against the baseline measured now, not the run's start: a busy machine
                // slows every answer alike.
                // And the server must still be slow now: a busy machine's pause passes, a server
                // the case slowed down does not.
                let now = freshProbeP50()
                if now > slowThreshold {
                    return (.slow, "probes answered after \(ms(s1)) and \(ms(s2)), baseline \(ms(latencyP50)) (\(ms(now)) just now)")
                }
            }
        case .answered:
            break
        }
        switch o.answers {
        case .notJudged:
            return (.ok, "")
        case .right(let s):
            // Slow only against a control played right now: the same kind of messages, fewer.
            if s > ownSlowThreshold(c), let predicted = freshPrediction(c), s > max(0.25, predicted * 10) {
                return (.slow, "the case's \(c.expected.count) message(s) were answered right but after \(ms(s)); a control of the same messages played just now predicts \(ms(predicted))")
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
