// libFuzzer harness "streams": bytes read as a sequence of TCP segments of a few connections
// (direction, flags, sequence offset, payload) → TCPReassembler with small limits → a
// MessageStage; after every step the limits must hold (buffered bytes, live streams), and the
// events must keep their contract (opened first, in-order offsets, ended once).
import Framing
import Inspect
import Streams
import Wire

nonisolated(unsafe) var limits: ReassemblyLimits = {
    var l = ReassemblyLimits()
    l.maxLiveStreams = 3
    l.maxBufferedBytesTotal = 4096
    l.maxOutOfOrderBytesPerDirection = 1024
    l.maxHolesPerDirection = 4
    l.maxPiecesPerDirection = 16
    l.idleTimeoutSeconds = 5
    return l
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func streamsHarness(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let reassembler = TCPReassembler(limits: limits)
    let stage = MessageStage(framing: FramingChoice(defaultSpec: FrameSpec(input.first.map { $0 & 1 == 0 } ?? true ? .auto : .raw, maxMessage: 200)))
    var next: [String: UInt64] = [:]
    var ended = Set<String>()
    var i = 1
    var frame = 0
    func check(_ e: StreamEvent) {
        switch e {
        case .data(let s, let d, let o, let b, _, _):
            let k = "\(s) \(d)"
            precondition(!ended.contains(k), "data after the end")
            if let n = next[k] { precondition(n == o, "data at \(o), expected \(n)") }
            next[k] = o + UInt64(b.count)
        case .gap(let s, let d, let o, let l):
            let k = "\(s) \(d)"
            if let n = next[k] { precondition(n == o, "gap at \(o), expected \(n)") }
            next[k] = l.map { o + $0 }
        case .ended(let s, let d, _):
            precondition(ended.insert("\(s) \(d)").inserted, "ended twice")
        default:
            break
        }
        stage.consume(.stream(e))
    }
    // Each segment: [conn+dir, flags, seq offset lo, seq offset hi, time step, length] + payload.
    while i + 6 <= input.count {
        let h = Array(input[i ..< i + 6])
        i += 6
        let conn = Int(h[0] & 3), toServer = h[0] & 4 == 0
        let len = min(Int(h[5]), input.count - i)
        let payload = Array(input[i ..< i + len])
        i += len
        frame += 1
        let client = IPAddress.v4(IPv4Address(10, 0, 0, UInt8(conn + 1))), server = IPAddress.v4(IPv4Address(10, 0, 0, 100))
        let seqBase: UInt32 = toServer ? 1000 : 50_000
        let seq = seqBase &+ UInt32(h[2]) &+ UInt32(h[3]) << 8
        var flags = TCPFlags(rawValue: UInt16(h[1] & 0x1f))
        flags.insert(h[1] & 0x80 != 0 ? .ack : [])
        _ = payload.withUnsafeBytes { p in
            reassembler.process(TCPSegment(
                frame: frame, timestamp: Timestamp(seconds: Int64(frame) * Int64(h[4] & 7), nanoseconds: 0),
                source: toServer ? client : server, sourcePort: toServer ? 40000 : 9000,
                destination: toServer ? server : client, destinationPort: toServer ? 9000 : 40000,
                sequence: seq, acknowledgment: toServer ? 50_000 &+ UInt32(h[3]) : 1000 &+ UInt32(h[2]),
                flags: flags, window: 512, payloadLength: len + Int(h[1] >> 5 & 3), payload: p))
        }
        reassembler.drainEvents { check($0) }
        precondition(reassembler.bufferedBytes <= limits.maxBufferedBytesTotal + 16 * ReassemblyLimits.pieceOverhead * 2,
                     "buffered \(reassembler.bufferedBytes) past the limit")
        precondition(reassembler.liveStreams <= limits.maxLiveStreams, "\(reassembler.liveStreams) live streams")
        _ = stage.takeMessages()
    }
    for e in reassembler.finish() { check(e) }
    stage.finish()
    return 0
}
