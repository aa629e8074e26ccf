// Playing one case on the wire, and the liveness probe: blocking sockets with every wait bounded.

import Sockets
import Foundation
import Framing
import Fuzz
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How the probe went.
enum ProbeOutcome: Equatable {
    /// The right answer, after this many seconds.
    case answered(Double)
    /// An answer, but not the right one.
    case wrong(String)
    /// Connection refused, or the peer reset it before answering (or ICMP unreachable for UDP).
    case refused(String)
    /// Accepted (or sent, for UDP) but no answer within the timeout.
    case silent
    /// The server closed the connection without answering.
    case closed

    var isAnswered: Bool { if case .answered = self { return true } else { return false } }
}

/// How a case's own valid messages were answered.
enum AnswerOutcome: Equatable {
    /// Nothing to judge (no valid message inside, or `--oracle connect`).
    case notJudged
    /// Every answer right; the last one came after this many seconds.
    case right(Double)
    case wrong(String)
    /// Not all answers came before the deadline: `got` of `of`, still coming or not.
    case incomplete(got: Int, of: Int, closed: Bool, seconds: Double)
}

struct CaseOutcome {
    /// The case could not even connect (ECONNREFUSED): the target is down.
    var refused: String?
    var answers: AnswerOutcome = .notJudged
    /// For hold cases: the probe made while the case's connections were held open.
    var heldProbe: ProbeOutcome?
    /// Seconds each of the case's own connections took to connect (a dropped SYN waits for its
    /// retry, about 1 s: the server's accept queue was full).
    var connectSeconds: [Double] = []
}

/// Plays cases and probes against one target address.
final class Driver: @unchecked Sendable {  // immutable after init but for `endpoints`, set between runs
    var endpoints: [ClientEndpoint]
    let spec: FrameSpec
    let udp: Bool
    var rule: AnswerRule  // set before the run: `fuzz --from` may fall back to `reply`
    let probeText: String
    /// `fuzz --from`: the probe is the captured conversation, replayed (ReplayOracle.swift).
    var conversationProbe: ConversationProbe?
    private let nonceLock = Mutex<Void>(())
    private var nonceCounter: UInt64 = 0
    private let nonceSalt = UInt64.random(in: 0...UInt64.max)

    init(endpoints: [ClientEndpoint], spec: FrameSpec, udp: Bool, rule: AnswerRule, probeText: String) {
        self.endpoints = endpoints
        self.spec = spec
        self.udp = udp
        self.rule = rule
        self.probeText = probeText
    }

    func connect(timeout: Double) throws -> ClientSocket {
        try ClientSocket(connectingTo: endpoints, noDelay: true, timeout: timeout)
    }

    /// A printable body with a nonce no earlier probe used.
    func probeBody() -> [UInt8] {
        let n: UInt64 = nonceLock.withLock { _ in
            nonceCounter += 1
            return nonceCounter
        }
        let nonce = String(n ^ nonceSalt, radix: 16)
        return Array("\(probeText)-\(nonce)".utf8)
    }

    func encode(_ body: [UInt8]) -> [UInt8] { spec.frameIgnoringLimit(body) ?? body }

    /// A fresh connection, one valid message with a nonce, the right answer within `timeout`.
    func probe(timeout: Double) -> ProbeOutcome { timedProbe(timeout: timeout).outcome }

    /// The probe, and how long its connection took to be made (the whole timeout when it was
    /// not made: a dropped SYN is retried only after about 1 s).
    func timedProbe(timeout: Double) -> (outcome: ProbeOutcome, connectSeconds: Double) {
        if let c = conversationProbe { return c.play(endpoints: endpoints, timeout: timeout) }
        let started = monotonicSeconds()
        let socket: ClientSocket
        do {
            socket = try connect(timeout: timeout)
        } catch let e as ChatClientError {
            let waited = monotonicSeconds() - started
            if e.code == ETIMEDOUT || e.code == EINPROGRESS || e.code == EAGAIN { return (.silent, waited) }
            return (.refused(e.description), waited)
        } catch {
            return (.refused("\(error)"), monotonicSeconds() - started)
        }
        let connected = monotonicSeconds() - started
        defer { socket.closeNow() }
        return (answer(on: socket, started: started, timeout: timeout), connected)
    }

    private func answer(on socket: ClientSocket, started: Double, timeout: Double) -> ProbeOutcome {
        if rule.mode == .connect && !udp { return .answered(monotonicSeconds() - started) }
        let body = probeBody()
        var reader = AnswerReader(spec: spec, rule: rule, expected: [body], udp: udp)
        guard socket.sendAll(encode(body)) else { return .refused("the probe could not be sent: \(String(cString: strerror(errno)))") }
        switch read(&reader, from: socket, until: started + timeout) {
        case .done: return .answered(monotonicSeconds() - started)
        case .mismatch(let why): return .wrong(why)
        case .ended(.closed): return .closed
        case .ended(.reset): return udp ? .refused("ICMP port unreachable") : .refused("connection reset before an answer")
        case .ended(.failed(let why)): return .refused(why)
        case .ended: return .silent
        }
    }

    /// One probe, any well-formed answer: what was sent and the first answer's body, for the
    /// hint when the target does not answer as the oracle expects.
    func sampleAnswer(timeout: Double) -> (sent: [UInt8], got: [UInt8])? {
        guard let socket = try? connect(timeout: timeout) else { return nil }
        defer { socket.closeNow() }
        let body = probeBody()
        var reader = AnswerReader(spec: spec, rule: AnswerRule(mode: .reply, expect: nil), expected: [body], udp: udp)
        guard socket.sendAll(encode(body)) else { return nil }
        _ = read(&reader, from: socket, until: monotonicSeconds() + timeout)
        return reader.lastAnswer.map { (body, $0) }
    }

    /// Plays `c`: connects, writes, reads the answers to its valid messages, closes as the case
    /// says. `during` runs while a hold case's connections are held (the engine probes there).
    /// `settle` (judging alone): a case that ends with a FIN half-closes instead and waits (at
    /// most `settle` seconds) for the server to close its side — it has then read everything,
    /// and a crash those bytes cause has happened, however busy the machine is.
    func play(_ c: FuzzCase, answerDeadline: Double, hold: Double, settle: Double = 0, during: () -> ProbeOutcome?) -> CaseOutcome {
        var outcome = CaseOutcome()
        var sockets: [ClientSocket] = []
        defer { for s in sockets { s.closeNow() } }
        // "At once": the connections are made concurrently (a burst of SYNs, as many clients
        // arriving together make), each timed; one refused when none was made means the
        // target is down, a later one refused is the server's right.
        let attempts = connectAll(max(1, c.connections))
        outcome.connectSeconds = attempts.map(\.seconds)
        sockets = attempts.compactMap(\.socket)
        if sockets.isEmpty {
            outcome.refused = attempts.first?.error ?? "no connection"
            return outcome
        }
        let started = monotonicSeconds()
        for (i, w) in c.writes.enumerated() {
            if i > 0 && c.gapMillis > 0 { usleep(UInt32(c.gapMillis) * 1000) }
            for s in sockets { _ = s.sendAll(w) }  // a server that closed early makes this fail: not an error
        }
        let judged = !c.expected.isEmpty && rule.mode != .connect
        if judged, let s = sockets.first {
            outcome.answers = readAnswers(on: s, expected: c.expected, started: started, deadline: answerDeadline)
        }
        switch c.close {
        case .fin, .none:
            if settle > 0 {
                for s in sockets { s.shutdownWrite() }
                drainUntilClosed(sockets, seconds: settle)
            }
        case .halfClose:
            for s in sockets { s.shutdownWrite() }
            drainUntilClosed(sockets, seconds: min(answerDeadline, 2))
        case .rst:
            for s in sockets { s.resetOnClose() }
        case .hold:
            let holdStarted = monotonicSeconds()
            outcome.heldProbe = during()
            let left = hold - (monotonicSeconds() - holdStarted)
            if left > 0 { usleep(UInt32(min(left, 60) * 1_000_000)) }
        }
        return outcome
    }

    /// `n` connections made at once (one thread each past the first), in the order asked.
    private func connectAll(_ n: Int) -> [(socket: ClientSocket?, seconds: Double, error: String?)] {
        final class Slots: @unchecked Sendable {  // each slot written by one thread, read after the group's wait
            var items: [(socket: ClientSocket?, seconds: Double, error: String?)]
            init(_ n: Int) { items = Array(repeating: (nil, 0, nil), count: n) }
        }
        let slots = Slots(n)
        @Sendable func attempt(_ i: Int) {
            let t0 = monotonicSeconds()
            do {
                let s = try connect(timeout: 2)
                slots.items[i] = (s, monotonicSeconds() - t0, nil)
            } catch {
                slots.items[i] = (nil, monotonicSeconds() - t0, "\(error)")
            }
        }
        if n == 1 {
            attempt(0)
            return slots.items
        }
        let group = DispatchGroup()
        for i in 0..<n {
            group.enter()
            let t = Thread {
                attempt(i)
                group.leave()
            }
            t.stackSize = 1 << 16
            t.start()
        }
        group.wait()
        return slots.items
    }

    private func readAnswers(on s: ClientSocket, expected: [[UInt8]], started: Double, deadline seconds: Double) -> AnswerOutcome {
        var reader = AnswerReader(spec: spec, rule: rule, expected: expected, udp: udp)
        if let captured = conversationProbe?.conversation.clientPort, let own = s.localPort {
            reader.ownPorts = (captured, own)
        }
        let end = read(&reader, from: s, until: started + seconds)
        let elapsed = monotonicSeconds() - started
        switch end {
        case .done: return .right(elapsed)
        case .mismatch(let why): return .wrong(why)
        case .ended(.timeout): return .incomplete(got: reader.matched, of: expected.count, closed: false, seconds: elapsed)
        case .ended: return .incomplete(got: reader.matched, of: expected.count, closed: true, seconds: elapsed)
        }
    }

    /// How reading answers ended.
    private enum ReadEnd {
        case done
        case mismatch(String)
        /// The peer closed or reset, a read failed, or the deadline passed (`.timeout`).
        case ended(ClientSocket.Received)
    }

    /// Feeds what `s` receives to `reader` until the answers are all there or one is wrong, the
    /// peer ends, or `deadline` passes: the one read loop of the probe and of a case's answers.
    private func read(_ reader: inout AnswerReader, from s: ClientSocket, until deadline: Double) -> ReadEnd {
        var buffer: [UInt8] = []
        while true {
            let left = deadline - monotonicSeconds()
            if left <= 0 { return .ended(.timeout) }
            buffer.removeAll(keepingCapacity: true)
            let got = s.receive(appendingTo: &buffer, within: left)
            guard case .bytes(let n) = got else { return .ended(got) }
            if n == 0 { continue }
            switch reader.feed(buffer) {
            case .done: return .done
            case .mismatch(let why): return .mismatch(why)
            case .pending: continue
            }
        }
    }

    /// After a half-close: read (and drop) until the server closes its side, or `seconds` pass.
    private func drainUntilClosed(_ sockets: [ClientSocket], seconds: Double) {
        let deadline = Deadline(after: seconds)
        var buffer: [UInt8] = []
        for s in sockets {
            while !deadline.hasPassed {
                buffer.removeAll(keepingCapacity: true)
                if case .bytes = s.receive(appendingTo: &buffer, within: deadline.remaining) { continue }
                break
            }
        }
    }
}
