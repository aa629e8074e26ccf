import Capture
import Foundation
import Framing
import Inspect
import Streams
import TestSupport
import Wire
import XCTest

/// `messages` reads the usual frame with `Dissector.peek` instead of decoding its layers
/// (`Inspector.feed`). Whatever frame the peek accepts, it must give the stream stage exactly
/// what `decode` gives it: the addresses, the TCP or UDP header's fields and the payload's place,
/// on a frame `transport` feeds on. Checked on every committed capture, on frames damaged at
/// random, and end to end (the messages `feed` gives against those of `inspect`).
final class TransportPeekTests: XCTestCase {
    static let captures: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("captures")

    struct Frame {
        var timestamp: Timestamp
        var linkType: LinkType
        var bytes: [UInt8]
        var wireLength: Int
    }

    func frames(_ name: String) throws -> [Frame] {
        let reader = try PcapFileReader(path: Self.captures.appendingPathComponent(name).path)
        defer { reader.close() }
        var out: [Frame] = []
        while let raw = try reader.next() {
            out.append(Frame(timestamp: raw.timestamp, linkType: raw.linkType, bytes: Array(raw.bytes), wireLength: raw.len))
        }
        return out
    }

    func captureNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Self.captures.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
    }

    /// Nil when the peek declines the frame; otherwise true after checking it against `decode`
    /// (failures name `what`).
    @discardableResult
    func check(_ bytes: [UInt8], linkType: LinkType, wireLength: Int?, _ what: String) -> Bool? {
        bytes.withUnsafeBytes { b -> Bool? in
            guard let p = Dissector.peek(b, linkType: linkType) else { return nil }
            var d = Dissector()
            d.verifiesTransportChecksums = false
            var f = DecodedFrame()
            d.decode(b, linkType: linkType, wireLength: wireLength, into: &f)
            guard let last = f.layers.last, f.layers.count == 3, f.layers[0].proto == .eth,
                  case .ipv4(let ip) = f.layers[1].header else {
                XCTFail("\(what): the peek accepted a frame decode reads as \(f.layers.map(\.proto))")
                return true
            }
            XCTAssertEqual(p.source, ip.source, what)
            XCTAssertEqual(p.destination, ip.destination, what)
            XCTAssertFalse(ip.isFragment, what)
            XCTAssertNil(f.fragmentRange, what)
            XCTAssertNil(f.reassembledPayload, what)
            XCTAssertFalse(last.firstFragment, what)
            XCTAssertEqual(f.payloadRange, p.payload, what)
            switch last.header {
            case .tcp(let h):
                // What `StreamStage.transport` asks of a TCP layer before it feeds the reassembler.
                XCTAssertTrue(last.error == nil || last.error?.isTruncation == true || f.payloadRange != nil, what)
                XCTAssertTrue(h.capturedHeaderLength >= 20 && h.headerLength >= 20, what)
                XCTAssertTrue(p.isTCP, "\(what): decode read TCP, the peek did not")
                XCTAssertEqual(p.sourcePort, h.sourcePort, what)
                XCTAssertEqual(p.destinationPort, h.destinationPort, what)
                XCTAssertEqual(p.sequence, h.sequence, what)
                XCTAssertEqual(p.acknowledgment, h.acknowledgment, what)
                XCTAssertEqual(p.flags, h.flags, what)
                XCTAssertEqual(p.window, h.window, what)
                XCTAssertEqual(p.payload.count, h.payloadLength, what)
                XCTAssertEqual(p.headerLength, h.headerLength, what)
            case .udp(let h):
                XCTAssertNil(last.error, what)
                XCTAssertFalse(p.isTCP, "\(what): decode read UDP, the peek did not")
                XCTAssertEqual(p.sourcePort, h.sourcePort, what)
                XCTAssertEqual(p.destinationPort, h.destinationPort, what)
                XCTAssertEqual(p.payload.count, h.payloadLength, what)
                XCTAssertEqual(p.headerLength, UDPHeader.headerLength, what)
            default:
                XCTFail("\(what): the peek accepted a frame whose last layer is \(last.proto)")
            }
            return true
        }
    }

    func testThePeekAgreesWithDecodeOnEveryCapture() throws {
        var accepted = 0, declined = 0
        for name in try captureNames() {
            for (i, f) in try frames(name).enumerated() {
                switch check(f.bytes, linkType: f.linkType, wireLength: f.wireLength, "\(name) frame \(i + 1)") {
                case true?: accepted += 1
                default: declined += 1
                }
            }
        }
        XCTAssertGreaterThan(accepted, 200, "the chat captures are made of the usual frame")
        // IPv6, VLAN, fragments, ARP, ICMP, cooked and BSD loopback link types, cut frames.
        XCTAssertGreaterThan(declined, 100, "accepted \(accepted)")
    }

    /// Usual frames with one to four bytes of their headers changed, cut short or padded: wherever
    /// the peek still accepts one, decode must read the same.
    func testThePeekAgreesWithDecodeOnDamagedFrames() throws {
        let seeds = try (frames("tcp-chat-ipv4.pcap") + frames("udp-chat.pcap") + frames("sticky.pcap"))
            .filter { f in f.bytes.withUnsafeBytes { Dissector.peek($0, linkType: f.linkType) != nil } }
        XCTAssertGreaterThan(seeds.count, 20)
        var rng = SplitMix64(seed: 23)
        var accepted = 0
        for n in 0 ..< 40_000 {
            let seed = seeds[Int(rng.next() % UInt64(seeds.count))]
            var bytes = seed.bytes
            let headers = min(bytes.count, 14 + 20 + 24)
            for _ in 0 ... rng.next() % 4 {
                let at = Int(rng.next() % UInt64(headers))
                // Mostly small changes (a length one off, a bit flipped), sometimes any byte.
                switch rng.next() % 3 {
                case 0: bytes[at] &+= UInt8(truncatingIfNeeded: rng.next() % 3) &- 1
                case 1: bytes[at] ^= 1 << UInt8(rng.next() % 8)
                default: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            switch rng.next() % 8 {
            case 0, 1: bytes.removeLast(Int(rng.next() % UInt64(bytes.count + 1)))
            case 2: bytes += (0 ..< rng.next() % 24).map { _ in UInt8(truncatingIfNeeded: rng.next()) }  // padding, a trailer
            default: break
            }
            let wire: Int? = rng.next() % 3 == 0 ? nil : bytes.count + Int(rng.next() % 2)
            if check(bytes, linkType: .ethernet, wireLength: wire, "damaged case \(n)") == true { accepted += 1 }
        }
        XCTAssertGreaterThan(accepted, 5_000)
    }

    /// End to end: the messages, finished streams and warnings of every capture are the same
    /// whether its frames go through `feed` (peeked) or `inspect` (decoded).
    func testFeedGivesWhatInspectGives() throws {
        var checked = 0
        for name in try captureNames() {
            let fs = try frames(name)
            for spec in [["auto"], ["!I"], ["line"]] {
                let choice = try FramingChoice(parsing: spec)
                var outcomes: [[String]] = []
                for peeks in [false, true] {
                    let front = Inspector(framing: nil, limits: .init())
                    let back = MessageStage(framing: choice)
                    var out: [String] = []
                    var f = DecodedFrame()
                    for (i, raw) in fs.enumerated() {
                        raw.bytes.withUnsafeBytes { b in
                            if peeks {
                                front.feed(b, linkType: raw.linkType, wireLength: raw.wireLength, number: i + 1, timestamp: raw.timestamp, into: &f)
                            } else {
                                front.inspect(b, linkType: raw.linkType, wireLength: raw.wireLength, number: i + 1, timestamp: raw.timestamp, into: &f)
                            }
                        }
                        back.consume(front.streams.takeEvents())
                    }
                    front.finish()
                    back.consume(front.streams.takeEvents())
                    var messages = back.takeMessages()
                    back.finish { messages += $0 }
                    messages += back.takeMessages()
                    out += messages.map { "\($0)" }
                    out += back.takeFinishedStreams().map { "finished \($0)" }
                    out += back.takeWarnings()
                    out += back.takeNotices()
                    outcomes.append(out)
                }
                XCTAssertEqual(outcomes[1], outcomes[0], "\(name) \(spec)")
                checked += outcomes[0].count
            }
        }
        XCTAssertGreaterThan(checked, 100)
    }
}
