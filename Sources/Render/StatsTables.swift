import Inspect
import Streams
import Wire
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// `framescope stats`: the protocol hierarchy, the TCP conversations and the message counts of a
// capture, tallied frame by frame and rendered once at the end (`stats captures/sticky.pcap`):
//
//   12 frames, 848 bytes
//
//   Protocol hierarchy (frames, bytes)
//     eth  12 frames, 848 bytes
//       ipv4  12 frames, 848 bytes
//         tcp  12 frames, 848 bytes
//
//   TCP conversations
//     stream  client → server                                frames →/←   bytes →/←     duration  …
//     0       127.0.0.1:46704 → 127.0.0.1:39259              6/6          423/425       0.001 s   …
//
//   Messages: 6 over TCP; 4 in segments shared with another message (sticky, 粘包), …

public struct StatsTables {
    struct Conversation {
        var frames = [0, 0]
        var bytes = [0, 0]
        var first: Timestamp?
        var last: Timestamp?
    }

    var hierarchy: [String: (frames: Int, bytes: Int)] = [:]
    var order: [String] = []
    var conversations: [Int: Conversation] = [:]
    var total = 0, totalBytes = 0

    public init() {}

    /// Counts one frame: `length` bytes on the wire, its layers, its session (TCP).
    public mutating func add(length: Int, timestamp: Timestamp, session: SessionInfo?, frame: DecodedFrame) {
        total += 1
        totalBytes += length
        var path = ""
        // The frame's own layers (a reassembled datagram's transport layer is counted as
        // the datagram's, not as this frame's).
        for l in frame.layers where l.proto != .data && !l.reassembled {
            path += path.isEmpty ? l.proto.rawValue : " > " + l.proto.rawValue
            if hierarchy[path] == nil { order.append(path) }
            hierarchy[path, default: (0, 0)].frames += 1
            hierarchy[path, default: (0, 0)].bytes += length
        }
        if let s = session {
            var c = conversations[s.stream] ?? Conversation()
            let d = s.direction == .clientToServer ? 0 : 1
            c.frames[d] += 1
            c.bytes[d] += length
            if c.first == nil { c.first = timestamp }
            c.last = timestamp
            conversations[s.stream] = c
        }
    }

    /// The tables into `out`, given the streams' summaries and every message of the capture;
    /// returns the TCP streams whose last frame is older than their first (see `backwardsWarning`).
    public func render(summaries: [StreamSummary], messages: [ChatMessage], into out: ByteSink) -> [Int] {
        var text = "\(total) frames, \(totalBytes) bytes\n\nProtocol hierarchy (frames, bytes)\n"
        for p in order.sorted() {
            let h = hierarchy[p]!
            let parts = p.split(separator: ">")
            let depth = parts.count - 1
            let name = parts.last.map { $0.trimmingPrefix(" ") }.map(String.init) ?? p
            text += String(repeating: "  ", count: depth + 1) + name + "  \(h.frames) frames, \(h.bytes) bytes\n"
        }
        text += "\nTCP conversations\n"
        text += "  stream  client → server                                frames →/←   bytes →/←     duration  messages →/←  sticky  split  malformed\n"
        var backwards: [Int] = []
        // Counted in one pass, per TCP stream and for UDP (filtering all messages for each stream
        // took time in streams × messages; grouping them copied every message).
        var tcpByStream: [Int: Counts] = [:]
        var all = Counts(), udp = Counts()
        var udpFlows = Set<Int>()
        for i in messages.indices {
            if messages[i].transport == .tcp {
                tcpByStream[messages[i].stream, default: Counts()].add(messages[i])
                all.add(messages[i])
            } else {
                udp.add(messages[i])
                udpFlows.insert(messages[i].stream)
            }
        }
        for s in summaries where s.transport == .tcp {
            let c = conversations[s.stream] ?? Conversation()
            let counts = tcpByStream[s.stream] ?? Counts()
            let dur: Double = {
                guard let a = c.first, let b = c.last else { return 0 }
                return Double(b.seconds - a.seconds) + (Double(b.nanoseconds) - Double(a.nanoseconds)) / 1e9
            }()
            if dur < 0 { backwards.append(s.stream) }
            let e = s.endpoints
            let ends = "\(e.client):\(e.clientPort) → \(e.server):\(e.serverPort)"
            text += "  \(pad(String(s.stream), 6))  \(pad(ends, 45))  \(pad("\(c.frames[0])/\(c.frames[1])", 11))  \(pad("\(c.bytes[0])/\(c.bytes[1])", 12))  \(pad(Self.format3(dur) + " s", 9))  \(pad("\(counts.c2s)/\(counts.s2c)", 12))  \(pad(String(counts.sticky), 6))  \(pad(String(counts.split), 5))  \(counts.malformed)\n"
        }
        if udp.c2s + udp.s2c > 0 {
            let flows = udpFlows.count
            text += "\nUDP: \(flows) flow\(flows == 1 ? "" : "s"), \(udp.c2s + udp.s2c) datagrams (\(udp.c2s) →, \(udp.s2c) ←), \(udp.malformed) with problems\n"
        }
        text += "\nMessages: \(all.c2s + all.s2c) over TCP; \(all.sticky) in segments shared with another message (sticky, 粘包), \(all.split) split over several segments (拆包), \(all.malformed) with problems\n"
        out.write(text)
        return backwards
    }

    /// The warning for streams whose timestamps go backwards; nil when there are none.
    public static func backwardsWarning(_ backwards: [Int]) -> String? {
        guard !backwards.isEmpty else { return nil }
        return "warning: the timestamps go backwards in stream\(backwards.count == 1 ? "" : "s") \(backwards.prefix(20).map(String.init).joined(separator: ", "))\(backwards.count > 20 ? ", …" : ""): \(backwards.count == 1 ? "its last frame is" : "their last frames are") older than the first, so the duration shows negative (a merged file, a clock step, or a damaged capture)"
    }

    /// Messages by direction, and how many are sticky, split or malformed.
    struct Counts {
        var c2s = 0, s2c = 0, sticky = 0, split = 0, malformed = 0

        mutating func add(_ m: ChatMessage) {
            if m.direction == .clientToServer { c2s += 1 } else { s2c += 1 }
            if !m.stickyFrames.isEmpty { sticky += 1 }
            if m.frames.count > 1 { split += 1 }
            if !m.message.problems.isEmpty { malformed += 1 }
        }
    }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

    /// Seconds with three decimals; negative durations (timestamps that go backwards) keep
    /// their sign, and values past what an Int holds in milliseconds are shown in e-notation
    /// (C's `%.3e`).
    public static func format3(_ d: Double) -> String {
        if let text = threeDecimals(d) { return text }
        guard d.isFinite else { return "?" }
        var digits = [CChar](repeating: 0, count: 32)
        _ = withVaList([abs(d)]) { vsnprintf(&digits, digits.count, "%.3e", $0) }
        return (d < 0 ? "-" : "") + String(cString: digits)
    }
}
