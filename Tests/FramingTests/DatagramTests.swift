import XCTest
@testable import Framing
import TestSupport

final class DatagramTests: XCTestCase {
    // captures/udp-chat.pcap, the lesson's UDP chat (raw text datagrams):
    //   tshark -r captures/udp-chat.pcap -T fields -e frame.number -e udp.srcport -e data.data
    // 07:35:18.065261 IP 127.0.0.1.48496 > 127.0.0.1.9001: UDP, length 11
    // 07:35:18.065290 IP 127.0.0.1.9001 > 127.0.0.1.48496: UDP, length 17
    static let hiOverUDP: [UInt8] = [0x68, 0x69, 0x20, 0x6f, 0x76, 0x65, 0x72, 0x20, 0x75, 0x64, 0x70]
    static let echo: [UInt8] = [0x65, 0x63, 0x68, 0x6f, 0x3a, 0x20, 0x68, 0x69, 0x20, 0x6f, 0x76, 0x65, 0x72, 0x20, 0x75, 0x64, 0x70]

    func testRawDatagramsFromTheLessonCapture() {
        let m = frameDatagram(Self.hiOverUDP, spec: spec("raw"), index: 1, offset: 0)
        XCTAssertEqual(m.text, "hi over udp")
        XCTAssertTrue(m.complete)
        XCTAssertEqual(m.end, 11)
        XCTAssertEqual(frameDatagram(Self.echo, spec: spec("raw"), index: 1, offset: 0).text, "echo: hi over udp")
        // The same datagram read as !I is a finding, not a crash: "hi o" is 1,751,719,023.
        let framed = frameDatagram(Self.hiOverUDP, spec: spec("!I"), index: 1, offset: 0)
        XCTAssertEqual(framed.problems, [.lengthOverLimit, .lengthMismatch])
        XCTAssertEqual(framed.headerValue, 0x6869206f)
    }

    func testLineDatagramsDropOneTerminator() {
        XCTAssertEqual(frameDatagram([UInt8]("hi\r\n"), spec: spec("line"), index: 1, offset: 0).text, "hi")
        XCTAssertEqual(frameDatagram([UInt8]("hi\n"), spec: spec("line"), index: 1, offset: 0).text, "hi")
        XCTAssertEqual(frameDatagram([UInt8]("hi"), spec: spec("line"), index: 1, offset: 0).text, "hi")
        XCTAssertEqual(frameDatagram([UInt8]("hi"), spec: spec("line"), index: 1, offset: 0).problems, [])
    }

    func testOversizeDatagramIsCutToTheLimit() {
        let m = frameDatagram([UInt8](repeating: 0x61, count: 20), spec: spec("raw", maxMessage: 8), index: 1, offset: 0)
        XCTAssertEqual(m.body.count, 8)
        XCTAssertEqual(m.problems, [.lengthOverLimit])
        XCTAssertEqual(m.end, 20)
    }

    func testEmptyAndHostileDatagramsNeverTrap() {
        var rng = SplitMix64(seed: 7)
        for text in RoundTripTests.allLengthSpecs + ["line", "raw"] {
            let s = spec(text, maxMessage: 64)
            XCTAssertFalse(frameDatagram([], spec: s, index: 1, offset: 0).body.count > 64)
            for _ in 0..<200 {
                let bytes = (0..<Int.random(in: 0...100, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let m = frameDatagram(bytes, spec: s, index: 1, offset: 0)
                XCTAssertLessThanOrEqual(m.body.count, 64)
                XCTAssertEqual(m.end, UInt64(bytes.count))
            }
        }
    }
}
