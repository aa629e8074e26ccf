// The fuzz run: baseline, limit learning, cases on several connections at once with the oracle
// after every case, attribution of every failure to its case by running suspects alone, target
// recovery and restarts, leak tracking, and the report.

import Chat
import Foundation
import Framing
import Fuzz
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public struct FuzzConfig: Sendable {
    public var address: ChatAddress
    public var udp = false
    /// A length format, `line`, or `raw` (unframed datagrams).
    public var spec: FrameSpec
    /// `--max-message`: the server's limit; nil to learn it.
    public var maxMessage: Int?
    public var cases = 5000
    public var duration = 120.0
    public var seed: UInt64 = 1
    public var families: Set<Family> = []
    public var exec: String?
    public var pid: Int32?
    public var oracle: OracleMode = .echo
    public var probe = "probe"
    public var expect: String?
    public var allowRemote = false
    /// Cases in flight at once (each on its own connections, each followed by its own probe).
    public var jobs = 8
    /// The probe's timeout; nil to derive it from the baseline.
    public var timeout: Double?
    /// How long hold cases keep their connections open (at least twice the timeout).
    public var hold = 0.5

    public init(address: ChatAddress, spec: FrameSpec) {
        self.address = address
        self.spec = spec
    }

    public var catalogueOptions: CatalogueOptions {
        CatalogueOptions(spec: spec, limit: maxMessage ?? spec.maxMessage, udp: udp, families: families, seed: seed)
    }
}

/// Live counters for a progress line.
public struct FuzzProgress: Sendable {
    public var done: Int
    public var total: Int
    public var elapsed: Double
    public var counts: [Verdict: Int]
}

public final class FuzzEngine: @unchecked Sendable {  // driven from one thread; lanes touch only `LaneWork`
    let config: FuzzConfig
    let log: @Sendable (String) -> Void
    private var driver: Driver!
    private var target: ExecTarget?
    private var pid: Int32? { target.map { $0.currentPid } ?? config.pid }
    private var timeout = 1.0
    private var latencyP50 = 0.001
    private var perFrame = 0.00001
    private var holdTime = 0.5
    private var started = Date()
    private var leakBase: ProcSample?
    private var report: FuzzReport!
    private var progressCounts: [Verdict: Int] = [:]
    private let progressLock = Mutex<Void>(())
    private var doneCount = 0
    private var loggedFindings = Set<String>()
    private var totalCount = 0

    public init(config: FuzzConfig, log: @escaping @Sendable (String) -> Void) {
        self.config = config
        self.log = log
    }

    private let cancelLock = Mutex<Void>(())
    private var cancelled = false

    /// Ends the run after the cases in flight (SIGINT); the report still comes.
    public func cancel() { cancelLock.withLock { _ in cancelled = true } }
    private var isCancelled: Bool { cancelLock.withLock { _ in cancelled } }

    public var progress: FuzzProgress {
        progressLock.withLock { _ in
            FuzzProgress(done: doneCount, total: totalCount, elapsed: Date().timeIntervalSince(started), counts: progressCounts)
        }
    }

    // MARK: - set-up

    /// Resolves and checks the target, starts it with `--exec`, measures the baseline and the
    /// limit. Throws `TargetError` when the target is unusable (exit 2).
    public func prepare() throws {
        var address = config.address
        if let cmd = config.exec {
            let t = ExecTarget(command: cmd)
            target = t
            let line = try t.start(wantLine: address.port == 0, timeout: 10)
            if address.port == 0 { address.port = try Self.port(fromLine: line, command: cmd) }
        }
        let endpoints: [ClientEndpoint]
        do {
            endpoints = try ClientEndpoint.resolve(address, udp: config.udp, allowRemote: config.allowRemote)
        } catch {
            throw TargetError("\(error)")
        }
        driver = Driver(endpoints: endpoints, spec: config.spec, udp: config.udp,
                        rule: AnswerRule(mode: config.oracle, expect: config.expect), probeText: config.probe)
        currentAddress = address
        if target != nil { try waitAccepting(seconds: 10) }
        try baseline()
    }

    private(set) public var currentAddress: ChatAddress?

    static func port(fromLine line: String?, command: String) throws -> Int {
        let digits = (line ?? "").filter(\.isNumber)
        guard let p = Int(digits.prefix(5)), (1...65535).contains(p) else {
            throw TargetError("the target `\(command)` was given port 0, so its first output line must be its port; it printed \(line.map { "\"\($0)\"" } ?? "nothing")")
        }
        return p
    }

    /// Waits until a connection is accepted (TCP) or the probe answers (UDP).
    private func waitAccepting(seconds: Double) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let t = target, !t.isRunning {
                throw TargetError("the target `\(t.command)` \(t.lastExit ?? "ended") before accepting connections" + Self.lastWords(t))
            }
            if config.udp {
                if driver.probe(timeout: 0.2).isAnswered { return }
            } else if let s = try? driver.connect(timeout: 0.5) {
                s.closeNow()
                return
            }
            usleep(20_000)
        }
        throw TargetError("nothing accepts connections on \(currentAddress?.description ?? config.address.description) after \(Int(seconds)) s")
    }

    static func lastWords(_ t: ExecTarget) -> String {
        let tail = t.stderrText.suffix(600)
        return tail.isEmpty ? "" : "; its last words:\n\(tail)"
    }

    private func baseline() throws {
        var latencies: [Double] = []
        for i in 0..<20 {
            switch driver.probe(timeout: 2) {
            case .answered(let s): latencies.append(s)
            case .refused(let why):
                throw TargetError("nothing answers on \(currentAddress!)\(config.udp ? " (UDP)" : ""): \(why)")
            case .silent:
                throw TargetError("\(currentAddress!) accepts but did not answer probe \(i + 1) within 2 s; check --framing, --oracle and --expect")
            case .closed:
                throw TargetError("\(currentAddress!) closed the probe's connection without answering; check --framing, --oracle and --expect")
            case .wrong(let why):
                var hint = ""
                if let (sent, got) = driver.sampleAnswer(timeout: 2), let s = String(validating: sent, as: UTF8.self),
                   let g = String(validating: got, as: UTF8.self), g.contains(s) {
                    hint = "; its answer holds the probe, so try --expect '\(g.replacingOccurrences(of: s, with: "{probe}").replacingOccurrences(of: "'", with: "'\\''"))'"
                }
                throw TargetError("\(currentAddress!) does not answer the probe as the oracle expects (\(config.oracle.rawValue)\(config.expect.map { ", --expect '\($0)'" } ?? "")): \(why)\(hint)")
            }
        }
        latencies.sort()
        latencyP50 = latencies[latencies.count / 2]
        let p99 = latencies[latencies.count - 1]
        timeout = config.timeout ?? min(2, max(0.2, p99 * 20 + 0.05))
        holdTime = max(config.hold, 2 * timeout + 0.05)
        // The cost of one more message in a write, for judging the case's own answers.
        if config.oracle != .connect && !config.udp && config.spec.kind != .raw {
            let bodies = (0..<50).map { Array("baseline \($0)".utf8) }
            let c = FuzzCase(id: "baseline", family: .writeBoundaries, writes: [bodies.flatMap { driver.encode($0) }], close: .fin,
                             expected: bodies, note: "")
            let o = driver.play(c, answerDeadline: 2, hold: 0, during: { nil })
            if case .right(let s) = o.answers { perFrame = max(0.000_001, (s - latencyP50) / 50) }
        }
    }

    /// The largest valid message the server answers right: a bounded search (at most about 30
    /// tries); `nil` when it cannot be learned with this oracle.
    private func learnLimit() -> Int? {
        guard config.oracle != .connect, config.spec.kind != .raw || config.udp else { return nil }
        // With any answer taken as right, a refusal ("error: too long") looks like an answer.
        if config.oracle == .reply && config.expect == nil {
            log("the server's limit is not learned with --oracle reply and no --expect (a refusal is an answer too); the limit-relative cases use --max-message's default, \(config.spec.maxMessage) bytes")
            return nil
        }
        let width = config.spec.headerWidth ?? 0
        // Up to 1 MiB (DESIGN's default limit: a server that answers that much is taken to have
        // it), or what the field can declare.
        var cap = FrameSpec(config.spec.kind, maxMessage: FrameSpec.defaultMaxMessage,
                            lengthIncludesHeader: config.spec.lengthIncludesHeader).largestBody ?? FrameSpec.defaultMaxMessage
        if config.udp { cap = min(cap, 65507 - width) }
        func answers(_ n: Int) -> Bool {
            _ = recover()
            let body = [UInt8](repeating: 0x78, count: n)
            let c = FuzzCase(id: "learn", family: .body, writes: [driver.encode(body)], close: .fin, expected: [body], note: "")
            let o = driver.play(c, answerDeadline: timeout + Double(n) / 20_000_000, hold: 0, during: { nil })
            if case .right = o.answers { return true }
            return false
        }
        guard cap >= 1, answers(1) else { return nil }
        var lo = 1, hi: Int? = nil
        var n = 1024
        while n < cap {
            if answers(n) { lo = n; n *= 4 } else { hi = n; break }
        }
        if hi == nil {
            if answers(cap) { return cap }
            hi = cap
        }
        while var h = hi, h - lo > 1 {
            let mid = lo + (h - lo) / 2
            if answers(mid) { lo = mid } else { h = mid }
            hi = h
        }
        _ = recover()
        return lo
    }

    // MARK: - the run

    /// Runs the catalogue; the report is complete whatever stopped it.
    public func run() -> FuzzReport {
        started = Date()
        var limit = config.maxMessage ?? config.spec.maxMessage
        var learned = false
        if config.maxMessage == nil, let l = learnLimit() {
            limit = l
            learned = true
            log("the server's limit, learned: \(l) bytes (the largest message it answered right)")
        }
        self.limit = limit
        var options = config.catalogueOptions
        options.limit = limit
        let catalogue = Catalogue(options)
        report = FuzzReport(target: currentAddress?.description ?? config.address.description, transport: config.udp ? "udp" : "tcp",
                            format: config.spec.description, seed: config.seed, limit: limit, limitLearned: learned)
        let total = catalogue.count(limit: config.cases)
        progressLock.withLock { _ in totalCount = total }
        leakBase = pid.flatMap(ProcStats.sample)
        let deadline = started.addingTimeInterval(config.duration)
        log(String(format: "baseline: probe p50 %.2f ms; timeout %.0f ms; hold %.2f s; %d cases, %d at once",
                   latencyP50 * 1000, timeout * 1000, holdTime, total, max(1, config.jobs)))
        var index = 0
        var needsRecovery = false
        while index < total && Date() < deadline && !isCancelled {
            if needsRecovery {
                needsRecovery = false
                if !recover() {
                    report.stoppedEarly = "the target did not recover after case \(index) (\(Int(recoverSeconds)) s); restart it, or let framescope do it with --exec"
                    break
                }
            }
            guard let first = catalogue.case(index) else { break }
            if first.exclusive || config.jobs <= 1 {
                let (v, detail) = judgeAlone(first)
                finish(first, index: index, verdict: v, detail: detail)
                needsRecovery = v != .ok
                index += 1
                if v == .ok { checkLeak(recent: [(index - 1, first)]) }
                continue
            }
            // A chunk of shareable cases, run on several connections at once.
            var chunk: [(Int, FuzzCase)] = []
            var i = index
            let chunkSize = pid == nil ? 64 * config.jobs : 16 * config.jobs
            while i < total && chunk.count < chunkSize, let c = catalogue.case(i), !c.exclusive {
                chunk.append((i, c))
                i += 1
            }
            let results = runParallel(chunk, deadline: deadline)
            let ran = results.count
            if ran == 0 { break }  // out of time
            // Attribute: every suspect, and the cases that finished just before the first one
            // (a crash can come a few milliseconds after its case), each judged again alone.
            var final: [Int: (Verdict, String)] = [:]
            // A crash can also come after the chunk's last probe: let the target settle and look
            // once more; if it is gone or silent now, the chunk's last cases are the suspects.
            var firstBad = results.firstIndex(where: { $0.quick != .ok })
            if firstBad == nil {
                usleep(settleMicroseconds)
                if processGone() != nil || !driver.probe(timeout: timeout).isAnswered { firstBad = ran }
            }
            if let firstBad {
                for k in max(0, firstBad - 2 * config.jobs)..<ran where k < firstBad || results[k].quick != .ok {
                    let (idx, c) = chunk[results[k].slot]
                    final[idx] = judgeAlone(c)
                }
                needsRecovery = final.values.contains { $0.0 != .ok }
            }
            // The lanes claimed a prefix of the chunk; record it in case order.
            var passed: [(Int, FuzzCase)] = []
            for (idx, c) in chunk.prefix(ran) {
                let (v, d) = final[idx] ?? (.ok, "")
                finish(c, index: idx, verdict: v, detail: d)
                if v == .ok { passed.append((idx, c)) }
            }
            index += ran
            checkLeak(recent: passed)
        }
        if report.stoppedEarly == nil && report.cases < total {
            report.stoppedEarly = isCancelled
                ? "interrupted after \(report.cases) of \(total) cases"
                : "--duration (\(Int(config.duration)) s) ran out after \(report.cases) of \(total) cases"
        }
        report.duration = Date().timeIntervalSince(started)
        report.restarts = restarts
        return report
    }

    // MARK: - one case on demand (replay, minimisation, recording)

    /// What one case did when judged alone on a recovered target.
    public struct Judgement: Sendable {
        public var verdict: Verdict
        public var detail: String
        /// The target's standard error while the case ran (with `--exec`).
        public var stderrTail: String
        /// Seconds the case and its oracle took.
        public var seconds: Double
    }

    /// The limit the catalogue uses (learned by `run()`, or the configured one).
    public private(set) var limit: Int?

    /// Plays `c` alone (the target recovered first, restarted if needed — unless the caller
    /// just did that with `recoverTarget()`, so the case's connection is the first one), lets
    /// the target settle, probes it, and gives the verdict. `hold` overrides the run's hold time.
    public func judge(_ c: FuzzCase, hold: Double? = nil, recovered: Bool = false, lookForLeak: Bool = false) -> Judgement {
        let t0 = Date()
        let saved = holdTime
        if let h = hold { holdTime = h }
        defer { holdTime = saved }
        var (v, d) = judgeAlone(c, recovered: recovered)
        let evidence = pending.removeValue(forKey: c.id)
        // A leak is not seen in one run: with `lookForLeak` (a leak finding played again), an
        // ok case is played three more times with the target's files and memory watched.
        if v == .ok, lookForLeak, !c.exclusive, let detail = leakDetail(c) { (v, d) = (.leak, detail) }
        return Judgement(verdict: v, detail: d, stderrTail: evidence?.stderr ?? "", seconds: Date().timeIntervalSince(t0))
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

    /// Delta debugging (Zeller's ddmin) that keeps `verdict`: first over the writes, then over the
    /// bytes inside each write, then the simplest close mode, one connection, no pauses, and a
    /// shorter hold. Each try is judged alone; bounded by `maxTries` and `seconds`. The result is
    /// run once more to confirm it reproduces.
    public func minimize(_ original: FuzzCase, verdict: Verdict, maxTries: Int, seconds: Double) -> Minimized {
        let deadline = Date().addingTimeInterval(seconds)
        var tries = 0
        var cutShort: String?
        var best = original
        var hold = holdTime
        // The valid messages a right server answers, for candidates with other bytes: what the
        // framing finds in them (only when the original judged its own answers).
        let judgesAnswers = !original.expected.isEmpty
        func budgetLeft() -> Bool {
            if tries >= maxTries { cutShort = cutShort ?? "\(maxTries) tries"; return false }
            if Date() >= deadline { cutShort = cutShort ?? "\(Int(seconds)) s"; return false }
            return !isCancelled
        }
        func fails(_ c: FuzzCase, hold h: Double? = nil) -> Bool {
            guard budgetLeft() else { return false }
            tries += 1
            var candidate = c
            if judgesAnswers { candidate.expected = Self.validBodies(in: c, spec: config.spec, udp: config.udp) }
            candidate.id = original.id + "~min\(tries)"
            return judge(candidate, hold: h, lookForLeak: verdict == .leak).verdict == verdict
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
        if judgesAnswers { best.expected = Self.validBodies(in: best, spec: config.spec, udp: config.udp) }
        // Confirm: the minimised case alone, once more, outside the budget.
        tries += 1
        var confirm = best
        confirm.id = original.id + "~min"
        let confirmed = judge(confirm, hold: hold, lookForLeak: verdict == .leak).verdict == verdict
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

    private func finish(_ c: FuzzCase, index: Int, verdict: Verdict, detail: String) {
        report.record(c.family, verdict)
        if verdict != .ok {
            let evidence = pending.removeValue(forKey: c.id) ?? (target?.stderrText ?? "", Date().timeIntervalSince(started))
            let failure = Failure(fuzzCase: c, index: index, verdict: verdict, detail: detail, stderrTail: evidence.stderr,
                                  foundAfter: evidence.at)
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

    // MARK: - parallel lanes

    private struct LaneResult {
        var slot: Int
        var quick: Verdict
    }

    /// Runs `chunk` on `jobs` lanes; each lane plays a case, then probes. A lane that sees the
    /// target down or silent stops the others from taking new cases. Results in completion order.
    private func runParallel(_ chunk: [(Int, FuzzCase)], deadline: Date) -> [LaneResult] {
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

    private func answerDeadline(for c: FuzzCase) -> Double {
        max(timeout * 2, min(10, latencyP50 + perFrame * Double(c.expected.count) * 100 + Double(c.writes.count) * Double(c.gapMillis) / 1000 + 1))
    }

    /// The lanes' verdict: anything but a clean pass makes the case a suspect, judged again alone.
    private func quickVerdict(_ c: FuzzCase, _ o: CaseOutcome, _ p: ProbeOutcome) -> Verdict {
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

    private var slowThreshold: Double { max(0.05, latencyP50 * 50) }

    /// How long a target gets to crash after a case before it is judged alive (10–200 ms).
    private var settleMicroseconds: UInt32 { UInt32(min(0.2, max(0.01, latencyP50 * 20)) * 1_000_000) }

    private func ownSlowThreshold(_ c: FuzzCase) -> Double {
        let predicted = latencyP50 + perFrame * Double(c.expected.count) + Double(c.writes.count) * Double(c.gapMillis) / 1000
        return max(0.25, predicted * 10)
    }

    // MARK: - one case alone

    /// Plays `c` with nothing else in flight, lets the target settle, and gives the verdict with
    /// what was seen.
    private func judgeAlone(_ c: FuzzCase, recovered: Bool = false) -> (Verdict, String) {
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

    /// Failures judged but not yet recorded, by case id: the target's stderr tail, and the
    /// seconds from the start of the run to the verdict.
    private var pending: [String: (stderr: String, at: Double)] = [:]

    private func judgeAloneOnce(_ c: FuzzCase, recovered: Bool) -> (Verdict, String) {
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

    private func ms(_ s: Double) -> String { s >= 1 ? String(format: "%.2f s", s) : String(format: "%.1f ms", s * 1000) }

    /// Why the target counts as gone, or nil while it runs.
    private func processGone() -> String? {
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

    // MARK: - recovery

    private var restarts = 0
    private var recoverSeconds: Double { max(5, timeout * 10) }

    /// Waits (bounded) until the target answers the probe again, restarting it with `--exec`
    /// when it is gone or stays silent. False when it did not recover.
    @discardableResult
    private func recover() -> Bool {
        let deadline = Date().addingTimeInterval(recoverSeconds)
        var silentSince: Date?
        while Date() < deadline {
            if let t = target, !t.isRunning {
                guard restart() else { return false }
                continue
            }
            let p = driver.probe(timeout: timeout)
            if p.isAnswered { return true }
            if case .silent = p {
                // A target we started and that stays silent is restarted: on its second silent
                // probe (a hang does not end by itself, and every second waited is lost).
                silentSince = silentSince ?? Date()
                if target != nil, Date().timeIntervalSince(silentSince!) >= timeout {
                    guard restart() else { return false }
                    silentSince = nil
                    continue
                }
            }
            usleep(20_000)
        }
        return false
    }

    private func restart() -> Bool {
        guard let t = target else { return false }
        t.stop()
        restarts += 1
        do {
            let line = try t.start(wantLine: config.address.port == 0, timeout: 10)
            if config.address.port == 0 {
                var a = currentAddress ?? config.address
                a.port = try Self.port(fromLine: line, command: t.command)
                currentAddress = a
                driver.endpoints = try ClientEndpoint.resolve(a, udp: config.udp, allowRemote: config.allowRemote)
            }
            try waitAccepting(seconds: 10)
            leakBase = pid.flatMap(ProcStats.sample)
            return true
        } catch {
            log("could not restart the target: \(error)")
            return false
        }
    }

    // MARK: - leaks

    /// With a pid: when open files or memory have grown well past the baseline, look for the
    /// case that makes them grow among `recent` (cases recorded `ok`), each run alone three times.
    private func checkLeak(recent: [(Int, FuzzCase)]) {
        guard let p = pid, let base = leakBase, let now = ProcStats.sample(p) else { return }
        guard now.fds >= base.fds + 8 || now.rssBytes >= base.rssBytes + 64 << 20 else { return }
        let started = Date()
        var found = 0
        for (idx, c) in recent.reversed() where Date().timeIntervalSince(started) < 15 && found < 3 && !c.exclusive {
            guard let detail = leakDetail(c) else { continue }
            found += 1
            // Replace the case's verdict: it ran as ok, it leaks.
            report.table[c.family, default: [:]][.ok, default: 0] -= 1
            report.cases -= 1
            progressLock.withLock { _ in
                doneCount -= 1
                progressCounts[.ok, default: 0] -= 1
            }
            finish(c, index: idx, verdict: .leak, detail: detail)
        }
        leakBase = ProcStats.sample(p)
    }

    /// The case played alone three times with the target's open files and memory sampled
    /// around each run: what grew on every run, or nil (no pid, or no steady growth).
    private func leakDetail(_ c: FuzzCase) -> String? {
        guard let p = pid, let before = settledSample(p) else { return nil }
        var samples = [before]
        for _ in 0..<3 {
            _ = driver.play(c, answerDeadline: answerDeadline(for: c), hold: 0, during: { nil })
            guard let s = settledSample(p) else { return nil }
            samples.append(s)
        }
        let fdGrowth = zip(samples, samples.dropFirst()).allSatisfy { $1.fds > $0.fds }
        let rssGrowth = zip(samples, samples.dropFirst()).allSatisfy { $1.rssBytes >= $0.rssBytes + 4 << 20 }
        if fdGrowth {
            return "open files of pid \(p): \(samples.map { String($0.fds) }.joined(separator: " → ")) over three runs of the case alone"
        }
        if rssGrowth {
            return "resident memory of pid \(p): \(samples.map { "\($0.rssBytes >> 20) MiB" }.joined(separator: " → ")) over three runs of the case alone"
        }
        return nil
    }

    /// A sample once the target's open files stop falling (connections closing), at most 0.5 s.
    private func settledSample(_ p: Int32) -> ProcSample? {
        var last = ProcStats.sample(p)
        for _ in 0..<25 {
            usleep(20_000)
            let s = ProcStats.sample(p)
            if let a = last, let b = s, b.fds >= a.fds { return b }
            last = s
        }
        return last
    }
}
