import XCTest
@testable import Render

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
        var seed: UInt64 = 42
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
        let alphabet: [String] = ["a", "Z", " ", "\"", "\\", "\n", "\r", "\t", "\u{1}", "\u{7f}", "é", "粘", "😀", "ü"]
        for _ in 0 ..< 2000 {
            let text = (0 ..< Int(next() % 30)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }.joined()
            let limit = Int(next() % 25)
            XCTAssertEqual(quoted(Array(text.utf8), limit: limit, valid: true), MessageLines.quoted(Array(text.utf8), limit: limit), text.debugDescription)
        }
    }
}
