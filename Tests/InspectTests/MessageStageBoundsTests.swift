import Framing
@testable import Inspect
import Streams
import Wire
import XCTest

/// The message stage's costs that grow with segments rather than bytes stay under its limits:
/// `auto`'s held segments count their bookkeeping, and the notes of a message split over many
/// segments are capped — each with its warning. Checked on the stage's own accounting, event by
/// event (no timing, no RSS).
final class MessageStageBoundsTests: XCTestCase {
    let endpoints = StreamEndpoints(client: .v4(IPv4Address(127, 0, 0, 1)), clientPort: 40000,
                                    server: .v4(IPv4Address(127, 0, 0, 1)), serverPort: 9000, roleReason: "sent the SYN")

    func data(_ stream: Int, _ offset: Int, _ bytes: [UInt8], frame: Int) -> PipelineEvent {
        .stream(.data(stream: stream, direction: .clientToServer, offset: UInt64(offset), bytes: SegmentBytes(bytes),
                      frame: frame, segmentOffset: 0))
    }

    func key(_ stream: Int) -> MessageStage.DirectionKey {
        .init(stream: stream, direction: .clientToServer, udp: false)
    }

    /// Pending notes of a direction (its segments not yet wholly used by complete messages).
    func noted(_ stage: MessageStage, _ stream: Int) -> Int {
        guard let st = stage.existing(key(stream)) else { return 0 }
        return st.chunks.count - st.chunkHead
    }

    /// The notes the stage counts against its total: each direction's past its first few.
    func counted(_ stage: MessageStage, _ stream: Int) -> Int {
        max(0, noted(stage, stream) - MessageStage.freeNotes)
    }

    /// One-byte segments that `auto` cannot frame (0xFF, then letters: no UTF-8, no chain), many
    /// streams at once: each held segment counts its bytes and `heldPieceCost`, so the total
    /// limit is met by segment count, not only by bytes (8,000 bytes would never reach it).
    func testUndecidedTinySegmentsCountTheirBookkeeping() {
        let stage = MessageStage(framing: FramingChoice(defaultSpec: FrameSpec(.auto)), keeps: [])
        stage.maxHeldBytesTotal = 256 << 10
        let streams = 40, segments = 200
        for s in 0..<streams { stage.consume(.stream(.opened(stream: s, endpoints: endpoints))) }
        var frame = 1, most = 0
        for k in 0..<segments {
            for s in 0..<streams {
                frame += 1
                stage.consume(data(s, k, [k == 0 ? 0xFF : UInt8(0x61 + k % 26)], frame: frame))
                // What the held segments of the undecided directions cost, counted as the limit counts.
                var cost = 0
                for t in 0..<streams {
                    if let st = stage.existing(key(t)), st.framer == nil {
                        XCTAssertEqual(st.heldCost, st.heldBytes + st.held.count * MessageStage.heldPieceCost)
                        cost += st.heldCost
                    }
                }
                XCTAssertEqual(stage.heldTotal, cost)
                XCTAssertLessThanOrEqual(stage.heldTotal, stage.maxHeldBytesTotal)
                most = max(most, stage.heldTotal)
            }
        }
        let warnings = stage.takeWarnings()
        XCTAssertTrue(warnings.contains { $0.contains("counting \(MessageStage.heldPieceCost) a segment besides its bytes (the limit is \(256 << 10))") },
                      "\(warnings.prefix(3))")
        XCTAssertGreaterThan(most, stage.maxHeldBytesTotal - 100 * (1 + MessageStage.heldPieceCost))
        // Decided with what came: raw, nothing held any more for those streams.
        XCTAssertTrue((0..<streams).contains { stage.existing(key($0))?.framer != nil })
    }

    /// A message of 5,000 bytes sent one byte per segment keeps at most `maxMessageNotes` notes;
    /// it lists its first frames and its last, and a warning says so once.
    func testAMessageOfManySegmentsKeepsBoundedNotes() {
        let stage = MessageStage(framing: FramingChoice(defaultSpec: try! FrameSpec(parsing: "!I")))
        stage.maxMessageNotes = 1000
        let length = 5000
        stage.consume(.stream(.opened(stream: 0, endpoints: endpoints)))
        stage.consume(data(0, 0, [0, 0, UInt8(length >> 8), UInt8(length & 0xFF)], frame: 2))
        for k in 0..<length {
            stage.consume(data(0, 4 + k, [0x61], frame: 3 + k))
            XCTAssertLessThanOrEqual(noted(stage, 0), 1000)
            XCTAssertEqual(stage.pendingNotes, counted(stage, 0))
        }
        let messages = stage.takeMessages()
        XCTAssertEqual(messages.count, 1)
        let frames = messages.first.map { Array($0.frames) } ?? []
        XCTAssertEqual(frames.count, 1000)
        XCTAssertEqual(Array(frames.prefix(999)), Array(2...1000))
        XCTAssertEqual(frames.last, length + 2)
        XCTAssertEqual(messages.first?.message.body.count, length)
        XCTAssertEqual(stage.pendingNotes, 0)
        let warnings = stage.takeWarnings()
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.contains("the limit is 1000 for a message") == true, "\(warnings)")
        // The next message is noted in full again.
        stage.consume(data(0, 4 + length, [0, 0, 0, 2, 0x62], frame: 9000))
        stage.consume(data(0, 9 + length, [0x63], frame: 9001))
        XCTAssertEqual(stage.takeMessages().map { Array($0.frames) }, [[9000, 9001]])
    }

    /// Many directions with messages in progress: their notes together stay under
    /// `maxPendingNotesTotal`, besides each direction's first `freeNotes`.
    func testNotesOfAllStreamsTogetherAreBounded() {
        let stage = MessageStage(framing: FramingChoice(defaultSpec: try! FrameSpec(parsing: "!I")), keeps: [])
        stage.maxPendingNotesTotal = 300
        let streams = 8, length = 400
        for s in 0..<streams {
            stage.consume(.stream(.opened(stream: s, endpoints: endpoints)))
            stage.consume(data(s, 0, [0, 0, UInt8(length >> 8), UInt8(length & 0xFF)], frame: 1 + s))
        }
        var frame = 100
        for k in 0..<length - 1 {
            for s in 0..<streams {
                frame += 1
                stage.consume(data(s, 4 + k, [0x61], frame: frame))
                XCTAssertLessThanOrEqual(stage.pendingNotes, 300)
                XCTAssertEqual(stage.pendingNotes, (0..<streams).reduce(0) { $0 + counted(stage, $1) })
                XCTAssertLessThanOrEqual(noted(stage, s), 300 + MessageStage.freeNotes)
            }
        }
        let warnings = stage.takeWarnings()
        XCTAssertEqual(warnings.count, streams)
        XCTAssertTrue(warnings.allSatisfy { $0.contains("the limit is 300 for messages in progress, all streams together") }, "\(warnings.prefix(2))")
        for s in 0..<streams { stage.consume(.stream(.ended(stream: s, direction: .clientToServer, reason: .endOfCapture))) }
        XCTAssertEqual(stage.pendingNotes, 0)
    }
    /// `read`'s view of each frame of a message of many segments: part k, counted once per
    /// message rather than walked again for each frame; past `maxMessageNotes` the part stays
    /// at the limit (the notes were merged), and the last frame ends the message.
    func testFrameViewsOfAManySegmentMessageCountTheirPart() {
        let stage = MessageStage(framing: FramingChoice(defaultSpec: try! FrameSpec(parsing: "!I")), keeps: [])
        stage.maxMessageNotes = 300
        let length = 500
        stage.consume(.stream(.opened(stream: 0, endpoints: endpoints)))
        func frame(_ n: Int, _ offset: Int, _ bytes: [UInt8]) -> FrameView {
            stage.beginFrame(n)
            stage.consume(data(0, offset, bytes, frame: n))
            return stage.endFrame(session: SessionInfo(stream: 0, direction: .clientToServer, relativeSequence: UInt32(offset + 1),
                                                      relativeAcknowledgment: nil, analysis: []))
        }
        XCTAssertEqual(frame(10, 0, [0, 0, UInt8(length >> 8), UInt8(length & 0xFF)]).messages.map(\.part), [1])
        for k in 0..<length - 1 {
            let v = frame(11 + k, 4 + k, [0x61])
            XCTAssertEqual(v.messages.map(\.part), [min(k + 2, 300)], "frame \(11 + k)")
            XCTAssertEqual(v.messages.first?.kind, .continues)
        }
        let last = frame(11 + length, 3 + length, [0x62])
        XCTAssertEqual(last.messages.first?.kind, .ends)
        XCTAssertEqual(last.messages.first?.part, 300)
        XCTAssertEqual(last.messages.first?.parts, 300)
    }
}
