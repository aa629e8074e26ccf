import Framing
import Inspect
import Streams
import Wire

/// One write of the client as captured: a segment's new bytes (retransmitted bytes once), or a
/// datagram.
public struct ReplayWrite: Sendable {
    public var bytes: [UInt8]
    /// Capture time, in seconds since the first frame of the capture.
    public var time: Double
    public var frame: Int
    /// Captured server messages (or datagrams) complete before the client's next write: how many
    /// answers `--timing asap` waits for after this write.
    public var answersBefore = 0
}

/// A captured conversation to replay: the client's writes, its messages, the server's messages.
public struct ReplayConversation: Sendable {
    public enum Transport: String, Sendable { case tcp, udp }
    public var transport: Transport
    /// TCP stream index, or UDP flow index.
    public var stream: Int
    public var client: String
    public var server: String
    public var serverPort: UInt16
    /// The client's port in the capture: answers that carry it as text are compared without it.
    public var clientPort: UInt16?
    public var writes: [ReplayWrite] = []
    /// The client's messages as captured, each the bytes it had on the wire (header included).
    public var clientMessages: [[UInt8]] = []
    /// The server's messages as captured (bodies, framed with `spec`).
    public var serverMessages: [FramedMessage] = []
    /// The framing the comparison uses (given, or guessed for this stream).
    public var spec: FrameSpec
    /// Client bytes that were on the wire but not captured: not sent (the report says so).
    public var skippedBytes: UInt64 = 0
    /// The capture began inside this conversation (its first bytes are no message boundary).
    public var midStream = false
}

/// Builds the conversations of a capture from its frames, in one pass: the client's bytes as
/// the reassembler delivers them (segment by segment, first copies only), and both sides'
/// messages as `messages` would frame them.
public final class ReplayPlanner {
    let inspector: Inspector
    let stage: MessageStage
    let choice: FramingChoice
    var frame = DecodedFrame()
    var conversations: [String: ReplayConversation] = [:]
    var order: [String] = []
    var clientStream: [Int: [UInt8]] = [:]
    var firstTime: Timestamp?
    var frameTimes: [Int: Double] = [:]

    public init(framing: FramingChoice) {
        choice = framing
        inspector = Inspector(framing: nil, verifiesTransportChecksums: false)
        stage = MessageStage(framing: framing, keeps: .all)
    }

    static func key(_ t: ReplayConversation.Transport, _ s: Int) -> String { "\(t.rawValue) \(s)" }

    func seconds(_ t: Timestamp) -> Double {
        let base = firstTime ?? t
        if firstTime == nil { firstTime = t }
        return Double(t.seconds - base.seconds) + (Double(t.nanoseconds) - Double(base.nanoseconds)) / 1e9
    }

    /// One captured frame.
    public func add(_ bytes: UnsafeRawBufferPointer, linkType: LinkType, wireLength: Int, number: Int, timestamp: Timestamp) {
        let time = seconds(timestamp)
        inspector.inspect(bytes, linkType: linkType, wireLength: wireLength, number: number, timestamp: timestamp, into: &frame)
        for e in inspector.streams.takeEvents() {
            switch e {
            case .stream(.opened(let s, let ep)):
                let k = Self.key(.tcp, s)
                conversations[k] = ReplayConversation(
                    transport: .tcp, stream: s, client: Self.endpoint(ep.client, ep.clientPort),
                    server: Self.endpoint(ep.server, ep.serverPort), serverPort: ep.serverPort,
                    clientPort: ep.clientPort, spec: choice.spec(serverPort: ep.serverPort, clientPort: ep.clientPort))
                order.append(k)
            case .stream(.midStream(let s, .clientToServer)):
                conversations[Self.key(.tcp, s)]?.midStream = true
            case .stream(.data(let s, .clientToServer, let offset, let data, let f, _)):
                let k = Self.key(.tcp, s)
                conversations[k]?.writes.append(ReplayWrite(bytes: data.array, time: frameTimes[f] ?? time, frame: f))
                var all = clientStream[s] ?? []
                if UInt64(all.count) == offset { all += data } else if UInt64(all.count) < offset {
                    all += [UInt8](repeating: 0, count: Int(offset) - all.count) + data
                }
                clientStream[s] = all
            case .stream(.gap(let s, .clientToServer, _, let length)):
                conversations[Self.key(.tcp, s)]?.skippedBytes += length ?? 0
            case .datagram(let d):
                let k = Self.key(.udp, d.flow)
                if conversations[k] == nil {
                    conversations[k] = ReplayConversation(
                        transport: .udp, stream: d.flow, client: "port \(d.clientPort)", server: "port \(d.serverPort)",
                        serverPort: d.serverPort, clientPort: d.clientPort,
                        spec: choice.spec(serverPort: d.serverPort, clientPort: d.clientPort))
                    order.append(k)
                }
                if d.direction == .clientToServer {
                    conversations[k]?.writes.append(ReplayWrite(bytes: d.payload, time: time, frame: d.frame))
                }
            default:
                break
            }
            stage.consume(e)
        }
        frameTimes[number] = time
        collect(stage.takeMessages())
    }

    func collect(_ messages: [ChatMessage]) {
        for m in messages {
            let k = Self.key(m.transport == .tcp ? .tcp : .udp, m.stream)
            guard var c = conversations[k] else { continue }
            if let spec = try? FrameSpec(parsing: m.format, maxMessage: choice.defaultSpec.maxMessage), spec.kind != .auto {
                c.spec = spec  // the format the stream was framed with (auto: the guess)
            }
            if m.direction == .serverToClient {
                c.serverMessages.append(m.message)
                // Answers complete before the client's next write.
                let last = m.frames.last ?? 0
                if let w = c.writes.lastIndex(where: { $0.frame < last }) { c.writes[w].answersBefore += 1 }
            } else if m.transport == .tcp, let all = clientStream[m.stream], m.message.end <= UInt64(all.count) {
                c.clientMessages.append(Array(all[Int(m.message.start) ..< Int(m.message.end)]))
            } else {
                c.clientMessages.append(m.message.body)
            }
            conversations[k] = c
        }
    }

    /// The conversations, in order of their first frame.
    public func finish() -> [ReplayConversation] {
        inspector.finish()
        for e in inspector.streams.takeEvents() { stage.consume(e) }
        stage.finish { collect($0) }
        collect(stage.takeMessages())
        return order.compactMap { conversations[$0] }
    }

    static func endpoint(_ a: IPAddress, _ p: UInt16) -> String {
        if case .v6 = a { return "[\(a)]:\(p)" }
        return "\(a):\(p)"
    }
}
