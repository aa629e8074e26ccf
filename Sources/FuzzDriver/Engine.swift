// The fuzz run: baseline, limit learning, cases on several connections at once with the oracle
// after every case, attribution of every failure to its case by running suspects alone, target
// recovery and restarts, leak tracking, and the report.

import Sockets
import Foundation
import Framing
import Fuzz
import Replay
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
    /// `--from`: the captured conversation that seeds the cases and, replayed, is the oracle.
    public var from: ReplayConversation?

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
    var driver: Driver!
    var target: ExecTarget?
    var pid: Int32? { target.map { $0.currentPid } ?? config.pid }
    var timeout = 1.0
    var latencyP50 = 0.001
    var perFrame = 0.00001
    var holdTime = 0.5
    var started = monotonicSeconds()
    var leakBase: ProcSample?
    var report: FuzzReport!
    var progressCounts: [Verdict: Int] = [:]
    let progressLock = Mutex<Void>(())
    var doneCount = 0
    var loggedFindings = Set<String>()
    var totalCount = 0

    /// Failures judged but not yet recorded, by case id: the target's stderr tail, and the
    /// seconds from the start of the run to the verdict.
    var pending: [String: (stderr: String, at: Double, cause: Cause?)] = [:]
    var restarts = 0

    /// The limit the catalogue uses (learned by `run()`, or the configured one).
    public internal(set) var limit: Int?

    public init(config: FuzzConfig, log: @escaping @Sendable (String) -> Void) {
        self.config = config
        self.log = log
    }

    let cancelLock = Mutex<Void>(())
    var cancelled = false

    /// Ends the run after the cases in flight (SIGINT); the report still comes.
    public func cancel() { cancelLock.withLock { _ in cancelled = true } }
    var isCancelled: Bool { cancelLock.withLock { _ in cancelled } }

    public var progress: FuzzProgress {
        progressLock.withLock { _ in
            FuzzProgress(done: doneCount, total: totalCount, elapsed: monotonicSeconds() - started, counts: progressCounts)
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
        installConversationProbe()
        if target != nil { try waitAccepting(seconds: 10) }
        checkConversationStability()
        try baseline()
    }

    public internal(set) var currentAddress: ChatAddress?

    static func port(fromLine line: String?, command: String) throws -> Int {
        let digits = (line ?? "").filter(\.isNumber)
        guard let p = Int(digits.prefix(5)), (1...65535).contains(p) else {
            throw TargetError("the target `\(command)` was given port 0, so its first output line must be its port; it printed \(line.map { "\"\($0)\"" } ?? "nothing")")
        }
        return p
    }

    /// Waits until a connection is accepted (TCP) or the probe answers (UDP).
    func waitAccepting(seconds: Double) throws {
        let deadline = Deadline(after: seconds)
        while !deadline.hasPassed {
            if let t = target, !t.isRunning {
                throw TargetError("the target `\(t.command)` \(t.lastExit ?? "ended") before accepting connections" + Self.lastWords(t))
            }
            if config.udp {
                // Any answer says it is up; a wrong one is the baseline's to report.
                switch driver.probe(timeout: 0.2) {
                case .answered, .wrong: return
                default: break
                }
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

    func baseline() throws {
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
            case .wrong(let why) where driver.conversationProbe != nil:
                throw TargetError("\(currentAddress!) does not answer the captured conversation as the oracle expects (\(driver.rule.mode == .reply ? "reply" : "replay")): \(why)")
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
        // The cost of one more message in a write, for judging the case's own answers (the
        // fastest of five plays: one held up waiting for a busy core made every case 50 times
        // more patient, and a quadratic server passed as fine).
        if config.oracle != .connect && !config.udp && config.spec.kind != .raw && config.from == nil {
            let bodies = (0..<50).map { Array("baseline \($0)".utf8) }
            let c = FuzzCase(id: "baseline", family: .writeBoundaries, writes: [bodies.flatMap { driver.encode($0) }], close: .fin,
                             expected: bodies, note: "")
            if let s = fastestRightAnswer(c, answerDeadline: 2) { perFrame = max(0.000_001, (s - latencyP50) / 50) }
        }
    }

    /// The largest valid message the server answers right: a bounded search (at most about 30
    /// tries); `nil` when it cannot be learned with this oracle.
    func learnLimit() -> Int? {
        guard config.oracle != .connect, config.spec.kind != .raw || config.udp else { return nil }
        // A captured conversation's server need not echo, nor answer before its login.
        if config.from != nil { return nil }
        // With any answer taken as right, a refusal ("error: too long") looks like an answer.
        if config.oracle == .reply && config.expect == nil {
            log("the server's limit is not learned with --oracle reply and no --expect (a refusal is an answer too); the limit-relative cases use --max-message's default, \(config.spec.maxMessage) bytes")
            return nil
        }
        let width = config.spec.headerWidth ?? 0
        // Up to 1 MiB (docs/DESIGN.md "Framing specs" default: a server that answers that much is taken to have
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
        started = monotonicSeconds()
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
        let catalogue = config.caseSource(options)
        report = FuzzReport(target: currentAddress?.description ?? config.address.description, transport: config.udp ? "udp" : "tcp",
                            format: config.spec.description, seed: config.seed, limit: limit, limitLearned: learned)
        if let probe = driver.conversationProbe { (report.oracle, report.oracleFallback) = (probe.exact ? "replay" : "reply", probe.fallback) }
        let total = catalogue.count(limit: config.cases)
        progressLock.withLock { _ in totalCount = total }
        leakBase = pid.flatMap(ProcStats.sample)
        let deadline = started + config.duration
        log(String(format: "baseline: probe p50 %.2f ms; timeout %.0f ms; hold %.2f s; %d cases, %d at once",
                   latencyP50 * 1000, timeout * 1000, holdTime, total, max(1, config.jobs)))
        var index = 0
        var needsRecovery = false
        // The last cases of the previous chunk that passed: a crash they caused can surface only
        // when the next chunk starts (or after the run's last probe), so they stay suspects.
        var carried: [(Int, FuzzCase)] = []
        while index < total && monotonicSeconds() < deadline && !isCancelled {
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
                // The window reaches back past the chunk's start: the previous chunk's last cases too.
                if firstBad < 2 * config.jobs && rejudge(carried) { needsRecovery = true }
                for k in max(0, firstBad - 2 * config.jobs)..<ran where k < firstBad || results[k].quick != .ok {
                    let (idx, c) = chunk[results[k].slot]
                    final[idx] = judgeAlone(c)
                }
                if final.values.contains(where: { $0.0 != .ok }) { needsRecovery = true }
            }
            carried = []
            // The lanes claimed a prefix of the chunk; record it in case order.
            var passed: [(Int, FuzzCase)] = []
            for (idx, c) in chunk.prefix(ran) {
                let (v, d) = final[idx] ?? (.ok, "")
                finish(c, index: idx, verdict: v, detail: d)
                if v == .ok { passed.append((idx, c)) }
            }
            carried = Array(passed.suffix(2 * config.jobs))
            index += ran
            checkLeak(recent: passed)
        }
        // After the run's last probe: a crash takes a while to show on a busy machine. Look once
        // more after a longer wait; if the target is gone or silent, the last cases are judged
        // again alone.
        if !carried.isEmpty && !isCancelled {
            usleep(max(settleMicroseconds, 300_000))
            if processGone() != nil || !driver.probe(timeout: max(timeout, 1)).isAnswered { _ = rejudge(carried) }
        }
        if report.stoppedEarly == nil && report.cases < total {
            report.stoppedEarly = isCancelled
                ? "interrupted after \(report.cases) of \(total) cases"
                : "--duration (\(Int(config.duration)) s) ran out after \(report.cases) of \(total) cases"
        }
        report.duration = monotonicSeconds() - started
        report.restarts = restarts
        return report
    }
}
