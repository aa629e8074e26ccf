import XCTest
@testable import Render
import Framing
import Inspect
import TestSupport

/// `MessageLines.quoted(_:limit:valid:into:)` copies runs of plain bytes at once; these pin its
/// escapes and its character limit.
final class QuotedTextTests: XCTestCase {
    func quoted(_ bytes: [UInt8], limit: Int = 60, valid: Bool? = nil) -> String {
        let out = ByteSink()
        MessageLines.quoted(bytes, limit: limit, valid: valid, into: out)
        return out.string
    }

    func testEscapesAndLimit() {
        XCTAssertEqual(quoted(Array("hi".utf8)), "\"hi\"")
        XCTAssertEqual(quoted([]), "\"\"")
        XCTAssertEqual(quoted(Array("a\"b\\c\nd\re\tf".utf8)), #""a\"b\\c\nd\re\tf""#)
        XCTAssertEqual(quoted([0x00, 0x41, 0x7f, 0x1b]), #""\x00A\x7f\x1b""#)
        XCTAssertEqual(quoted(Array("abcdef".utf8), limit: 3), "\"abc…\"")
        XCTAssertEqual(quoted(Array("abc".utf8), limit: 3), "\"abc\"")
        XCTAssertEqual(quoted(Array("ab\ncd".utf8), limit: 2), "\"ab…\"")
        XCTAssertEqual(quoted(Array("a\nbc".utf8), limit: 2), "\"a\\n…\"")
        // Characters, not bytes, count; a multi-byte character is never cut.
        XCTAssertEqual(quoted(Array("粘包拆包".utf8), limit: 2), "\"粘包…\"")
        XCTAssertEqual(quoted(Array("😀x".utf8), limit: 1), "\"😀…\"")
        // Not UTF-8: every byte counts and high bytes are escaped.
        XCTAssertEqual(quoted([0x41, 0xff, 0xc3, 0x42], valid: false), #""A\xff\xc3B""#)
        XCTAssertEqual(quoted([0x41, 0xff, 0xc3, 0x42], limit: 2, valid: false), #""A\xff…""#)
        // The verdict is worked out when not given.
        XCTAssertEqual(quoted([0xc3, 0xa9]), "\"é\"")
        XCTAssertEqual(quoted([0xc3]), #""\xc3""#)
    }

    /// On valid UTF-8 the byte renderer agrees with the String renderer (which walks scalars).
    func testAgreesWithScalarRendering() {
        var rng = SplitMix64(seed: 42)
        func next() -> UInt64 { rng.next() }
        let alphabet: [String] = ["a", "Z", " ", "\"", "\\", "\n", "\r", "\t", "\u{1}", "\u{7f}", "é", "粘", "😀", "ü"]
        for _ in 0 ..< 2000 {
            let text = (0 ..< Int(next() % 30)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }.joined()
            let limit = Int(next() % 25)
            XCTAssertEqual(quoted(Array(text.utf8), limit: limit, valid: true), MessageLines.quoted(Array(text.utf8), limit: limit), text.debugDescription)
        }
    }

    /// Long plain runs (taken eight bytes at a time) broken by escapes, multi-byte characters and
    /// invalid bytes at every position, and limits that fall inside and beside those runs.
    func testLongRunsAgreeWithScalarRendering() {
        var rng = SplitMix64(seed: 7)
        func next() -> UInt64 { rng.next() }
        // (Bytes that are not UTF-8 make both renderers escape every byte but printable ASCII,
        // the String one as \xNN even for a newline, a quote or a backslash: those are left out
        // there.)
        let rareText: [[UInt8]] = [[0x22], [0x5c], [0x0a], [0x09], [0x1f], [0x7f], Array("é".utf8), Array("😀".utf8)]
        let rareBytes: [[UInt8]] = [[0x1f], [0x7f], Array("é".utf8), [0xff], [0xc3]]
        for round in 0 ..< 3000 {
            let rare = round % 2 == 0 ? rareText : rareBytes
            var bytes: [UInt8] = []
            for _ in 0 ..< Int(next() % 120) {
                if next() % 12 == 0 {
                    bytes += rare[Int(next() % UInt64(rare.count))]
                } else {
                    let b = UInt8(0x20 + next() % 0x5f)  // space ... tilde
                    bytes.append(round % 2 == 1 && (b == 0x22 || b == 0x5c) ? 0x78 : b)
                }
            }
            let limit = Int(next() % 90)
            XCTAssertEqual(quoted(bytes, limit: limit), MessageLines.quoted(bytes, limit: limit), bytes.description)
        }
    }
}

/// `quoted` takes eight bytes a word, with the last word read in pieces or shifted down: every
/// length, every alignment of the body in memory, and every special byte at every position
/// against a byte-by-byte rendering.
final class QuotedWordTests: XCTestCase {
    /// What `quoted` writes, one byte at a time: a character starts at every byte but a
    /// continuation byte (every byte when not `valid`); the text stops before the character that
    /// would pass `limit`, with an ellipsis.
    static func reference(_ bytes: ArraySlice<UInt8>, limit: Int, valid: Bool) -> [UInt8] {
        var out: [UInt8] = [0x22]
        var chars = 0
        for b in bytes {
            if !valid || b & 0xc0 != 0x80 {
                if chars >= limit {
                    out += Array("…".utf8)
                    break
                }
                chars += 1
            }
            switch b {
            case 0x0a: out += Array("\\n".utf8)
            case 0x0d: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0x22: out += Array("\\\"".utf8)
            case 0x5c: out += Array("\\\\".utf8)
            case 0x20 ..< 0x7f: out.append(b)
            case 0x80... where valid: out.append(b)
            default:
                let digits = Array("0123456789abcdef".utf8)
                out += Array("\\x".utf8) + [digits[Int(b >> 4)], digits[Int(b & 0xf)]]
            }
        }
        out.append(0x22)
        return out
    }

    /// Bytes, not text: a body passed as valid that is not must come out byte for byte too.
    func quoted(_ bytes: ArraySlice<UInt8>, limit: Int, valid: Bool) -> [UInt8] {
        let out = ByteSink()
        MessageLines.quoted(Array(bytes), limit: limit, valid: valid, into: out)
        return out.bytes
    }

    func testEverySpecialByteAtEveryPositionAndLength() {
        let specials: [UInt8] = [0x00, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x22, 0x5c, 0x7e, 0x7f, 0x80, 0xbf, 0xc3, 0xff]
        for length in 0 ... 40 {
            for at in 0 ..< max(length, 1) {
                for s in specials {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    if length > 0 { bytes[at] = s }
                    for valid in [true, false] {
                        for limit in [0, at, length - 1, length, 60] {
                            XCTAssertEqual(quoted(bytes[...], limit: limit, valid: valid),
                                           Self.reference(bytes[...], limit: limit, valid: valid),
                                           "length \(length) at \(at) byte \(s) valid \(valid) limit \(limit)")
                        }
                    }
                }
            }
        }
    }

    /// Random bodies of every length from a mix of plain, special, multi-byte and invalid bytes,
    /// at every offset from an eight-byte boundary (the word loads are unaligned): the cut and
    /// the escaped text each, and `quoted` whole.
    func testRandomBodiesAtEveryAlignment() {
        var rng = SplitMix64(seed: 23)
        func next() -> UInt64 { rng.next() }
        let pieces: [[UInt8]] = [[0x61], [0x20], [0x7e], [0x22], [0x5c], [0x0a], [0x00], [0x7f], [0x1b],
                                 Array("é".utf8), Array("粘".utf8), Array("😀".utf8), [0xff], [0x80], [0xc3], [0xed, 0xa0, 0x80]]
        let room = UnsafeMutablePointer<UInt8>.allocate(capacity: 4 * 100 + 16)
        defer { room.deallocate() }
        for round in 0 ..< 4000 {
            var bytes: [UInt8] = []
            let target = Int(next() % 90)
            while bytes.count < target {
                bytes += next() % 3 == 0 ? pieces[Int(next() % UInt64(pieces.count))] : [UInt8(0x20 + next() % 0x5f)]
            }
            let pad = round % 8
            let padded = [UInt8](repeating: 0x22, count: pad) + bytes + [0x5c, 0x0a]
            let limit = Int(next() % 80) - 2
            for valid in [true, false] {
                let expected = Self.reference(bytes[...], limit: limit, valid: valid)
                XCTAssertEqual(quoted(bytes[...], limit: limit, valid: valid), expected, "\(bytes) limit \(limit) valid \(valid)")
                padded.withUnsafeBytes { raw in
                    let src = raw.baseAddress! + pad
                    var cut = bytes.count
                    if valid {
                        cut = MessageLines.utf8Cut(src, count: bytes.count, limit: limit)
                    } else {
                        cut = min(bytes.count, max(limit, 0))
                    }
                    let end = MessageLines.escapedText(src, count: cut, utf8: valid, at: room)
                    var text: [UInt8] = [0x22]
                    text += UnsafeBufferPointer(start: room, count: end - room)
                    if cut < bytes.count { text += Array("…".utf8) }
                    text.append(0x22)
                    XCTAssertEqual(text, expected, "offset \(pad): \(bytes) limit \(limit) valid \(valid)")
                }
            }
        }
    }
}

/// ByteSink's decimal writer against the standard library, around every power of ten.
final class DecimalTests: XCTestCase {
    func testDecimalsAroundPowersOfTen() {
        var values: [UInt64] = [0, 1, 9, 10, 11, 99, 100, UInt64(UInt32.max), UInt64(UInt32.max) + 1, UInt64.max, UInt64.max - 1]
        var p: UInt64 = 1
        for _ in 0 ..< 19 {
            p *= 10
            values += [p - 1, p, p + 1, p &* 2 &- 1]
        }
        for v in values {
            let out = ByteSink()
            out.unsignedDecimal(v)
            XCTAssertEqual(out.string, String(v))
        }
        // Every width, at random (the writer cuts numbers into blocks of eight and four).
        var rng = SystemRandomNumberGenerator()
        for bits in 0 ... 64 {
            for _ in 0 ..< 200 {
                let v = bits == 64 ? rng.next() : rng.next() & ((UInt64(1) << UInt64(bits)) - 1)
                let out = ByteSink()
                out.unsignedDecimal(v)
                XCTAssertEqual(out.string, String(v))
            }
        }
        let out = ByteSink()
        out.decimal(-42)
        out.decimal(Int64.min)
        XCTAssertEqual(out.string, "-42" + String(Int64.min))
    }
}

/// A signed 8-byte length header can hold Int64.min: every message renderer prints it.
final class ExtremeHeaderTests: XCTestCase {
    func testMostNegativeAndLargestHeadersPrint() {
        for (value, bits, text) in [(Int64.min, UInt64(1) << 63, "-9223372036854775808"),
                                    (Int64.max, UInt64.max, "18446744073709551615")] {
            let f = FramedMessage(index: 1, start: 0, headerLength: 8, headerValue: value, headerRawValue: bits,
                                  declaredLength: Int(clamping: value), body: [], end: 8, complete: false,
                                  problems: [value < 0 ? .negativeLength : .lengthOverLimit], isValidUTF8: true)
            let m = ChatMessage(transport: .tcp, stream: 0, direction: .clientToServer, message: f, frames: [4],
                                format: value < 0 ? "!q" : "!Q", guessed: false)
            let line = ByteSink(), json = ByteSink()
            MessageLines.line(m, into: line)
            MessageLines.json(m, into: json)
            XCTAssertTrue(line.string.contains("header " + text), line.string)
            XCTAssertTrue(json.string.contains("\"value\":" + text), json.string)
        }
    }
}
