import XCTest
@testable import Render
import TestSupport
import Wire

/// The printers take shortcuts for what nearly every frame carries (NOP,NOP,TS options, the ACK
/// and PSH,ACK flag sets, IPv4 octets, English phrases written without Strings). Each shortcut
/// must write exactly what the general path writes: these put the two side by side.
final class FastPathTests: XCTestCase {
    func decode(_ bytes: [UInt8]) -> DecodedFrame { Dissector().decode(bytes, linkType: .ethernet) }

    func info(_ bytes: [UInt8]) -> FrameInfo {
        FrameInfo(number: 1, timestamp: Timestamp(seconds: 0, nanoseconds: 0), capturedLength: bytes.count,
                  wireLength: bytes.count, linkType: .ethernet)
    }

    func line(_ bytes: [UInt8]) -> String {
        let out = ByteSink()
        OneLine.render(info(bytes), decode(bytes), into: out)
        return out.string
    }

    func json(_ bytes: [UInt8]) -> String {
        let out = ByteSink()
        JSONLines.render(info(bytes), decode(bytes), into: out)
        return out.string
    }

    func tcpOptions(_ bytes: [UInt8]) -> TCPOptions? {
        if case .tcp(let h)? = decode(bytes).first(.tcp)?.header { return h.options }
        return nil
    }

    func frame(options: [UInt8], flags: UInt8 = 0x18) -> [UInt8] {
        WildFrames.ipv4(WildFrames.tcp(Array("hi".utf8), options: options, flags: flags), protocol: 6)
    }

    func testTimestampOptionsAsTheGeneralPathWritesThem() {
        let ts: [UInt8] = [1, 1, 8, 10] + WildFrames.be32(7) + WildFrames.be32(4_000_000_000)
        // Exactly NOP, NOP, TS takes the shortcut; with four more NOPs the list goes the long way.
        let short = frame(options: ts), long = frame(options: ts + [1, 1, 1, 1])
        XCTAssertEqual(tcpOptions(short)?.nopNopTimestamp?.value, 7)
        XCTAssertNotNil(tcpOptions(long))
        XCTAssertNil(tcpOptions(long)?.nopNopTimestamp)
        XCTAssertTrue(line(short).contains(" <NOP,NOP,TS 7/4000000000> "), line(short))
        XCTAssertTrue(line(long).contains(" <NOP,NOP,TS 7/4000000000,NOP,NOP,NOP,NOP> "), line(long))
        XCTAssertTrue(json(short).contains(#""options":["NOP","NOP","TS"],"ts_val":7,"ts_ecr":4000000000"#), json(short))
        XCTAssertTrue(json(long).contains(#""options":["NOP","NOP","TS","NOP","NOP","NOP","NOP"],"ts_val":7,"ts_ecr":4000000000"#), json(long))
        // The decoder's shortcut keeps the same options, with no error, as its walk does.
        for f in [short, long] {
            XCTAssertNil(decode(f).error)
        }
        XCTAssertEqual(tcpOptions(short)?.map(\.name), ["NOP", "NOP", "TS"])
        // A timestamp with a wrong length is no shortcut: still reported.
        let bad = frame(options: [1, 1, 8, 9] + WildFrames.be32(7) + WildFrames.be32(9))
        XCTAssertNotNil(decode(bad).error)
    }

    func testFlagSetsAsTheGeneralPathNamesThem() {
        for flags: UInt8 in [0x10, 0x18, 0x11, 0x02, 0x12, 0x19, 0x04, 0x14, 0xff, 0x00] {
            let names = TCPFlags.names.filter { TCPFlags(rawValue: UInt16(flags)).contains($0.0) }.map(\.1)
            let f = frame(options: [], flags: flags)
            XCTAssertTrue(line(f).contains(" TCP [\(names.joined(separator: ", "))] seq "), line(f))
            XCTAssertTrue(json(f).contains(#""flags":["# + names.map { "\"\($0)\"" }.joined(separator: ",") + #"],"window""#), json(f))
        }
    }

    func testAddressesAndPaddedNumbers() {
        for v: UInt32 in [0, 0x0a00_0001, 0x7f00_0001, 0xffff_ffff, 0x0909_6363, 0x6464_0a0a, 0xc0a8_0164] {
            let out = ByteSink()
            out.ipv4(IPv4Address(v))
            XCTAssertEqual(out.string, IPv4Address(v).description)
        }
        for (v, length) in [(UInt64(0), 6), (0x0123_4567_89ab, 6), (0xffff_ffff_ffff, 6), (0xab, 1), (0x0102_0304_0506_0708, 8)] {
            let out = ByteSink()
            out.hardwareAddress(HardwareAddress(value: v, length: length))
            XCTAssertEqual(out.string, HardwareAddress(value: v, length: length).description)
        }
        for width in 0 ... 10 {
            for v in [0, 7, 42, 999_999, 123_456_789, 9_999_999_999] {
                let out = ByteSink()
                out.zeroPadded(v, width: width)
                let digits = String(v)
                let expected = String(repeating: "0", count: max(0, width - digits.count)) + digits.suffix(width)
                XCTAssertEqual(out.string, expected, "\(v) width \(width)")
            }
        }
    }

    func testJSONStringsEscapedBetweenPlainRuns() {
        let out = ByteSink()
        out.jsonString("plain \"q\" back\\slash\n\r\t\u{1}\u{1f} é 粘 end")
        XCTAssertEqual(out.string, #""plain \"q\" back\\slash\n\r\t\u0001\u001f é 粘 end""#)
        let bytes = ByteSink()
        bytes.jsonUTF8(Array("\"\"".utf8))
        XCTAssertEqual(bytes.string, #""\"\"""#)
    }

    /// The English phrases written straight into the sink are the ones the closures return.
    func testEnglishPhrasesWrittenAsTheClosuresSayThem() {
        let e = FrameWords.english
        let viaClosures = FrameWords(sticky: e.sticky, starts: e.starts, startsCut: e.startsCut, splitFollows: e.splitFollows,
                                     continues: e.continues, ends: e.ends, provisional: e.provisional, headerAt: e.headerAt,
                                     noHeader: e.noHeader, provisionalDetail: e.provisionalDetail, treeStarts: e.treeStarts,
                                     treeStartsCut: e.treeStartsCut, oneMessage: e.oneMessage)
        XCTAssertTrue(e.isEnglish)
        XCTAssertFalse(viaClosures.isEnglish)
        func both(_ write: (FrameWords, ByteSink) -> Void) -> (String, String) {
            let a = ByteSink(), b = ByteSink()
            write(e, a)
            write(viaClosures, b)
            return (a.string, b.string)
        }
        var pairs: [(String, String)] = []
        for n in [0, 1, 2, 100_000] {
            pairs.append(both { $0.writeSticky(n, $1) })
            pairs.append(both { $0.writeStarts(n, headerBytes: nil, $1) })
            pairs.append(both { $0.writeStarts(9, headerBytes: n, $1) })
            pairs.append(both { $0.writeContinues(n, nil, $1) })
            pairs.append(both { $0.writeContinues(n, 3, $1) })
            pairs.append(both { $0.writeEnds(n, 3, $1) })
        }
        for (fast, slow) in pairs { XCTAssertEqual(fast, slow) }
        XCTAssertEqual(e.sticky(3), "3 messages in one segment (sticky)")
        XCTAssertEqual(e.starts(100000), "starts (100000 bytes)")
        XCTAssertEqual(e.startsCut(1), "starts (header cut after 1 byte)")
        XCTAssertEqual(e.startsCut(2), "starts (header cut after 2 bytes)")
        XCTAssertEqual(e.continues(2, nil), "continues (segment 2)")
        XCTAssertEqual(e.continues(2, 3), "continues (segment 2 of 3)")
        XCTAssertEqual(e.ends(3, 3), "ends (segment 3 of 3)")
    }
}
