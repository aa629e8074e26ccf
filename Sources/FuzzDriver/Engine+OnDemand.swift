// One case on demand, outside the run: judged alone (replay, recording) and minimised.

import Sockets
import Foundation
import Framing
import Fuzz
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension FuzzEngine {
    // MARK: - one case on demand (replay, minimisation, recording)

    /// What one case did when judged alone on a recovered target.
    public struct Judgement: Sendable {
        public var verdict: Verdict
        public var detail: String
        /// The target's standard error while the case ran (with `--exec`).
        public var stderrTail: String
        /// Seconds the case and its oracle took.
        public var seconds: Double
        /// The mechanism behind the verdict, where the oracle could tell.
        public var cause: Cause?
    }

    /// Plays `c` alone (the target recovered first, restarted if needed — unless the caller
    /// just did that with `recoverTarget()`, so the case's connection is the first one), lets
    /// the target settle, probes it, and gives the verdict. `hold` overrides the run's hold time.
    public func judge(_ c: FuzzCase, hold: Double? = nil, recovered: Bool = false, lookForLeak: Bool = false) -> Judgement {
        let t0 = monotonicSeconds()
        let saved = holdTime
        if let h = hold { holdTime = h }
        defer { holdTime = saved }
        var (v, d) = judgeAlone(c, recovered: recovered)
        let evidence = pending.removeValue(forKey: c.id)
        // A leak is not seen in one run: with `lookForLeak` (a leak finding played again), an
        // ok case is played three more times with the target's files and memory watched.
        if v == .ok, lookForLeak, !c.exclusive, let detail = leakDetail(c) { (v, d) = (.leak, detail) }
        return Judgement(verdict: v, detail: d, stderrTail: evidence?.stderr ?? "", seconds: monotonicSeconds() - t0,
                         cause: evidence?.cause)
    }

    /// Waits until the target answers again (restarting it with `--exec` when it is gone or
    /// silent), so its port is known before a capture starts. False when it did not recover.
    @discardableResult
    public func recoverTarget() -> Bool { recover() }

    /// The hold time the run uses for `hold` cases.
    public var holdSeconds: Double { holdTime }
    /// The probe's timeout and its median answer time, from the baseline.
    public var oracleTimeout: Double { timeout }
    public var probeP50: Double { latencyP50 }

    /// What minimisation found.
    public struct Minimized: Sendable {
        public var fuzzCase: FuzzCase
        public var hold: Double
        /// Cases played (each one judged alone), the confirming run included.
        public var tries: Int
        /// The minimised case, run once more at the end, gave the same verdict.
        public var confirmed: Bool
        /// Why it stopped before it could try everything (tries or time ran out), if it did.
        public var cutShort: String?
    }

    /// Plays `c` alone (recovered first, its verdict judged against the baseline as measured
    /// then) up to `times` times, stopping once 2 can no longer come back: how often `verdict`
    /// (with `cause`, when one is given) came back, and how often it was played.
    public func confirm(_ c: FuzzCase, verdict: Verdict, cause: Cause?, times: Int = 3, hold: Double? = nil) -> (cameBack: Int, played: Int) {
        var came = 0
        var played = 0
        while played < times && came + (times - played) >= 2 && !isCancelled {
            played += 1
            let j = judge(c, hold: hold, lookForLeak: verdict == .leak)
            if j.verdict == verdict && (cause == nil || j.cause == cause) { came += 1 }
        }
        return (came, played)
    }

    /// Delta debugging (Zeller's ddmin) that keeps `verdict`: first over the writes, then over the
    /// bytes inside each write, then the simplest close mode, one connection, no pauses, and a
    /// shorter hold. Each try is judged alone, and a step counts only when it is confirmed: its
    /// verdict (and `cause`, when given) comes back on 2 of at most 3 plays, each play a try;
    /// bounded by `maxTries` and `seconds`. The result is run once more to confirm it reproduces.
    public func minimize(_ original: FuzzCase, verdict: Verdict, cause: Cause? = nil, maxTries: Int, seconds: Double) -> Minimized {
        let deadline = Deadline(after: seconds)
        var tries = 0
        var cutShort: String?
        var best = original
        var hold = holdTime
        // The valid messages a right server answers, for candidates with other bytes: what the
        // framing finds in them (only when the original judged its own answers).
        // With `--from` the right answers are the capture's, known only for the writes as
        // captured: a candidate with other writes is judged by the oracle alone.
        let judgesAnswers = !original.expected.isEmpty && config.from == nil
        func expected(_ c: FuzzCase) -> [[UInt8]] {
            if judgesAnswers { return Self.validBodies(in: c, spec: config.spec, udp: config.udp) }
            return c.writes == original.writes ? original.expected : []
        }
        func budgetLeft() -> Bool {
            if tries >= maxTries { cutShort = cutShort ?? "\(maxTries) tries"; return false }
            if deadline.hasPassed { cutShort = cutShort ?? "\(Int(seconds)) s"; return false }
            return !isCancelled
        }
        func fails(_ c: FuzzCase, hold h: Double? = nil) -> Bool {
            guard budgetLeft() else { return false }
            tries += 1
            var candidate = c
            candidate.expected = expected(c)
            candidate.id = original.id + "~min\(tries)"
            func same() -> Bool {
                let j = judge(candidate, hold: h, lookForLeak: verdict == .leak)
                return j.verdict == verdict && (cause == nil || j.cause == cause)
            }
            // Once, then confirmed: a second play, or a third when the second differs.
            guard same() else { return false }
            for _ in 0..<2 {
                guard budgetLeft() else { return false }
                tries += 1
                if same() { return true }
            }
            return false
        }
        // 1. The writes (whole sends).
        best.writes = ddmin(best.writes) { writes in
            var c = best
            c.writes = writes
            return !writes.isEmpty && fails(c)
        }
        // 2. The bytes inside each write.
        // (ddmin never empties a write: an empty UDP datagram is a case of its own.)
        for w in best.writes.indices where best.writes[w].count > 1 && budgetLeft() {
            best.writes[w] = ddmin(best.writes[w]) { bytes in
                var c = best
                c.writes[w] = bytes
                return fails(c)
            }
        }
        // 3. The connection's shape: the simplest close, one connection, no pauses, a shorter hold.
        let simplest: [CloseMode] = [.fin, .halfClose, .rst, .hold]
        if let current = simplest.firstIndex(of: best.close) {
            for mode in simplest[..<current] {
                var c = best
                c.close = mode
                if fails(c) { best = c; break }
            }
        }
        if best.connections > 1 {
            var c = best
            c.connections = 1
            if fails(c) { best = c }
        }
        if best.gapMillis > 0 {
            var c = best
            c.gapMillis = 0
            if fails(c) { best = c }
        }
        if best.close == .hold {
            var h = hold
            while h / 2 >= max(0.05, timeout * 2) && fails(best, hold: h / 2) { h /= 2 }
            hold = h
        }
        best.expected = expected(best)
        // Confirm: the minimised case alone, once more, outside the budget.
        tries += 1
        var confirm = best
        confirm.id = original.id + "~min"
        let last = judge(confirm, hold: hold, lookForLeak: verdict == .leak)
        let confirmed = last.verdict == verdict && (cause == nil || last.cause == cause)
        best.id = original.id
        return Minimized(fuzzCase: best, hold: hold, tries: tries, confirmed: confirmed, cutShort: cutShort)
    }

    /// The bodies of the complete, well-formed messages in `bytes` under `spec`.
    static func validBodies(in c: FuzzCase, spec: FrameSpec, udp: Bool) -> [[UInt8]] {
        let messages: [FramedMessage]
        if udp {
            messages = c.writes.enumerated().map { frameDatagram($0.element, spec: spec, index: $0.offset + 1, offset: 0) }
        } else {
            var framer = MessageFramer(spec: spec)
            messages = framer.feed(c.bytes, at: 0) + framer.finish()
        }
        return messages.filter { $0.complete && $0.problems.isEmpty }.map(\.body)
    }

    /// ddmin over `items`: the smallest subsequence (1-minimal as far as the test allows) for
    /// which `test` still holds, found by removing chunks of decreasing size.
    func ddmin<T>(_ items: [T], _ test: ([T]) -> Bool) -> [T] {
        var current = items
        var n = 2
        while current.count >= 2 {
            let chunk = (current.count + n - 1) / n
            var reduced = false
            var start = 0
            while start < current.count {
                let end = min(current.count, start + chunk)
                let complement = Array(current[..<start] + current[end...])
                if !complement.isEmpty && test(complement) {
                    current = complement
                    n = max(n - 1, 2)
                    reduced = true
                    break
                }
                start = end
            }
            if !reduced {
                if n >= current.count { break }
                n = min(current.count, n * 2)
            }
        }
        return current
    }

    /// Stops the target started with `--exec`: after the run and what follows it (minimisation,
    /// recording), and on early exits.
    public func shutdown() { target?.stop() }

    /// Cases recorded as passed, judged again alone because the target went down (or silent)
    /// after them; a case whose verdict is not ok now is recorded again with it. True when one was.
    func rejudge(_ cases: [(Int, FuzzCase)]) -> Bool {
        var any = false
        for (idx, c) in cases {
            let (v, d) = judgeAlone(c)
            guard v != .ok else { continue }
            any = true
            report.unrecord(c.family, .ok)
            progressLock.withLock { _ in
                doneCount -= 1
                progressCounts[.ok, default: 1] -= 1
            }
            finish(c, index: idx, verdict: v, detail: d)
        }
        return any
    }

    func finish(_ c: FuzzCase, index: Int, verdict: Verdict, detail: String) {
        report.record(c.family, verdict)
        if verdict != .ok {
            let evidence = pending.removeValue(forKey: c.id) ?? (target?.stderrText ?? "", monotonicSeconds() - started, nil)
            var failure = Failure(fuzzCase: c, index: index, verdict: verdict, detail: detail, stderrTail: evidence.stderr,
                                  foundAfter: evidence.at)
            failure.cause = evidence.cause
            report.keep(failure)
            // One line per distinct finding as it is found; the summary counts the rest.
            if loggedFindings.insert(failure.findingKey).inserted {
                log("new finding, \(verdict.rawValue): \(c.id) (\(c.family.rawValue)) — \(c.note); \(detail)")
            }
            target?.clearStderr()
        }
        progressLock.withLock { _ in
            doneCount += 1
            progressCounts[verdict, default: 0] += 1
        }
    }

}
