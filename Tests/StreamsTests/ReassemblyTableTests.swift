import XCTest
import Wire
@testable import Streams

// Table-driven reassembly cases in the style of gopacket's tcpassembly/assembly_test.go
// (TestReorder, TestSequenceOverflow): literal segments in; delivered bytes with their frames,
// gaps, end reasons and per-frame analysis flags out.
//
// Every conversation uses client 127.0.0.1:45168 (ISN 1000 unless said otherwise) and server
// 127.0.0.2:9000 (ISN 5000). Frames are numbered from 1 in the order fed.

private let C: UInt32 = 1000
private let S: UInt32 = 5000

/// SYN, SYN-ACK, ACK.
private func handshake(c: UInt32 = C, s: UInt32 = S) -> [Seg] {
    [.c(c, [.syn]), .s(s, ack: c &+ 1, synAck), .c(c &+ 1, ack: s &+ 1, [.ack])]
}

final class ReassemblyTableTests: XCTestCase {
    struct Case {
        var name: String
        var segments: [Seg]
        var finish = true
        var c2s: [Chunk]
        var c2sGaps: [GapRec] = []
        var s2c: [Chunk] = []
        /// Flags per frame, only for the frames listed (1-based).
        var flags: [Int: [String]] = [:]
        var ended: [EndRec]? = nil
    }

    let cases: [Case] = [
        Case(
            name: "in order",
            segments: handshake() + [
                .c(C + 1, ack: S + 1, pshAck, "hel"), .c(C + 4, ack: S + 1, pshAck, "lo"),
                .s(S + 1, ack: C + 6, pshAck, "world"),
            ],
            c2s: [Chunk(0, 4, true, "hel"), Chunk(3, 5, true, "lo")],
            s2c: [Chunk(0, 6, true, "world")],
            flags: [1: [], 2: [], 3: [], 4: [], 5: [], 6: []]
        ),
        Case(
            name: "reversed",
            segments: handshake() + [
                .c(C + 7, ack: S + 1, pshAck, "ghi"), .c(C + 4, ack: S + 1, pshAck, "def"),
                .c(C + 1, ack: S + 1, pshAck, "abc"),
            ],
            c2s: [Chunk(0, 6, true, "abc"), Chunk(3, 5, true, "def"), Chunk(6, 4, true, "ghi")],
            flags: [4: ["gap"], 5: ["out_of_order"], 6: ["out_of_order"]]
        ),
        Case(
            name: "duplicated: retransmission, then spurious once ACKed",
            segments: handshake() + [
                .c(C + 1, ack: S + 1, pshAck, "abc"), .c(C + 1, ack: S + 1, pshAck, "abc"),
                .s(S + 1, ack: C + 4, [.ack]), .c(C + 1, ack: S + 1, pshAck, "abc"),
            ],
            c2s: [Chunk(0, 4, true, "abc")],
            flags: [4: [], 5: ["retransmission"], 6: [], 7: ["spurious_retransmission"]]
        ),
        Case(
            name: "overlap with equal bytes",
            segments: handshake() + [
                .c(C + 1, ack: S + 1, pshAck, "abcdef"), .c(C + 4, ack: S + 1, pshAck, "defghi"),
            ],
            c2s: [Chunk(0, 4, true, "abcdef"), Chunk(6, 5, false, "ghi")],
            flags: [4: [], 5: ["overlap"]]
        ),
        Case(
            name: "overlap with different bytes: first copy wins",
            segments: handshake() + [
                .c(C + 1, ack: S + 1, pshAck, "abcdef"), .c(C + 4, ack: S + 1, pshAck, "DEFghi"),
            ],
            c2s: [Chunk(0, 4, true, "abcdef"), Chunk(6, 5, false, "ghi")],
            flags: [5: ["overlap", "overlap_conflict"]]
        ),
        Case(
            name: "out-of-order overlap with different bytes: the buffered first copy wins",
            segments: handshake() + [
                .c(C + 6, ack: S + 1, pshAck, "fghij"), .c(C + 1, ack: S + 1, pshAck, "abcdeFG"),
            ],
            c2s: [Chunk(0, 5, true, "abcde"), Chunk(5, 4, true, "fghij")],
            flags: [4: ["gap"], 5: ["out_of_order", "overlap", "overlap_conflict"]]
        ),
        Case(
            name: "retransmission with different bytes",
            segments: handshake() + [
                .c(C + 1, ack: S + 1, pshAck, "abc"), .c(C + 1, ack: S + 1, pshAck, "xyz"),
            ],
            c2s: [Chunk(0, 4, true, "abc")],
            flags: [5: ["retransmission", "overlap_conflict"]]
        ),
        Case(
            name: "gap: skipped when the peer ACKs past it",
            segments: handshake() + [
                .c(C + 1, ack: S + 1, pshAck, "abc"), /* "def" not captured */
                .c(C + 7, ack: S + 1, pshAck, "ghi"), .s(S + 1, ack: C + 10, [.ack]),
                .c(C + 10, ack: S + 1, pshAck, "jk"),
            ],
            finish: false,
            c2s: [Chunk(0, 4, true, "abc"), Chunk(6, 5, true, "ghi"), Chunk(9, 7, true, "jk")],
            c2sGaps: [GapRec(offset: 3, length: 3)],
            flags: [5: ["gap"], 6: [], 7: []],
            ended: []
        ),
        Case(
            name: "gap: skipped at finish",
            segments: handshake() + [
                .c(C + 1, ack: S + 1, pshAck, "abc"), .c(C + 7, ack: S + 1, pshAck, "ghi"),
            ],
            c2s: [Chunk(0, 4, true, "abc"), Chunk(6, 5, true, "ghi")],
            c2sGaps: [GapRec(offset: 3, length: 3)],
            ended: [EndRec(dir: .clientToServer, reason: .endOfCapture), EndRec(dir: .serverToClient, reason: .endOfCapture)]
        ),
        Case(
            name: "ACK of bytes never seen after the last segment",
            segments: handshake() + [
                .c(C + 1, ack: S + 1, pshAck, "abc"), .s(S + 1, ack: C + 9, [.ack]),
                .c(C + 9, ack: S + 1, pshAck, "ij"),
            ],
            c2s: [Chunk(0, 4, true, "abc"), Chunk(8, 6, true, "ij")],
            c2sGaps: [GapRec(offset: 3, length: 5)]
        ),
        Case(
            name: "across the 2^32 wrap, out of order",
            segments: handshake(c: 0xFFFF_FFF8) + [
                .c(0x0000_0001, ack: S + 1, pshAck, "cccc"), .c(0xFFFF_FFF9, ack: S + 1, pshAck, "aaaa"),
                .c(0x0000_0005, ack: S + 1, pshAck, "dddd"), .c(0xFFFF_FFFD, ack: S + 1, pshAck, "bbbb"),
                .s(S + 1, ack: 0x0000_0009, [.ack]),
            ],
            c2s: [Chunk(0, 5, true, "aaaa"), Chunk(4, 7, true, "bbbb"), Chunk(8, 4, true, "cccc"), Chunk(12, 6, true, "dddd")],
            flags: [4: ["gap"], 5: ["out_of_order"], 6: [], 7: ["out_of_order"], 8: []]
        ),
        Case(
            name: "RST mid-message ends both directions",
            segments: handshake() + [
                .c(C + 1, ack: S + 1, pshAck, "hello wo"), .s(S + 1, ack: C + 9, [.rst, .ack]),
                .c(C + 9, ack: S + 1, pshAck, "rld"),
            ],
            finish: false,
            c2s: [Chunk(0, 4, true, "hello wo")],
            flags: [5: ["rst"], 6: []],
            ended: [EndRec(dir: .clientToServer, reason: .rst), EndRec(dir: .serverToClient, reason: .rst)]
        ),
        Case(
            name: "FIN both ways: ended once per direction, FIN retransmission flagged",
            segments: handshake() + [
                .c(C + 1, ack: S + 1, pshAck, "bye"), .c(C + 4, ack: S + 1, finAck),
                .c(C + 4, ack: S + 1, finAck), .s(S + 1, ack: C + 5, finAck), .c(C + 5, ack: S + 2, [.ack]),
            ],
            c2s: [Chunk(0, 4, true, "bye")],
            flags: [5: ["fin"], 6: ["retransmission", "fin"], 7: ["fin"], 8: []],
            ended: [EndRec(dir: .clientToServer, reason: .fin), EndRec(dir: .serverToClient, reason: .fin)]
        ),
        Case(
            name: "FIN before the missing bytes: ends after the hole is declared a gap",
            segments: handshake() + [
                .c(C + 4, ack: S + 1, finAck, "def"), .s(S + 1, ack: C + 8, finAck),
            ],
            finish: false,
            c2s: [Chunk(3, 4, true, "def")],
            c2sGaps: [GapRec(offset: 0, length: 3)],
            flags: [4: ["gap", "fin"], 5: ["fin"]],
            // The server's FIN ends its direction first; its ACK then closes the client's hole.
            ended: [EndRec(dir: .serverToClient, reason: .fin), EndRec(dir: .clientToServer, reason: .fin)]
        ),
        Case(
            name: "snaplen-cut payload is a gap right away",
            segments: handshake() + [
                .c(C + 1, ack: S + 1, pshAck, "abcd", claimed: 10), .c(C + 11, ack: S + 1, pshAck, "klm"),
            ],
            finish: false,
            c2s: [Chunk(0, 4, true, "abcd"), Chunk(10, 5, true, "klm")],
            c2sGaps: [GapRec(offset: 4, length: 6)],
            flags: [4: [], 5: []],
            ended: []
        ),
        Case(
            name: "snaplen-cut payload filling a hole",
            segments: handshake() + [
                .c(C + 11, ack: S + 1, pshAck, "klm"), .c(C + 1, ack: S + 1, pshAck, "abcd", claimed: 10),
            ],
            finish: false,
            c2s: [Chunk(0, 5, true, "abcd"), Chunk(10, 4, true, "klm")],
            c2sGaps: [GapRec(offset: 4, length: 6)],
            flags: [4: ["gap"], 5: ["out_of_order"]],
            ended: []
        ),
        Case(
            name: "SYN carrying data",
            segments: [
                .c(C, [.syn], "GET"), .s(S, ack: C + 4, synAck), .c(C + 4, ack: S + 1, pshAck, "/x"),
            ],
            c2s: [Chunk(0, 1, true, "GET"), Chunk(3, 3, true, "/x")],
            flags: [1: [], 2: [], 3: []]
        ),
    ]

    func testCases() {
        for tc in cases {
            let h = Harness()
            h.feed(tc.segments)
            if tc.finish { h.finish() }
            XCTAssertEqual(h.chunks(.clientToServer), tc.c2s, "\(tc.name): client data")
            XCTAssertEqual(h.gaps(.clientToServer), tc.c2sGaps, "\(tc.name): client gaps")
            XCTAssertEqual(h.chunks(.serverToClient), tc.s2c, "\(tc.name): server data")
            for (frame, want) in tc.flags {
                XCTAssertEqual(h.flags[frame - 1], want, "\(tc.name): flags of frame \(frame)")
            }
            if let ended = tc.ended { XCTAssertEqual(h.ended(), ended, "\(tc.name): ended") }
            assertEventOrder(h.events, requireEnded: tc.finish || tc.ended?.count == 2)
            XCTAssertEqual(h.r.bufferedBytes, 0, "\(tc.name): nothing left buffered")
        }
    }

    func testInOrderFactsAndRoles() {
        let h = Harness()
        h.feed(handshake() + [
            .c(C + 1, ack: S + 1, pshAck, "hel"), .c(C + 4, ack: S + 1, pshAck, "lo"),
            .s(S + 1, ack: C + 6, [.ack]), .s(S + 1, ack: C + 6, pshAck, "world"),
            .c(C + 6, ack: S + 6, [.ack]), .c(C + 6, ack: S + 6, finAck), .s(S + 6, ack: C + 7, finAck),
            .c(C + 7, ack: S + 7, [.ack]),
        ])
        XCTAssertEqual(h.infos.map(\.relativeSequence), [0, 0, 1, 1, 4, 1, 1, 6, 6, 6, 7])
        XCTAssertEqual(h.infos.map(\.relativeAcknowledgment), [nil, 1, 1, 1, 1, 6, 6, 6, 6, 7, 7])
        XCTAssertEqual(h.infos.map(\.direction), [
            .clientToServer, .serverToClient, .clientToServer, .clientToServer, .clientToServer,
            .serverToClient, .serverToClient, .clientToServer, .clientToServer, .serverToClient, .clientToServer,
        ])
        XCTAssertEqual(h.flags, [[], [], [], [], [], [], [], [], ["fin"], ["fin"], []])
        XCTAssertEqual(Set(h.infos.map(\.stream)), [0])
        guard case .opened(0, let ep)? = h.events.first else { return XCTFail("opened first") }
        XCTAssertEqual(ep, StreamEndpoints(client: clientIP, clientPort: 45168, server: serverIP, serverPort: 9000, roleReason: "sent the SYN"))
        // Both directions end at their FIN, before the capture ends.
        XCTAssertEqual(h.ended(), [EndRec(dir: .clientToServer, reason: .fin), EndRec(dir: .serverToClient, reason: .fin)])
        XCTAssertEqual(h.text(.clientToServer), "hello")
        XCTAssertEqual(h.text(.serverToClient), "world")
        h.finish()
        assertEventOrder(h.events)
        XCTAssertEqual(h.ended().count, 2, "finish does not end a direction twice")
        XCTAssertEqual(h.r.liveStreams, 0)
    }

    func testMidStreamStart() {
        let h = Harness()
        // The capture starts in the middle: the server speaks first.
        h.feed(.s(7000, ack: 3000, pshAck, "hi"))
        h.feed(.c(3000, ack: 7002, pshAck, "yo"))
        h.feed(.s(7002, ack: 3002, pshAck, "ok"))
        XCTAssertEqual(h.flags, [["mid_stream"], ["mid_stream"], []])
        XCTAssertEqual(h.infos.map(\.relativeSequence), [1, 1, 3])
        XCTAssertEqual(h.infos.map(\.relativeAcknowledgment), [1, 3, 3])
        XCTAssertEqual(h.infos.map(\.direction), [.serverToClient, .clientToServer, .serverToClient])
        guard case .opened(0, let ep)? = h.events.first else { return XCTFail("opened first") }
        XCTAssertEqual(ep.client, clientIP)
        XCTAssertEqual(ep.clientPort, 45168)
        XCTAssertEqual(ep.roleReason, "guessed: the higher (ephemeral) port is the client")
        XCTAssertEqual(h.chunks(.serverToClient), [Chunk(0, 1, true, "hi"), Chunk(2, 3, true, "ok")])
        XCTAssertEqual(h.chunks(.clientToServer), [Chunk(0, 2, true, "yo")])
        h.finish()
        assertEventOrder(h.events)
    }

    func testSynAckFirstMakesItsReceiverTheClient() {
        let h = Harness()
        h.feed(.s(S, ack: C + 1, synAck))
        h.feed(.c(C + 1, ack: S + 1, pshAck, "x"))
        guard case .opened(0, let ep)? = h.events.first else { return XCTFail("opened first") }
        XCTAssertEqual(ep.client, clientIP)
        XCTAssertEqual(ep.roleReason, "received the SYN-ACK")
        XCTAssertEqual(h.infos.map(\.relativeSequence), [0, 1])
        XCTAssertEqual(h.flags, [[], ["mid_stream"]])
    }

    func testPortReuseAfterClose() {
        let h = Harness()
        h.feed(handshake() + [
            .c(C + 1, ack: S + 1, finAck), .s(S + 1, ack: C + 2, finAck), .c(C + 2, ack: S + 2, [.ack]),
        ])
        h.feed(.c(90_000, [.syn]))  // frame 7: same 4-tuple, new connection
        h.feed(.s(70_000, ack: 90_001, synAck))
        h.feed(.c(90_001, ack: 70_001, pshAck, "again"))
        XCTAssertEqual(h.infos.map(\.stream), [0, 0, 0, 0, 0, 0, 1, 1, 1])
        XCTAssertEqual(h.flags[6], ["port_reuse"])
        XCTAssertEqual(h.infos[8].relativeSequence, 1)
        XCTAssertEqual(h.chunks(.clientToServer, stream: 1), [Chunk(0, 9, true, "again")])
        h.finish()
        assertEventOrder(h.events)
        XCTAssertEqual(h.ended(stream: 0), [EndRec(dir: .clientToServer, reason: .fin), EndRec(dir: .serverToClient, reason: .fin)])
    }

    func testSynWithNewISNWhileOpenIsANewStream_SameISNIsARetransmission() {
        let h = Harness()
        h.feed(.c(C, [.syn]))
        h.feed(.c(C, [.syn]))  // retransmitted SYN
        h.feed(.s(S, ack: C + 1, synAck))
        h.feed(.c(C + 1, ack: S + 1, pshAck, "abc"))
        h.feed(.c(123_456, [.syn]))  // different ISN: the old connection is gone
        XCTAssertEqual(h.infos.map(\.stream), [0, 0, 0, 0, 1])
        XCTAssertEqual(h.flags, [[], ["retransmission"], [], [], ["port_reuse"]])
        XCTAssertEqual(h.ended(stream: 0), [EndRec(dir: .clientToServer, reason: .evicted), EndRec(dir: .serverToClient, reason: .evicted)])
        h.finish()
        assertEventOrder(h.events)
    }

    func testDupAckZeroWindowKeepAlive() {
        let h = Harness()
        h.feed(handshake())
        h.feed(.c(C + 1, ack: S + 1, pshAck, "abc"))  // 4
        h.feed(.s(S + 1, ack: C + 4, [.ack]))  // 5
        h.feed(.c(C + 7, ack: S + 1, pshAck, "ghi"))  // 6: "def" lost
        h.feed(.s(S + 1, ack: C + 4, [.ack]))  // 7: dup
        h.feed(.s(S + 1, ack: C + 4, [.ack]))  // 8: dup
        h.feed(.c(C + 4, ack: S + 1, pshAck, "def"))  // 9: fills the hole
        h.feed(.s(S + 1, ack: C + 10, [.ack]))  // 10
        h.feed(.c(C + 9, ack: S + 1, [.ack]))  // 11: keep-alive (seq = next - 1, no data)
        h.feed(.s(S + 1, ack: C + 10, [.ack]))  // 12: answers the keep-alive: not a dup
        h.feed(.c(C + 9, ack: S + 1, [.ack], "i"))  // 13: keep-alive with its garbage byte
        var zero = Seg.s(S + 1, ack: C + 10, [.ack])
        zero.window = 0
        h.feed(zero)  // 14: zero window
        XCTAssertEqual(h.flags, [
            [], [], [], [], [], ["gap"], ["dup_ack"], ["dup_ack"], ["out_of_order"], [],
            ["keep_alive"], [], ["keep_alive"], ["zero_window"],
        ])
        XCTAssertEqual(h.text(.clientToServer), "abcdefghi")
        h.finish()
        assertEventOrder(h.events)
    }

    func testIdleTimeout() {
        var limits = ReassemblyLimits()
        limits.idleTimeoutSeconds = 600
        let h = Harness(limits: limits)
        h.feed(handshake())
        var other = Seg.c(1, [.syn])
        other.clientPort = 50000
        other.time += 601
        h.feed(other)
        XCTAssertEqual(h.ended(stream: 0), [EndRec(dir: .clientToServer, reason: .idle), EndRec(dir: .serverToClient, reason: .idle)])
        XCTAssertEqual(h.r.liveStreams, 1)
        XCTAssertEqual(h.warnings.count, 1)
        // A late segment of the idle connection starts a new stream, mid-stream.
        var late = Seg.c(C + 1, ack: S + 1, pshAck, "late")
        late.time += 601
        h.feed(late)
        XCTAssertEqual(h.infos.last?.stream, 2)
        XCTAssertEqual(h.flags.last, ["mid_stream"])
        h.finish()
        assertEventOrder(h.events)
    }

    func testLiveStreamLimitEvictsLeastRecentlyActive() {
        var limits = ReassemblyLimits()
        limits.maxLiveStreams = 2
        let h = Harness(limits: limits)
        for port: UInt16 in [50001, 50002, 50001, 50003] {
            var s = Seg.c(C, [.syn])
            s.clientPort = port
            h.feed(s)
        }
        // 50001 was touched again, so 50002 (stream 1) is the one evicted.
        XCTAssertEqual(h.infos.map(\.stream), [0, 1, 0, 2])
        XCTAssertEqual(h.ended(stream: 1), [EndRec(dir: .clientToServer, reason: .evicted), EndRec(dir: .serverToClient, reason: .evicted)])
        XCTAssertEqual(h.ended(stream: 0), [])
        XCTAssertEqual(h.r.liveStreams, 2)
        XCTAssertEqual(h.warnings.count, 1)
        XCTAssertTrue(h.warnings[0].contains("live streams"), h.warnings[0])
        h.finish()
        assertEventOrder(h.events)
    }

    func testHoleLimitDeclaresTheFirstHoleAGap() {
        var limits = ReassemblyLimits()
        limits.maxHolesPerDirection = 2
        let h = Harness(limits: limits)
        h.feed(handshake())
        h.feed(.c(C + 3, ack: S + 1, pshAck, "c"))  // hole [0,2)
        h.feed(.c(C + 5, ack: S + 1, pshAck, "e"))  // hole [3,4)
        XCTAssertEqual(h.gaps(.clientToServer), [])
        h.feed(.c(C + 7, ack: S + 1, pshAck, "g"))  // third hole: the first becomes a gap
        XCTAssertEqual(h.gaps(.clientToServer), [GapRec(offset: 0, length: 2)])
        XCTAssertEqual(h.text(.clientToServer), "~2~c")
        h.feed(.c(C + 9, ack: S + 1, pshAck, "i"))
        XCTAssertEqual(h.text(.clientToServer), "~2~c~1~e")
        XCTAssertEqual(h.warnings.count, 1, "one warning per stream and limit")
        XCTAssertTrue(h.warnings[0].contains("holes per direction"), h.warnings[0])
        h.finish()
        XCTAssertEqual(h.text(.clientToServer), "~2~c~1~e~1~g~1~i")
        assertEventOrder(h.events)
    }

    func testPerDirectionLimit() {
        var limits = ReassemblyLimits()
        limits.maxOutOfOrderBytesPerDirection = 2 * (10 + ReassemblyLimits.pieceOverhead)
        let h = Harness(limits: limits)
        h.feed(handshake())
        let ten = "0123456789"
        h.feed(.c(C + 11, ack: S + 1, pshAck, ten))
        h.feed(.c(C + 31, ack: S + 1, pshAck, ten))
        XCTAssertEqual(h.r.bufferedBytes, limits.maxOutOfOrderBytesPerDirection)
        h.feed(.c(C + 51, ack: S + 1, pshAck, ten))
        XCTAssertLessThanOrEqual(h.r.bufferedBytes, limits.maxOutOfOrderBytesPerDirection)
        XCTAssertEqual(h.gaps(.clientToServer).first, GapRec(offset: 0, length: 10))
        XCTAssertTrue(h.warnings.first?.contains("out-of-order bytes per direction") ?? false)
        h.finish()
        assertEventOrder(h.events)
    }
}
