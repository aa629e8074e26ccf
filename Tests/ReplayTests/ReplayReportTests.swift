import Framing
import Render
@testable import Replay
import XCTest

/// The replay report, text and JSON (docs/DESIGN.md "Replay JSON"), from outcomes made by hand:
/// every comparison, a conversation's notes, its problem line and the totals, to the byte.
final class ReplayReportTests: XCTestCase {
    func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    func outcomes() -> [ReplayOutcome] {
        var c = ReplayConversation(transport: .tcp, stream: 3, client: "127.0.0.1:50000", server: "127.0.0.1:9000",
                                   serverPort: 9000, spec: FrameSpec(.line))
        c.skippedBytes = 2
        c.midStream = true
        var o = ReplayOutcome(conversation: c)
        (o.sent, o.toSend) = (2, 3)
        o.replayed = [b("hi"), b("hex"), b("new")]
        o.comparisons = [
            MessageComparison(index: 1, verdict: .same, captured: b("hi"), replayed: b("hi")),
            MessageComparison(index: 2, verdict: .different, captured: b("hey"), replayed: b("hex"), firstDifference: 2),
            MessageComparison(index: 3, verdict: .missing, captured: b("gone")),
            MessageComparison(index: 3, verdict: .extra, replayed: b("new\n")),
        ]
        o.problem = "the server closed the connection after 2 writes"
        var u = ReplayOutcome(conversation: ReplayConversation(transport: .udp, stream: 0, client: "127.0.0.1:1", server: "127.0.0.1:2",
                                                               serverPort: 2, spec: FrameSpec(.raw)))
        (u.sent, u.toSend) = (1, 1)
        u.replayed = [b("x")]
        u.comparisons = [MessageComparison(index: 1, verdict: .same, captured: b("x"), replayed: b("x"))]
        return [o, u]
    }

    func render(json: Bool, byMessage: Bool = false) -> String {
        let out = ByteSink()
        ReplayReport.render(outcomes(), json: json, byMessage: byMessage, udp: false, into: out)
        return out.string
    }

    func testText() {
        XCTAssertEqual(render(json: false), """
            stream 3 (client 127.0.0.1:50000 ⇄ server 127.0.0.1:9000, framing line): 2 of 3 writes sent, 3 answers (0 captured)
              2 client bytes were not captured: not sent
              the capture began inside this stream: its first bytes were sent as captured
              #1 same "hi"
              #2 different at byte 2: captured "hey", replayed "hex"
              #3 missing: captured "gone", nothing came
              #3 extra: replayed "new\\n", not in the capture
              the server closed the connection after 2 writes
            udp flow 0 (client 127.0.0.1:1 ⇄ server 127.0.0.1:2, framing raw): 1 of 1 writes sent, 1 answer (0 captured)
              #1 same "x"
            total: 2 streams, 2 same, 1 different, 1 missing, 1 extra

            """)
        XCTAssertTrue(render(json: false, byMessage: true).hasPrefix("stream 3 (client 127.0.0.1:50000 ⇄ server 127.0.0.1:9000, framing line): 2 of 3 messages sent"))
    }

    func testJSON() {
        XCTAssertEqual(render(json: true), """
            {"stream":3,"direction":"server_to_client","index":1,"verdict":"same","captured_hex":"6869","replayed_hex":"6869"}
            {"stream":3,"direction":"server_to_client","index":2,"verdict":"different","captured_hex":"686579","replayed_hex":"686578","first_difference":2}
            {"stream":3,"direction":"server_to_client","index":3,"verdict":"missing","captured_hex":"676f6e65"}
            {"stream":3,"direction":"server_to_client","index":3,"verdict":"extra","replayed_hex":"6e65770a"}
            {"stream":3,"problem":"the server closed the connection after 2 writes"}
            {"stream":0,"direction":"server_to_client","index":1,"verdict":"same","captured_hex":"78","replayed_hex":"78"}
            {"summary":{"streams":2,"same":2,"different":1,"missing":1,"extra":1}}

            """)
    }
}
