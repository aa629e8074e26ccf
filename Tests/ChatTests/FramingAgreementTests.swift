@testable import Chat
import Framing
import NIOCore
import NIOEmbedded
import NIOTestUtils
import TestSupport
import XCTest

/// The servers' NIO decoder (`FrameDecoder`) and Framing's `MessageFramer` take their framing
/// decisions from one step (`FrameSpec.step`); these tests hold them to it: the same byte
/// streams, cut every way, give the same messages and the same problems.
final class FramingAgreementTests: XCTestCase {
    /// Small, so that the limit's boundaries are cheap to reach.
    static let limit = 16

    /// The length formats the issue names, counting their header or not, and `line`.
    static func specs() throws -> [FrameSpec] {
        var out: [FrameSpec] = []
        for text in ["!I", "<i", "H", "!Q"] {
            for includes in [false, true] {
                out.append(try FrameSpec(parsing: text, maxMessage: limit, lengthIncludesHeader: includes))
            }
        }
        out.append(FrameSpec(.line, maxMessage: limit))
        return out
    }

    /// Good messages: empty, short, and exactly the limit long.
    static let bodies: [[UInt8]] = [[], Array("a".utf8), Array("hello".utf8), Array(repeating: 0x78, count: limit)]

    /// Byte streams for `spec`, each a few good messages then (at most) one thing wrong.
    static func streams(_ spec: FrameSpec) throws -> [(name: String, bytes: [UInt8])] {
        var good: [UInt8] = []
        for body in bodies { good += try spec.encode(body) }
        var out: [(String, [UInt8])] = [("good messages", good)]
        guard let width = spec.headerWidth else {
            let long = [UInt8](repeating: 0x79, count: limit + 1)
            return out + [
                ("CRLF lines", Array("a\r\n\r\n\n".utf8) + long.dropLast() + Array("\r\n".utf8)),
                ("an inner CR stays", Array("a\rb\n".utf8)),
                ("a line of max+1", good + long + [0x0A]),
                ("max+1 then CRLF", good + long + Array("\r\n".utf8)),
                ("a long line without newline", good + long + long),
                ("end inside a line", good + Array("half".utf8)),
                ("end after max+1 bytes", good + long),
                ("end after max bytes and CR", good + long.dropLast() + [0x0D]),
            ]
        }
        let header = { (declared: Int64) in spec.header(field: spec.field(declaring: declared)) ?? [] }
        out.append(("over the limit", good + header(Int64(limit) + 1) + Array("body".utf8)))
        out.append(("a huge claim", good + header(Int64(Int32.max)) + [1, 2, 3]))
        out.append(("end inside the header", good + header(3).prefix(width - 1)))
        out.append(("end inside the body", good + header(10) + Array("abc".utf8)))
        out.append(("end right after the header", good + header(10)))
        if case let .length(_, signed, _, _) = spec.kind, signed || spec.lengthIncludesHeader {
            out.append(("negative length", good + header(-5) + Array("ignored".utf8)))
        }
        return out
    }

    /// What a reader made of a stream: its messages, then the first problem (nothing is read after it).
    enum Outcome: Equatable, CustomStringConvertible {
        case message([UInt8])
        case problem(FrameProblem)

        var description: String {
            switch self {
            case let .message(body): return "message \(String(decoding: body, as: UTF8.self).debugDescription)"
            case let .problem(p): return "problem \(p.rawValue)"
            }
        }
    }

    /// `MessageFramer`, fed `pieces` as consecutive segments, then finished.
    static func framed(_ spec: FrameSpec, _ pieces: [[UInt8]]) -> (outcomes: [Outcome], messages: [FramedMessage]) {
        let messages = frame(spec, segments: pieces)
        var outcomes: [Outcome] = []
        for m in messages {
            let problems = m.problems.filter { $0 != .invalidUTF8 }
            guard let first = problems.first else {
                outcomes.append(.message(m.body))
                continue
            }
            // A line that ran more than maxMessage + 1 bytes without "\n" is over the limit before
            // the stream ends; otherwise, at the end of the stream, the server reports the missing
            // bytes (the client is gone).
            let overBeforeTheEnd = problems.contains(.lengthOverLimit) && m.end - m.start > UInt64(spec.maxMessage) + 1
            let missing = problems.first { $0 == .truncatedHeader || $0 == .truncatedBody }
            outcomes.append(.problem(overBeforeTheEnd ? .lengthOverLimit : missing ?? first))
            break
        }
        return (outcomes, messages)
    }

    /// The servers' decoder on an `EmbeddedChannel`, fed `pieces` one write each, then closed.
    static func decoded(_ spec: FrameSpec, _ pieces: [[UInt8]]) throws -> (outcomes: [Outcome], inbound: [ChatInbound]) {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(spec: spec, naive: false, readTimeout: nil)))
        var inbound: [ChatInbound] = []
        func drain() throws {
            while let item: ChatInbound = try channel.readInbound() { inbound.append(item) }
        }
        for piece in pieces {
            try channel.writeInbound(channel.allocator.buffer(bytes: piece))
            try drain()
        }
        try channel.close().wait()  // the end of the stream: decodeLast
        try drain()
        XCTAssertTrue(try channel.finish(acceptAlreadyClosed: true).isClean)
        let outcomes: [Outcome] = inbound.map {
            switch $0 {
            case let .message(body, _): return .message(Array(body.readableBytesView))
            case let .violation(.framing(problem, _, _)): return .problem(problem)
            case .violation: return .problem(.gap)  // never expected here: fails the comparison
            }
        }
        return (outcomes, inbound)
    }

    /// Every stream, whole, one byte at a time, and cut in two at every offset: the decoder and
    /// the framer agree on the messages and the problem, and the decoder's numbers are the
    /// framer's (a length message's frame is its bytes on the wire; a bad or cut header's
    /// values are the framer's declared length and byte counts).
    func testTheServersDecoderAndTheFramerAgreeAtEveryCut() throws {
        for spec in try Self.specs() {
            for (name, bytes) in try Self.streams(spec) {
                var cuts: [[[UInt8]]] = [[bytes], bytes.map { [$0] }]
                for cut in 1..<bytes.count { cuts.append([Array(bytes[..<cut]), Array(bytes[cut...])]) }
                let wholeOutcome = Self.framed(spec, [bytes]).outcomes
                for pieces in cuts {
                    let what = "\(spec) includesHeader=\(spec.lengthIncludesHeader) \(name), pieces \(pieces.map(\.count))"
                    let (outcomes, messages) = Self.framed(spec, pieces)
                    let (decoded, inbound) = try Self.decoded(spec, pieces)
                    XCTAssertEqual(outcomes, wholeOutcome, "framer, \(what)")
                    XCTAssertEqual(decoded, outcomes, what)
                    guard decoded == outcomes, spec.headerWidth != nil else { continue }
                    for (m, item) in zip(messages, inbound) { checkNumbers(m, item, wire: bytes, what) }
                }
            }
        }
    }

    private func checkNumbers(_ m: FramedMessage, _ item: ChatInbound, wire: [UInt8], _ what: String) {
        switch item {
        case let .message(_, frame):
            XCTAssertEqual(frame.map { Array($0.readableBytesView) }, Array(wire[Int(m.start)..<Int(m.end)]), what)
        case let .violation(.framing(problem, value, bound)):
            switch problem {
            case .negativeLength, .lengthOverLimit:
                XCTAssertEqual(value, Int64(m.declaredLength ?? 0), what)
            case .truncatedHeader:
                XCTAssertEqual(value, Int64(m.headerLength), what)
                XCTAssertGreaterThan(bound, value, what)
            case .truncatedBody:
                XCTAssertEqual([value, bound], [Int64(m.body.count), Int64(m.declaredLength ?? 0)], what)
            default:
                XCTFail("unexpected \(problem), \(what)")
            }
        case let .violation(v):
            XCTFail("unexpected \(v), \(what)")
        }
    }

    /// NIO's verifier (one byte at a time, a message at a time, many at once, in shuffled
    /// orders) on the good messages, with the outputs the framer found in the same bytes.
    func testTheDecoderPassesNIOsVerifierWithTheFramersMessages() throws {
        let allocator = ByteBufferAllocator()
        for spec in try Self.specs() {
            var pairs: [(ByteBuffer, [ChatInbound])] = []
            for body in Self.bodies + [Array("two\r\n".utf8).dropLast(2)] {
                let wire = try spec.encode(Array(body))
                let found = Self.framed(spec, [wire]).messages
                XCTAssertEqual(found.map(\.body), [Array(body)], "\(spec)")
                let expected = found.map { m in
                    ChatInbound.message(body: allocator.buffer(bytes: m.body),
                                        frame: spec.headerWidth == nil ? nil : allocator.buffer(bytes: wire))
                }
                pairs.append((allocator.buffer(bytes: wire), expected))
            }
            XCTAssertNoThrow(try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
                FrameDecoder(spec: spec, naive: false, readTimeout: nil)
            }, "\(spec) includesHeader=\(spec.lengthIncludesHeader)")
        }
    }

    /// The limit's two sides, on both readers: a body of exactly maxMessage is a message, one
    /// byte more is `length_over_limit` — with the server's text for it.
    func testMaxIsAMessageAndMaxPlusOneIsOverTheLimit() throws {
        for spec in try Self.specs() {
            let max = [UInt8](repeating: 0x61, count: Self.limit)
            let wire = try spec.encode(max)
            XCTAssertEqual(try Self.decoded(spec, [wire]).outcomes, [.message(max)], "\(spec)")
            XCTAssertEqual(Self.framed(spec, [wire]).outcomes, [.message(max)], "\(spec)")
            let over: [UInt8]
            if let header = spec.header(field: spec.field(declaring: Int64(Self.limit + 1))), spec.headerWidth != nil {
                over = header + max + [0x61]
            } else {
                over = max + [0x61, 0x0A]
            }
            let (decoded, inbound) = try Self.decoded(spec, [over])
            XCTAssertEqual(decoded, [.problem(.lengthOverLimit)], "\(spec)")
            XCTAssertEqual(Self.framed(spec, [over]).outcomes, [.problem(.lengthOverLimit)], "\(spec)")
            guard case let .violation(v) = inbound.first else { continue }
            XCTAssertEqual(v.message, "error: length_over_limit \(Self.limit + 1) > \(Self.limit)", "\(spec)")
        }
    }
}
