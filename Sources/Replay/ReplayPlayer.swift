import Sockets
import Framing
#if canImport(Glibc)
import Glibc
#endif

/// How writes are paced.
public enum ReplayTiming: String, Sendable, CaseIterable {
    /// The captured gaps between writes, each at most `maxGap` seconds.
    case original
    /// The next write as soon as the answers the capture shows before it came (or the timeout).
    case asap
}

/// What one conversation's replay gave.
public struct ReplayOutcome: Sendable {
    public var conversation: ReplayConversation
    /// The server's answers, framed as the capture's were.
    public var replayed: [[UInt8]] = []
    public var comparisons: [MessageComparison] = []
    /// Writes sent (of `conversation.writes`, or messages with `byMessage`).
    public var sent = 0
    public var toSend = 0
    /// What went wrong, in words: refused, closed early, reset, silent.
    public var problem: String?
    /// The replay could not start (nothing listening, refused): exit status 2.
    public var couldNotRun = false
    /// The server reset the connection (or, UDP, an ICMP unreachable came).
    public var reset = false
    /// The replay's own client port (a new connection's), for comparing answers that carry it.
    public var clientPort: UInt16?

    /// The replayed answers with this replay's own client port masked (`maskingPort`): two
    /// replays of one conversation can be compared with each other this way.
    public var replayedWithoutOwnPort: [[UInt8]] {
        guard let p = clientPort else { return replayed }
        return replayed.map { maskingPort($0, p) }
    }
}

/// Plays conversations to a live server on blocking sockets; every wait is bounded.
public struct ReplayPlayer: Sendable {
    public var endpoints: [ClientEndpoint]
    public var timing: ReplayTiming = .asap
    public var byMessage = false
    /// How long to wait for an answer (and for the server's close at the end).
    public var timeout = 2.0
    /// The longest captured gap kept with `--timing original`.
    public var maxGap = 1.0

    public init(endpoints: [ClientEndpoint]) { self.endpoints = endpoints }

    public func play(_ c: ReplayConversation) -> ReplayOutcome {
        var out = ReplayOutcome(conversation: c)
        let units: [ReplayWrite] = byMessage && c.transport == .tcp
            ? c.clientMessages.map { ReplayWrite(bytes: $0, time: 0, frame: 0) }
            : c.writes
        out.toSend = units.count
        let socket: ClientSocket
        do {
            socket = try ClientSocket(connectingTo: endpoints, noDelay: true, timeout: timeout)
        } catch {
            out.problem = "could not connect: \(error)"
            out.couldNotRun = true
            out.comparisons = compareMessages(captured: c.serverMessages.map(\.body), replayed: [])
            return out
        }
        defer { socket.closeNow() }
        out.clientPort = socket.localPort
        var received: [UInt8] = []
        var datagrams: [[UInt8]] = []
        var framer = c.spec.kind == .auto ? MessageFramer(spec: FrameSpec(.raw)) : MessageFramer(spec: c.spec)
        var answers: [[UInt8]] = []
        var ended = false
        // Reads what comes within `seconds` (until `want` answers are in, when given).
        func read(for seconds: Double, want: Int?) {
            let deadline = Deadline(after: seconds)
            while !ended {
                if let w = want, answers.count >= w { return }
                let left = deadline.remaining
                if left <= 0 { return }
                var chunk: [UInt8] = []
                switch socket.receive(appendingTo: &chunk, within: left) {
                case .bytes(let n) where n > 0:
                    if c.transport == .udp {
                        datagrams.append(chunk)
                        answers.append(frameDatagram(chunk, spec: c.spec.kind == .auto ? FrameSpec(.raw) : c.spec,
                                                     index: answers.count + 1, offset: 0).body)
                    } else {
                        let offset = UInt64(received.count)
                        received += chunk
                        var got = framer.feed(chunk, at: offset)
                        if c.spec.kind == .raw { got += framer.endOfSegment() }
                        answers += got.filter { $0.complete || !$0.problems.isEmpty }.map(\.body)
                    }
                case .bytes:
                    continue
                case .closed:
                    ended = true
                    if out.problem == nil && out.sent < units.count {
                        out.problem = "the server closed the connection after \(out.sent) of \(units.count) writes"
                    }
                case .reset:
                    ended = true
                    out.reset = true
                    if out.problem == nil {
                        out.problem = c.transport == .udp && out.sent <= 1 && answers.isEmpty
                            ? "nothing listening (ICMP port unreachable)" : "the server reset the connection after \(out.sent) of \(units.count) writes"
                        if c.transport == .udp && answers.isEmpty { out.couldNotRun = true }
                    }
                case .timeout:
                    return
                case .failed(let why):
                    ended = true
                    if out.problem == nil { out.problem = why }
                }
            }
        }
        var expected = 0
        for (i, w) in units.enumerated() {
            if ended { break }
            if timing == .original, i > 0 {
                let gap = min(max(w.time - units[i - 1].time, 0), maxGap)
                if gap > 0 { read(for: gap, want: nil) }
            }
            guard socket.sendAll(w.bytes) else {
                if out.problem == nil { out.problem = "the server stopped taking bytes after \(out.sent) of \(units.count) writes" }
                break
            }
            out.sent += 1
            expected += byMessage ? 0 : w.answersBefore
            if timing == .asap && !byMessage && w.answersBefore > 0 { read(for: timeout, want: expected) }
        }
        // The client's end as captured (a FIN): then whatever the server still says, until it
        // closes, all the captured answers are in, or the timeout.
        if c.transport == .tcp && !ended { socket.shutdownWrite() }
        let all = c.serverMessages.count
        if !ended {
            read(for: timeout, want: c.transport == .udp ? all : nil)
            if c.transport == .tcp && !ended && answers.count < all { read(for: timeout, want: all) }
        }
        if c.transport == .tcp {
            answers += framer.finish().filter { !$0.body.isEmpty || !$0.problems.isEmpty }.map(\.body)
        }
        if out.problem == nil && answers.count < all {
            out.problem = "\(answers.count) of the \(all) captured answers came within \(timeout) s"
        }
        out.replayed = answers
        let ports = c.clientPort.flatMap { captured in out.clientPort.map { (captured: captured, replayed: $0) } }
        out.comparisons = compareMessages(captured: c.serverMessages.map(\.body), replayed: answers, ports: ports)
        return out
    }
}
