import Capture
import Foundation
import Render
import Wire
import XCTest

final class RenderTests: XCTestCase {
    static var root: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    /// Renders a whole capture in one mode, in-process (reader → dissector → renderer).
    func render(_ file: String, _ mode: String) throws -> String {
        let reader = try PcapFileReader(path: Self.root.appendingPathComponent("captures/\(file)").path)
        defer { reader.close() }
        var dissector = Dissector()
        var frame = DecodedFrame()
        let out = ByteSink()
        while let raw = try reader.next() {
            dissector.decode(raw.bytes, linkType: raw.linkType, into: &frame)
            let info = FrameInfo(number: reader.framesRead, timestamp: raw.timestamp, capturedLength: raw.caplen,
                                 wireLength: raw.len, linkType: raw.linkType, interfaceIndex: raw.interfaceIndex)
            switch mode {
            case "oneline": OneLine.render(info, frame, into: out)
            case "tree":
                OSITree.render(info, frame, payload: raw.bytes, into: out)
                HexDump.render(raw.bytes, layers: frame.layers, payload: frame.payloadRange, into: out)
            default: JSONLines.render(info, frame, into: out)
            }
        }
        return out.string
    }

    /// Golden files, like tcpdump's tests/TESTLIST: the decoded text of every committed capture in
    /// every mode. After a deliberate change (or `tools/make-captures.sh`), regenerate with
    /// `FRAMESCOPE_UPDATE_GOLDEN=1 swift test --filter RenderTests` and review the diff.
    func testGoldenOutputOfEveryCapture() throws {
        let update = ProcessInfo.processInfo.environment["FRAMESCOPE_UPDATE_GOLDEN"] == "1"
        let captures = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("captures").path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
        XCTAssertFalse(captures.isEmpty)
        for file in captures {
            for mode in ["oneline", "tree", "json"] {
                let text = try render(file, mode)
                try Self.checkGolden(text, name: "\(file).\(mode)", update: update)
            }
        }
    }

    /// Compares `text` with Golden/NAME.txt (or rewrites it when `update`), failing at the first
    /// line that differs.
    static func checkGolden(_ text: String, name: String, update: Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        let golden = root.appendingPathComponent("Tests/RenderTests/Golden/\(name).txt")
        if update {
            try text.write(to: golden, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        guard text != expected else { return }
        let a = text.split(separator: "\n", omittingEmptySubsequences: false)
        let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let i = (0 ..< min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        XCTFail("\(name) differs from its golden file at line \(i + 1):\n got: \(i < a.count ? a[i] : "<end>")\nwant: \(i < b.count ? b[i] : "<end>")",
                file: file, line: line)
    }

    func testJSONOfEveryCaptureIsValidAndOrdered() throws {
        for file in ["tcp-chat-ipv4.pcap", "icmp-unreachable.pcap", "ip-fragments-options.pcap", "snaplen-60.pcap", "mixed-linktypes.pcapng"] {
            for line in try render(file, "json").split(separator: "\n") {
                let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let layers = try XCTUnwrap(obj["layers"] as? [[String: Any]])
                let osi = layers.compactMap { $0["osi"] as? Int }
                XCTAssertEqual(osi, osi.sorted(), "layers in OSI order: \(line)")
                for l in layers {
                    XCTAssertFalse(l.values.contains { $0 is NSNull }, "absent facts are omitted, never null")
                }
            }
        }
    }

    func testRenderersNeverTrapOnHostileFrames() throws {
        var rng = SystemRandomNumberGenerator()
        var seed = UInt64.random(in: 0 ..< 1 << 32, using: &rng)
        print("RenderTests hostile-frame seed \(seed)")
        func next() -> UInt64 {
            seed &+= 0x9e37_79b9_7f4a_7c15
            var z = seed
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        var dissector = Dissector()
        var frame = DecodedFrame()
        let out = ByteSink()
        let links: [LinkType] = [.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw]
        for i in 0 ..< 5_000 {
            var bytes = (0 ..< Int(next() % 120)).map { _ in UInt8(truncatingIfNeeded: next()) }
            if bytes.count > 15, i % 2 == 0 { bytes[12] = 0x08; bytes[13] = 0x00; bytes[14] = 0x45 + UInt8(next() % 3) }
            bytes.withUnsafeBytes { p in
                dissector.decode(p, linkType: links[i % links.count], into: &frame)
                let info = FrameInfo(number: i + 1, timestamp: Timestamp(seconds: Int64(bitPattern: next() % (1 << 40)), nanoseconds: UInt32(next() % 1_000_000_000)),
                                     capturedLength: p.count, wireLength: p.count, linkType: links[i % links.count])
                out.removeAll()
                OneLine.render(info, frame, into: out)
                OSITree.render(info, frame, payload: p, into: out)
                HexDump.render(p, layers: frame.layers, payload: frame.payloadRange, into: out)
                out.removeAll()
                JSONLines.render(info, frame, into: out)
            }
            XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(out.bytes)), "invalid JSON for frame \(i): \(out.string)")
        }
    }

    func testNumbersTimesAndEscapes() {
        let out = ByteSink(capacity: 1)
        for v: UInt64 in [0, 9, 10, 99, 100, 101, 999, 1000, 65535, 4_294_967_295, 10_000_000_000_000_000_000, .max] {
            out.removeAll()
            out.unsignedDecimal(v)
            XCTAssertEqual(out.string, String(v))
        }
        out.removeAll()
        out.decimal(-42)
        XCTAssertEqual(out.string, "-42")
        out.removeAll()
        out.rfc3339(Timestamp(seconds: 1_795_756_596, nanoseconds: 145_000, fractionDigits: 6))
        out.byte(UInt8(ascii: " "))
        out.rfc3339(Timestamp(seconds: 1_795_756_596, nanoseconds: 145_123, fractionDigits: 9))
        out.byte(UInt8(ascii: " "))
        out.clock(Timestamp(seconds: 1_795_756_597, nanoseconds: 5_000, fractionDigits: 6))
        XCTAssertEqual(out.string, "2026-11-27T05:16:36.000145Z 2026-11-27T05:16:36.000145123Z 05:16:37.000005")
        out.removeAll()
        // pcapng with whole-second resolution can say year 41091: never a wrapped 4-digit year.
        out.rfc3339(Timestamp(seconds: 1_234_567_890_123, nanoseconds: 0, fractionDigits: 6))
        XCTAssertEqual(out.string.split(separator: "-").first?.count, 5, out.string)
        XCTAssertTrue(out.string.hasPrefix("41091-"), out.string)
        out.removeAll()
        out.jsonString("a\"b\\c\nd\u{1}é")
        XCTAssertEqual(out.string, "\"a\\\"b\\\\c\\nd\\u0001é\"")
    }

    func testColourOnlyWhenAsked() throws {
        let bytes: [UInt8] = Array(repeating: 0, count: 10)
        var dissector = Dissector()
        var frame = DecodedFrame()
        let plain = ByteSink(), coloured = ByteSink()
        bytes.withUnsafeBytes { p in
            dissector.decode(p, linkType: .ethernet, into: &frame)
            let info = FrameInfo(number: 1, timestamp: Timestamp(seconds: 0, nanoseconds: 0), capturedLength: 10, wireLength: 10, linkType: .ethernet)
            OneLine.render(info, frame, style: .plain, into: plain)
            OneLine.render(info, frame, style: TextStyle(colour: true), into: coloured)
        }
        XCTAssertFalse(plain.string.contains("\u{1b}["))
        XCTAssertTrue(coloured.string.contains("\u{1b}[1;31m [truncated: Ethernet truncated: needed 14 bytes, 10 captured]"), coloured.string)
    }
}
