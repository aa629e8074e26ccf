import XCTest
@testable import Render

/// The word-at-a-time pieces of `messages --json`: the body's hex (four bytes at a time) and
/// JSON strings (plain bytes skipped eight at a time), held against byte-by-byte references at
/// every alignment.
final class JSONPiecesTests: XCTestCase {
    let digits = Array("0123456789abcdef")

    func hexReference(_ bytes: [UInt8]) -> String {
        String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xf)]] })
    }

    func testHexOfEveryByteAtEveryAlignment() {
        let bytes = (0 ..< 256).map { UInt8($0) } + [0xff, 0x00, 0xab]
        for start in 0 ..< 9 {
            for end in [start, start + 1, start + 3, start + 4, start + 5, bytes.count] {
                let piece = Array(bytes[start ..< end])
                let out = ByteSink()
                out.writing(upTo: 2 * piece.count) { MessageLines.hex(piece, at: $0) }
                XCTAssertEqual(out.string, hexReference(piece), "bytes \(start)..<\(end)")
            }
        }
    }

    func jsonReference(_ bytes: [UInt8]) -> String {
        var s: [UInt8] = [0x22]
        for b in bytes {
            switch b {
            case 0x22: s += Array("\\\"".utf8)
            case 0x5c: s += Array("\\\\".utf8)
            case 0x0a: s += Array("\\n".utf8)
            case 0x0d: s += Array("\\r".utf8)
            case 0x09: s += Array("\\t".utf8)
            case 0 ..< 0x20: s += Array(("\\u00" + hexReference([b])).utf8)
            default: s.append(b)
            }
        }
        return String(decoding: s + [0x22], as: UTF8.self)
    }

    func testJSONStringsEscapeEverySpecialByteAtEveryPosition() {
        // ASCII and a two-byte character (é: its bytes have the high bit set and stay as they are).
        let text = Array("abcdefgh\u{e9}ijklmnopqrs".utf8)
        for special: UInt8 in [0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x22, 0x5c] {
            for at in 0 ..< text.count {
                var bytes = text
                bytes[at] = special
                if at == 8 || at == 9 { continue }  // would split é: not valid UTF-8
                let out = ByteSink()
                out.jsonUTF8(bytes)
                XCTAssertEqual(out.string, jsonReference(bytes), "byte \(special) at \(at)")
            }
        }
        let plain = Array("twenty plain bytes, no escapes".utf8)
        let out = ByteSink()
        out.jsonUTF8(plain)
        XCTAssertEqual(out.string, jsonReference(plain))
    }
}
