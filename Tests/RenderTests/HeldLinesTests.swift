import Framing
import Inspect
import Render
import Streams
import XCTest

/// `messages` holds a later stream's lines as records (`HeldLines`) and renders them when they
/// are released: the lines must be the ones `MessageLines.line` writes for the messages, byte
/// for byte, however the held bytes are cut into pieces on the way back.
final class HeldLinesTests: XCTestCase {
    static func message(stream: Int = 3, direction: Direction = .clientToServer, index: Int = 7, body: [UInt8],
                        header: Int64?? = .none, bits: UInt64? = nil, declared: Int?? = .none, problems: [FrameProblem] = [],
                        frames: FrameList = [12], sticky: FrameList = [], format: String = "!I", guessed: Bool = false,
                        provisional: Bool = false, udp: Bool = false) -> ChatMessage {
        let value: Int64? = header ?? Int64(body.count)
        let f = FramedMessage(index: index, start: 0, headerLength: value == nil ? 0 : 4, headerValue: value,
                              headerRawValue: bits ?? value.map { UInt64(bitPattern: $0) }, declaredLength: declared ?? body.count,
                              body: body, end: 0, complete: problems.isEmpty, problems: problems,
                              isValidUTF8: String(validating: body, as: UTF8.self) != nil)
        return ChatMessage(transport: udp ? .udp : .tcp, stream: stream, direction: direction, message: f, frames: frames,
                           format: format, guessed: guessed, stickyFrames: sticky, provisional: provisional)
    }

    static var messages: [ChatMessage] {
        let text = Array("hello there".utf8)
        let long = Array(String(repeating: "abcdefghij", count: 30).utf8)
        let wide = Array(String(repeating: "γειά 🚀 ", count: 20).utf8)
        let bytes: [UInt8] = (0 ..< 200).map { UInt8(truncatingIfNeeded: $0 * 37) }
        return [
            message(body: text),
            message(direction: .serverToClient, index: 1, body: text, header: 15, format: "!I+4"),
            message(body: text, declared: 100, frames: [1, 2, 3]),
            message(body: text, header: -5, declared: -5),
            message(body: [], frames: []),
            message(body: Array(String(repeating: "x", count: 60).utf8)),
            message(body: Array(String(repeating: "x", count: 61).utf8)),
            message(body: long, frames: [5, 9]),
            message(body: wide, format: "line", guessed: true),
            message(body: bytes, header: .some(nil), declared: .some(nil), format: "raw"),
            message(body: Array(bytes.prefix(59)), header: .some(nil), declared: .some(nil), format: "raw", provisional: true),
            message(body: text, sticky: [12]),
            message(body: text, frames: [12, 13, 14], sticky: [14]),
            message(body: text, frames: [12, 13], sticky: [12, 13]),
            message(body: text, udp: true),
            message(body: Array("quote \" back \\ tab \t nl \n".utf8)),
            // Not covered by the compact form: kept as rendered lines.
            message(body: text, frames: [1, 2, 3, 4]),
            message(body: text, sticky: [1, 2, 3, 4]),
            message(body: text, problems: [.truncatedBody]),
            message(body: [], header: Int64.max, bits: UInt64.max, declared: Int.max, format: "!Q"),
            message(body: text, header: 1 << 40),
            message(stream: 1 << 33, body: text),
            message(index: 1 << 32, body: text),
            message(body: text, frames: [1 << 32]),
            message(body: text, sticky: [12, 1 << 32]),
        ]
    }

    /// The records of `messages`, as `MessageSink` makes them.
    static func records(_ messages: [ChatMessage], _ held: HeldLines) -> [UInt8] {
        var bytes: [UInt8] = []
        let spare = ByteSink(), out = ByteSink()
        for m in messages {
            let n = held.compactCount(m)
            if n > 0 {
                var record = [UInt8](repeating: 0xee, count: n)
                record.withUnsafeMutableBytes { held.writeCompact(m, at: $0.baseAddress!) }
                bytes += record
            } else {
                out.removeAll()
                held.holdLine(m, style: .plain, into: out, spare: spare)
                bytes += out.bytes
            }
        }
        return bytes
    }

    func testReleasedRecordsAreTheLinesByteForByteInPiecesOfAnySize() {
        let messages = Self.messages
        let expected = ByteSink()
        for m in messages { MessageLines.line(m, into: expected) }
        let held = HeldLines()
        // Both kinds of record are made: the last nine messages are kept as lines.
        XCTAssertEqual(messages.map { held.compactCount($0) > 0 }, Array(repeating: true, count: messages.count - 9) + Array(repeating: false, count: 9))
        let bytes = Self.records(messages, held)
        XCTAssertLessThan(bytes.count, expected.count, "records are smaller than the lines")
        for piece in [1, 2, 3, 5, 7, 8, 13, 64, bytes.count] {
            let out = ByteSink()
            var at = 0
            while at < bytes.count {
                let end = min(at + piece, bytes.count)
                bytes[at ..< end].withUnsafeBytes { held.release($0, into: out) }
                at = end
            }
            XCTAssertEqual(out.string, expected.string, "pieces of \(piece) bytes")
        }
    }

    /// The common message (short body, one frame, header = length) takes under half its line.
    func testACommonMessageIsSmall() {
        let m = Self.message(body: Array("see you at the meeting".utf8))
        let line = ByteSink()
        MessageLines.line(m, into: line)
        let n = HeldLines().compactCount(m)
        XCTAssertGreaterThan(n, 0)
        XCTAssertLessThan(2 * n, line.count)
    }

    /// Many formats: each gets its number, and lines render with their own.
    func testEveryFormatRendersItsOwnText() {
        let messages = (0 ..< 300).map { Self.message(index: $0 + 1, body: Array("m\($0)".utf8), format: "!I+\($0 % 280)") }
        let expected = ByteSink()
        for m in messages { MessageLines.line(m, into: expected) }
        let held = HeldLines()
        let out = ByteSink()
        Self.records(messages, held).withUnsafeBytes { held.release($0, into: out) }
        XCTAssertEqual(out.string, expected.string)
    }
}
