import XCTest
import Wire
@testable import Streams

// Test harness: a two-endpoint conversation written as literal segments (gopacket's
// assembly_test style: segments in, events and per-frame facts out).

let clientIP = IPAddress.v4(IPv4Address(127, 0, 0, 1))
let serverIP = IPAddress.v4(IPv4Address(127, 0, 0, 2))
let defaultClientPort: UInt16 = 45168
let defaultServerPort: UInt16 = 9000

/// One literal segment.
struct Seg {
    var fromClient: Bool
    var seq: UInt32
    var ack: UInt32 = 0
    var flags: TCPFlags
    var payload: [UInt8] = []
    /// What the headers claim; nil = payload.count.
    var claimed: Int? = nil
    var window: UInt16 = 1024
    var time: Int64 = 1_700_000_000
    var clientPort: UInt16 = defaultClientPort
    var serverPort: UInt16 = defaultServerPort
    var clientAddress: IPAddress = clientIP
    var serverAddress: IPAddress = serverIP

    static func c(_ seq: UInt32, ack: UInt32 = 0, _ flags: TCPFlags, _ text: String = "", claimed: Int? = nil) -> Seg {
        Seg(fromClient: true, seq: seq, ack: ack, flags: flags, payload: Array(text.utf8), claimed: claimed)
    }

    static func s(_ seq: UInt32, ack: UInt32 = 0, _ flags: TCPFlags, _ text: String = "", claimed: Int? = nil) -> Seg {
        Seg(fromClient: false, seq: seq, ack: ack, flags: flags, payload: Array(text.utf8), claimed: claimed)
    }
}

let pshAck: TCPFlags = [.psh, .ack]
let finAck: TCPFlags = [.fin, .ack]
let synAck: TCPFlags = [.syn, .ack]

/// Feeds segments, numbering frames from 1, and keeps every fact and event.
final class Harness {
    let r: TCPReassembler
    var frame = 0
    var infos: [SessionInfo] = []
    var events: [StreamEvent] = []

    init(limits: ReassemblyLimits = .init()) {
        r = TCPReassembler(limits: limits)
    }

    @discardableResult
    func feed(_ s: Seg) -> SessionInfo {
        frame += 1
        let (src, sp, dst, dp) = s.fromClient
            ? (s.clientAddress, s.clientPort, s.serverAddress, s.serverPort)
            : (s.serverAddress, s.serverPort, s.clientAddress, s.clientPort)
        let info = s.payload.withUnsafeBytes { buf in
            r.process(TCPSegment(
                frame: frame, timestamp: Timestamp(seconds: s.time, nanoseconds: 0),
                source: src, sourcePort: sp, destination: dst, destinationPort: dp,
                sequence: s.seq, acknowledgment: s.ack, flags: s.flags, window: s.window,
                payloadLength: s.claimed ?? s.payload.count, payload: buf))
        }
        infos.append(info)
        events += r.takeEvents()
        return info
    }

    func feed(_ segs: [Seg]) {
        for s in segs { feed(s) }
    }

    func finish() {
        events += r.finish()
    }

    /// Analysis flags per frame, as docs/DESIGN.md "Streams" names them.
    var flags: [[String]] { infos.map { $0.analysis.map(\.rawValue) } }

    /// Delivered bytes of one direction, with each gap shown as `~N~`.
    func text(_ dir: Direction, stream: Int = 0) -> String {
        var out = ""
        for e in events {
            switch e {
            case .data(let s, let d, _, let bytes, _, _) where s == stream && d == dir:
                out += String(decoding: bytes, as: UTF8.self)
            case .gap(let s, let d, _, let len) where s == stream && d == dir:
                out += "~\(len.map(String.init) ?? "?")~"
            default: break
            }
        }
        return out
    }

    /// (offset, frame, segmentStart, text) of each data event of one direction.
    func chunks(_ dir: Direction, stream: Int = 0) -> [Chunk] {
        events.compactMap {
            if case .data(let s, let d, let o, let b, let f, let st) = $0, s == stream, d == dir {
                return Chunk(offset: o, frame: f, start: st == 0, text: String(decoding: b, as: UTF8.self))
            }
            return nil
        }
    }

    func gaps(_ dir: Direction, stream: Int = 0) -> [GapRec] {
        events.compactMap {
            if case .gap(let s, let d, let o, let l) = $0, s == stream, d == dir { return GapRec(offset: o, length: l) }
            return nil
        }
    }

    func ended(stream: Int = 0) -> [EndRec] {
        events.compactMap {
            if case .ended(let s, let d, let r) = $0, s == stream { return EndRec(dir: d, reason: r) }
            return nil
        }
    }

    var warnings: [String] {
        events.compactMap { if case .warning(let w) = $0 { return w } else { return nil } }
    }
}

struct Chunk: Equatable, CustomStringConvertible {
    var offset: UInt64
    var frame: Int
    var start: Bool
    var text: String
    init(offset: UInt64, frame: Int, start: Bool, text: String) {
        self.offset = offset
        self.frame = frame
        self.start = start
        self.text = text
    }
    init(_ offset: UInt64, _ frame: Int, _ start: Bool, _ text: String) {
        self.init(offset: offset, frame: frame, start: start, text: text)
    }
    var description: String { "(\(offset), f\(frame), \(start ? "start" : "cont"), \"\(text)\")" }
}

struct GapRec: Equatable {
    var offset: UInt64
    var length: UInt64?
}

struct EndRec: Equatable {
    var dir: Direction
    var reason: EndReason
}

/// Checks the documented event order, one event at a time (so huge runs need not keep their
/// events): per stream `.opened` first; per direction, data and gaps contiguous from their first
/// offset, nothing after `.ended`, and `.ended` exactly once per direction when `requireEnded`.
struct EventOrderChecker {
    struct DirKey: Hashable { var s: Int; var d: Direction }
    var opened = Set<Int>()
    var next: [DirKey: UInt64] = [:]
    var ended: [DirKey: Int] = [:]
    var problems: [String] = []

    mutating func fail(_ m: String) { if problems.count < 20 { problems.append(m) } }

    mutating func check(_ e: StreamEvent) {
        switch e {
        case .opened(let s, _):
            if opened.contains(s) { fail("stream \(s) opened twice") }
            opened.insert(s)
        case .midStream(let s, let d):
            if !opened.contains(s) { fail("mid_stream before opened") }
            if next[DirKey(s: s, d: d)] != nil { fail("mid_stream after data on stream \(s) \(d)") }
        case .data(let s, let d, let o, let b, _, _):
            if !opened.contains(s) { fail("data before opened") }
            if b.isEmpty { fail("empty data event") }
            let k = DirKey(s: s, d: d)
            if ended[k] != nil { fail("data after ended on stream \(s) \(d)") }
            if let n = next[k], n != o { fail("data at \(o), expected \(n), on stream \(s) \(d)") }
            next[k] = o + UInt64(b.count)
        case .gap(let s, let d, let o, let l):
            if !opened.contains(s) { fail("gap before opened") }
            let k = DirKey(s: s, d: d)
            if ended[k] != nil { fail("gap after ended on stream \(s) \(d)") }
            if let n = next[k], n != o { fail("gap at \(o), expected \(n), on stream \(s) \(d)") }
            if let l {
                if l == 0 { fail("empty gap") }
                next[k] = o + l
            } else {
                next[k] = nil
            }
        case .ended(let s, let d, _):
            if !opened.contains(s) { fail("ended before opened") }
            ended[DirKey(s: s, d: d), default: 0] += 1
        case .warning:
            break
        }
    }

    mutating func finish(requireEnded: Bool) {
        for (k, n) in ended where n != 1 { fail("stream \(k.s) \(k.d) ended \(n) times") }
        if requireEnded {
            for s in opened {
                for d in [Direction.clientToServer, .serverToClient] where ended[DirKey(s: s, d: d)] != 1 {
                    fail("stream \(s) \(d) not ended")
                }
            }
        }
    }
}

func assertEventOrder(_ events: [StreamEvent], requireEnded: Bool = true, file: StaticString = #filePath, line: UInt = #line) {
    var c = EventOrderChecker()
    for e in events { c.check(e) }
    c.finish(requireEnded: requireEnded)
    XCTAssertEqual(c.problems, [], file: file, line: line)
}
