import Chat
import Foundation
import Framing
import XCTest
import TestSupport

/// `serve framed`: echo and room, byte for byte, with several length formats.
final class FramedServerTests: ServerTestCase {
    static let bodies: [[UInt8]] = [
        [],
        [0x41],
        (0..<60_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) },
        Array("héllo, 世界 🌍 — Q".utf8),
        Array("Q\n".utf8).dropLast() + [0x00, 0xff],  // bytes, not text: echoed as they are
    ]

    func testEchoIsByteExactForEveryFormat() throws {
        for text in ["!I", "<i", "H", "q", "line"] {
            let s = spec(text)
            let server = try start(.framed(s, .echo))
            for family in [LoopbackSocket.Family.v4] {
                let p = try Peer.tcp(server.port, family)
                for body in Self.bodies where !(text == "line" && body.contains(0x0A)) {
                    try p.send(try s.encode(body))
                    if text == "line" {
                        XCTAssertEqual(try p.lineBytes(), body, "line: \(body.count) bytes")
                    } else {
                        XCTAssertEqual(try p.message(s), body, "\(text): \(body.count) bytes")
                    }
                }
            }
        }
    }

    func testEchoOnIPv6AndQuit() throws {
        let s = spec("!I")
        let server = try start(.framed(s, .echo), host: "::1")
        let p = try Peer.tcp(server.port, .v6)
        try p.send(try s.encode(Array("over v6".utf8)))
        XCTAssertEqual(try p.text(s), "over v6")
        try p.send(try s.encode(Array("q".utf8)))
        XCTAssertEqual(try p.text(s), "bye")
        XCTAssertTrue(p.isClosedByServer())
    }

    /// Room: each message goes to every OTHER member, byte for byte, in the sender's order; the
    /// sender does not get its own back.
    func testRoomRelaysToTheOthersOnly() throws {
        for text in ["!I", "<i", "H"] {
            let s = spec(text)
            let server = try start(.framed(s, .room))
            let a = try Peer.tcp(server.port), b = try Peer.tcp(server.port), c = try Peer.tcp(server.port, .v4)
            eventually(5, "3 members") { server.connections == 3 }
            usleep(50_000)
            let sent = Self.bodies
            var wire: [UInt8] = []
            for body in sent { wire += try s.encode(body) }
            try a.send(wire)
            for peer in [b, c] {
                for body in sent { XCTAssertEqual(try peer.message(s), body, "\(text): \(body.count) bytes") }
            }
            // b talks now: a's first message received is b's, so a got nothing of its own.
            try b.send(try s.encode(Array("from b".utf8)))
            XCTAssertEqual(try a.text(s), "from b")
            XCTAssertEqual(try c.text(s), "from b")
            // Q leaves the room with a bye; the others stay.
            try c.send(try s.encode(Array("Q".utf8)))
            XCTAssertEqual(try c.text(s), "bye")
            XCTAssertTrue(c.isClosedByServer())
            try a.send(try s.encode(Array("after c left".utf8)))
            XCTAssertEqual(try b.text(s), "after c left")
        }
    }

    /// 10,000 frames in one write: all echoed, in order, byte for byte (the echo of a stream of
    /// frames is the same stream).
    func testTenThousandFramesInOneWrite() throws {
        let s = spec("!I")
        let server = try start(.framed(s, .echo))
        let chorus = Chorus.framed(server.port, s)
        let p = try Peer.tcp(server.port)
        var wire: [UInt8] = []
        for i in 0..<10_000 { wire += try s.encode(Array("m\(i)".utf8)) }
        try p.send(wire)
        XCTAssertEqual(try p.bytes(wire.count), wire)
        chorus.finish()
    }
}
