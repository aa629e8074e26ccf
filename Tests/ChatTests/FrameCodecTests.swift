import Chat
import Foundation
import Framing
import XCTest

/// The wire format pieces the servers add on top of Framing.
final class FrameCodecTests: ServerTestCase {
    /// `lengthHeader(bodyLength:) + body` is exactly `encode(body)`, for every format.
    func testLengthHeaderMatchesEncode() throws {
        for text in ["!I", "<I", "I", "!i", "<i", "B", "b", "!H", "<h", "!Q", "<q"] {
            for lengthIncludesHeader in [false, true] {
                let s = try FrameSpec(parsing: text, lengthIncludesHeader: lengthIncludesHeader)
                for n in [0, 1, 5, 100, 126, 127, 255, 300, 65535] {
                    let body = [UInt8](repeating: 0x42, count: n)
                    let encoded = try? s.encode(body)
                    let header = try? s.lengthHeader(bodyLength: n)
                    XCTAssertEqual(header.map { $0 + body }, encoded, "\(text) includesHeader=\(lengthIncludesHeader) n=\(n)")
                }
            }
        }
        XCTAssertThrowsError(try FrameSpec(.line).lengthHeader(bodyLength: 1))
        XCTAssertThrowsError(try spec("!I").lengthHeader(bodyLength: -1))
    }

    /// A frame dribbled one byte per write, header included, comes back whole.
    func testOneBytePerWrite() throws {
        for text in ["!I", "<q", "line"] {
            let s = spec(text)
            let server = try start(.framed(s, .echo))
            let p = try Peer.tcp(server.port)
            let body = Array("dribbled, byte by byte".utf8)
            for byte in try s.encode(body) {
                try p.send([byte])
                usleep(1_000)
            }
            if text == "line" {
                XCTAssertEqual(try p.lineBytes(), body)
            } else {
                XCTAssertEqual(try p.message(s), body, text)
            }
        }
    }

    /// Sticky and split at once: three frames cut at every position of a two-write split.
    func testEveryTwoWriteSplit() throws {
        let s = spec("!H")
        let server = try start(.framed(s, .echo))
        var wire: [UInt8] = []
        for body in ["a", "", "three"] { wire += try s.encode(Array(body.utf8)) }
        for cut in 0...wire.count {
            let p = try Peer.tcp(server.port)
            try p.send(Array(wire[..<cut]))
            usleep(2_000)
            try p.send(Array(wire[cut...]))
            XCTAssertEqual(try p.bytes(wire.count), wire, "cut at \(cut)")
        }
    }
}
