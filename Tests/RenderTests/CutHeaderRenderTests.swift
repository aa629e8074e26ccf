import Capture
import Foundation
import Render
import TestSupport
import Wire
import XCTest

/// Every protocol's printers on its header cut at every length: the first frames of each
/// committed capture (every link type and protocol framescope decodes) and the hand-made wild
/// frames, each cut at every byte, rendered in every mode without a trap, the JSON valid, and a
/// cut layer's JSON never showing a field past the cut.
final class CutHeaderRenderTests: XCTestCase {
    static var root: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    /// Up to `perCapture` frames of each capture, with their link types.
    func sampleFrames(perCapture: Int = 12) throws -> [([UInt8], LinkType)] {
        let dir = Self.root.appendingPathComponent("captures")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
        var frames: [([UInt8], LinkType)] = []
        for f in files {
            let reader = try PcapFileReader(path: dir.appendingPathComponent(f).path)
            defer { reader.close() }
            var n = 0
            while n < perCapture, let raw = try reader.next() {
                frames.append((Array(raw.bytes), raw.linkType))
                n += 1
            }
        }
        for w in WildFrames.cuttable + WildFrames.badIPv4Options + WildFrames.badTCPOptions + WildFrames.firstFragments
            + WildFrames.lengthsPastTheWire {
            frames.append((w.bytes, .ethernet))
        }
        return frames
    }

    func testEveryPrinterSurvivesEveryCut() throws {
        let frames = try sampleFrames()
        var seen = Set<Proto>()
        var dissector = Dissector()
        var frame = DecodedFrame()
        let out = ByteSink()
        for (i, (bytes, link)) in frames.enumerated() {
            for cut in 0 ... bytes.count {
                Array(bytes.prefix(cut)).withUnsafeBytes { p in
                    dissector.decode(p, linkType: link, wireLength: bytes.count, into: &frame)
                    for l in frame.layers { seen.insert(l.proto) }
                    let info = FrameInfo(number: i + 1, timestamp: Timestamp(seconds: 0, nanoseconds: 0), capturedLength: cut,
                                         wireLength: bytes.count, linkType: link)
                    out.removeAll()
                    OneLine.render(info, frame, style: TextStyle(colour: true), into: out)
                    OSITree.render(info, frame, payload: p, into: out)
                    out.removeAll()
                    JSONLines.render(info, frame, into: out)
                }
                let json = try? JSONSerialization.jsonObject(with: Data(out.bytes)) as? [String: Any]
                XCTAssertNotNil(json, "frame \(i) cut at \(cut): \(out.string)")
            }
        }
        // The samples reach every protocol's printer.
        let all: Set<Proto> = [.eth, .vlan, .sll, .sll2, .null, .loop, .ipv4, .ipv6, .arp, .icmp, .icmpv6, .tcp, .udp, .data]
        XCTAssertEqual(all.subtracting(seen), [], "protocols no sample frame reached")
    }

    /// A cut IPv4 header's JSON shows exactly the fields whose bytes are there.
    func testACutHeaderShowsOnlyTheFieldsCaptured() {
        let bytes = WildFrames.ipv4(WildFrames.udp(WildFrames.helloBody), protocol: IPProtocol.udp)
        let ipStart = EthernetHeader.length
        let keys: [(String, IPv4Header.Field)] = [("total_length", .totalLength), ("id", .identification), ("ttl", .ttl),
                                                  ("protocol", .protocolNumber), ("checksum", .checksum), ("src", .source),
                                                  ("dst", .destination)]
        for cut in 1 ..< IPv4Header.minimumLength {
            let frame = Dissector().decode(Array(bytes.prefix(ipStart + cut)), linkType: .ethernet, wireLength: bytes.count)
            let out = ByteSink()
            JSONLines.render(FrameInfo(number: 1, timestamp: Timestamp(seconds: 0, nanoseconds: 0), capturedLength: ipStart + cut,
                                       wireLength: bytes.count, linkType: .ethernet), frame, into: out)
            let object = try? JSONSerialization.jsonObject(with: Data(out.bytes)) as? [String: Any]
            let ip = (object?["layers"] as? [[String: Any]])?.dropFirst().first
            XCTAssertEqual(ip?["proto"] as? String, "ipv4", "cut at \(cut)")
            for (key, field) in keys {
                XCTAssertEqual(ip?[key] != nil, field.bytes.upperBound <= cut, "\(key) with \(cut) bytes")
            }
        }
    }
}
