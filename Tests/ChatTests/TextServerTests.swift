import Chat
import Foundation
import XCTest
import TestSupport

/// `serve text`: many clients, several turns each, Q from either side, on 127.0.0.1 and ::1.
final class TextServerTests: ServerTestCase {
    /// 24 clients connected at once, three turns each, turns interleaved across clients: every
    /// conversation gets its own answers, in order.
    func testManyConcurrentMultiTurnConversations() throws {
        for family in [LoopbackSocket.Family.v4, .v6] {
            let server = try start(.text(.echo), host: family == .v4 ? "127.0.0.1" : "::1")
            let peers = try (0..<24).map { _ in try Peer.tcp(server.port, family) }
            eventually(5, "24 connections") { server.connections == 24 }
            for turn in 1...3 {
                for (i, p) in peers.enumerated() { try p.send("client \(i) turn \(turn)\n") }
                for (i, p) in peers.enumerated().reversed() {
                    XCTAssertEqual(try p.line(), "echo: client \(i) turn \(turn)")
                }
            }
            for p in peers { try p.send("q\r\n") }
            for p in peers {
                XCTAssertEqual(try p.line(), "bye")
                XCTAssertTrue(p.isClosedByServer())
            }
            eventually(5, "all connections closed") { server.connections == 0 }
        }
    }

    /// The same, with clients on their own threads talking at the same time.
    func testClientsOnThreadsAtTheSameTime() throws {
        let server = try start(.text(.echo))
        let choruses = (0..<20).map { _ in Chorus.text(server.port) }
        usleep(300_000)
        for c in choruses { c.finish(minRounds: 3) }
    }

    func testCRLFAndQuitWithSpaces() throws {
        let server = try start(.text(.echo))
        let p = try Peer.tcp(server.port)
        try p.send("crlf line\r\n")
        XCTAssertEqual(try p.line(), "echo: crlf line")
        try p.send(" Q \n")  // not exactly Q: an ordinary message
        XCTAssertEqual(try p.line(), "echo:  Q ")
        try p.send("Q\n")
        XCTAssertEqual(try p.line(), "bye")
        XCTAssertTrue(p.isClosedByServer())
    }

    /// Interactive: what the client says reaches the operator; the operator's lines reach the most
    /// recently connected client; the operator's Q ends that conversation.
    func testInteractiveOperatorRepliesAndQuits() throws {
        let server = try start(.text(.interactive))
        let op = try XCTUnwrap(server.textOperator)
        let first = try Peer.tcp(server.port)
        eventually { op.currentClient == 1 }
        let second = try Peer.tcp(server.port)
        eventually { op.currentClient == 2 }
        try second.send("hello from two\n")
        eventually(5, "the operator hears it") { self.logLines.all.contains { $0.hasPrefix("heard [#2 ") && $0.hasSuffix("] hello from two") } }
        XCTAssertTrue(op.say("hi two"))
        XCTAssertEqual(try second.line(), "hi two")
        XCTAssertTrue(op.say("Q"))
        XCTAssertEqual(try second.line(), "Q")
        XCTAssertTrue(second.isClosedByServer())
        eventually(5, "replies go back to client 1") { op.currentClient == 1 }
        XCTAssertTrue(op.say("now you"))
        XCTAssertEqual(try first.line(), "now you")
    }

    func testUDPRepliesGoToTheRightPeer() throws {
        for family in [LoopbackSocket.Family.v4, .v6] {
            let server = try start(.udp, host: family == .v4 ? "127.0.0.1" : "::1")
            let a = try LoopbackSocket.udp(family), b = try LoopbackSocket.udp(family)
            let port = UInt16(server.port)
            for turn in 1...3 {
                try a.sendDatagram(Array("a\(turn)".utf8), toPort: port)
                try b.sendDatagram(Array("b\(turn)".utf8), toPort: port)
            }
            for turn in 1...3 {
                let ra = try a.receiveDatagram(), rb = try b.receiveDatagram()
                XCTAssertEqual(String(decoding: ra.bytes, as: UTF8.self), "echo: a\(turn)")
                XCTAssertEqual(String(decoding: rb.bytes, as: UTF8.self), "echo: b\(turn)")
                XCTAssertEqual(ra.port, port)
            }
            try a.sendDatagram(Array("Q".utf8), toPort: port)
            XCTAssertEqual(String(decoding: try a.receiveDatagram().bytes, as: UTF8.self), "bye")
            try a.sendDatagram([0xff, 0xfe], toPort: port)
            XCTAssertEqual(String(decoding: try a.receiveDatagram().bytes, as: UTF8.self), "error: invalid_utf8")
            try b.sendDatagram(Array("still here".utf8), toPort: port)
            XCTAssertEqual(String(decoding: try b.receiveDatagram().bytes, as: UTF8.self), "echo: still here")
        }
    }

    func testUDPOverLimit() throws {
        let server = try start(.udp) { $0.maxMessage = 100 }
        let a = try LoopbackSocket.udp(.v4)
        try a.sendDatagram([UInt8](repeating: 0x41, count: 101), toPort: UInt16(server.port))
        XCTAssertEqual(String(decoding: try a.receiveDatagram().bytes, as: UTF8.self), "error: length_over_limit 101 > 100")
        try a.sendDatagram([UInt8](repeating: 0x41, count: 100), toPort: UInt16(server.port))
        XCTAssertEqual(try a.receiveDatagram().bytes.count, 106)
    }
}
