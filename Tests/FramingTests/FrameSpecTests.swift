import XCTest
@testable import Framing

final class FrameSpecTests: XCTestCase {
    func testEveryAcceptedLengthSpecParsesAndPrintsBack() throws {
        let widths: [Character: (Int, Bool)] = ["b": (1, true), "B": (1, false), "h": (2, true), "H": (2, false),
                                                "i": (4, true), "I": (4, false), "q": (8, true), "Q": (8, false)]
        let orders: [String: ByteOrder] = ["": .little, "@": .little, "=": .little, "<": .little, ">": .big, "!": .big]
        for (prefix, order) in orders {
            for (char, (width, signed)) in widths {
                let text = prefix + String(char)
                let s = try FrameSpec(parsing: text)
                XCTAssertEqual(s.kind, .length(width: width, signed: signed, order: order, orderChar: prefix.first), text)
                XCTAssertEqual(s.description, text)
                XCTAssertEqual(s.headerWidth, width)
                XCTAssertEqual(s.maxMessage, 1 << 20)
                XCTAssertFalse(s.lengthIncludesHeader)
            }
        }
        XCTAssertEqual(orders.count * widths.count, 48)
    }

    func testWordSpecs() throws {
        XCTAssertEqual(try FrameSpec(parsing: "line").kind, .line)
        XCTAssertEqual(try FrameSpec(parsing: "raw").kind, .raw)
        XCTAssertEqual(try FrameSpec(parsing: "auto").kind, .auto)
        XCTAssertEqual(try FrameSpec(parsing: " LINE ").description, "line")
        XCTAssertEqual(try FrameSpec(parsing: " !I ").description, "!I")
        XCTAssertNil(try FrameSpec(parsing: "line").headerWidth)
        XCTAssertEqual(FrameSpec.lessonDefault, try FrameSpec(parsing: "!I"))
        XCTAssertNotEqual(try FrameSpec(parsing: "!I"), try FrameSpec(parsing: ">I"))  // same framing, different text
        let limited = try FrameSpec(parsing: "<H", maxMessage: 10, lengthIncludesHeader: true)
        XCTAssertEqual(limited.maxMessage, 10)
        XCTAssertTrue(limited.lengthIncludesHeader)
    }

    func testBadSpecsSayWhatIsWrongAndWhatIsAccepted() {
        let cases: [(String, String)] = [
            ("", "empty spec"),
            ("   ", "empty spec"),
            ("!X", "'X' is not a length character"),
            ("!!I", "more than one byte-order character ('!' then '!')"),
            ("<>I", "more than one byte-order character ('<' then '>')"),
            ("!", "byte order '!' without a length character"),
            ("I!", "the byte-order character must come first"),
            ("II", "one length field only: unexpected 'I' after 'I'"),
            ("!L", "'L' is 4 or 8 bytes depending on the platform"),
            ("lines", "'l' is 4 or 8 bytes"),
            ("json", "'j' is not a length character"),
        ]
        for (text, why) in cases {
            XCTAssertThrowsError(try FrameSpec(parsing: text), text) { error in
                guard let e = error as? FrameError, case let .badSpec(spec, reason) = e else { return XCTFail("\(error)") }
                XCTAssertEqual(spec, text)
                XCTAssertTrue(reason.contains(why), "\(text): \(reason)")
                XCTAssertTrue(reason.contains("[@=<>!]?[bBhHiIqQ]"), reason)
                XCTAssertTrue(reason.contains("line, raw, auto"), reason)
                XCTAssertTrue(e.description.hasPrefix("bad framing spec '\(text)': "), e.description)
            }
        }
        XCTAssertThrowsError(try FrameSpec(parsing: "!I", maxMessage: -1)) { error in
            XCTAssertEqual(error as? FrameError, .badMaxMessage(-1))
        }
    }

    func testEncodeWritesTheHeaderInTheRightOrder() throws {
        XCTAssertEqual(try spec("!I").encode([UInt8]("hello")), [0, 0, 0, 5] + [UInt8]("hello"))
        XCTAssertEqual(try spec("<I").encode([UInt8]("hello")), [5, 0, 0, 0] + [UInt8]("hello"))
        XCTAssertEqual(try spec("I").encode([1, 2]), [2, 0, 0, 0, 1, 2])  // native = little-endian
        XCTAssertEqual(try spec(">H").encode([9]), [0, 1, 9])
        XCTAssertEqual(try spec("<q").encode([]), [0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try spec("!Q").encode([7]), [0, 0, 0, 0, 0, 0, 0, 1, 7])
        XCTAssertEqual(try spec("B", includesHeader: true).encode([7, 7]), [3, 7, 7])
        XCTAssertEqual(try spec("!I", includesHeader: true).encode([UInt8]("hello")), [0, 0, 0, 9] + [UInt8]("hello"))
        XCTAssertEqual(try spec("line").encode([UInt8]("hi")), [UInt8]("hi\n"))
        XCTAssertEqual(try spec("raw").encode([1, 2, 3]), [1, 2, 3])
    }

    func testTheHonestEncoderRefusesWhatDoesNotFit() {
        func refuses(_ s: FrameSpec, _ count: Int, limit: Int, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try s.encode([UInt8](repeating: 0x61, count: count)), file: file, line: line) { error in
                XCTAssertEqual(error as? FrameError, .bodyTooLong(length: count, limit: limit), file: file, line: line)
            }
        }
        refuses(spec("B"), 256, limit: 255)
        refuses(spec("b"), 128, limit: 127)
        refuses(spec("B", includesHeader: true), 255, limit: 254)
        refuses(spec("h"), 32768, limit: 32767)
        refuses(spec("!I", maxMessage: 10), 11, limit: 10)
        refuses(spec("line", maxMessage: 3), 4, limit: 3)
        refuses(spec("raw", maxMessage: 0), 1, limit: 0)
        XCTAssertNoThrow(try spec("B").encode([UInt8](repeating: 0, count: 255)))
        XCTAssertNoThrow(try spec("b").encode([UInt8](repeating: 0, count: 127)))
        XCTAssertNoThrow(try spec("!I", maxMessage: 10).encode([UInt8](repeating: 0, count: 10)))
        XCTAssertThrowsError(try spec("line").encode([UInt8]("a\nb"))) { XCTAssertEqual($0 as? FrameError, .newlineInLineBody) }
        XCTAssertThrowsError(try spec("auto").encode([1])) { error in
            guard case .badSpec("auto", _)? = error as? FrameError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(spec("H").largestBody, 65535)
        XCTAssertEqual(spec("!I").largestBody, 1 << 20)
        XCTAssertNil(spec("auto").largestBody)
    }

    func testDeclaredLengthReadsOnlyTheHeader() {
        XCTAssertEqual(spec("!I").declaredLength(header: [0, 0, 0, 5]), 5)
        XCTAssertEqual(spec("!I").declaredLength(header: [0, 0, 0, 5, 0xFF, 0xFF]), 5)  // only the first 4 bytes
        XCTAssertNil(spec("!I").declaredLength(header: [0, 0, 5]))
        XCTAssertEqual(spec("<i").declaredLength(header: [0xFB, 0xFF, 0xFF, 0xFF]), -5)
        XCTAssertEqual(spec("<I").declaredLength(header: [0xFB, 0xFF, 0xFF, 0xFF]), 4_294_967_291)
        XCTAssertEqual(spec("b").declaredLength(header: [0x80]), -128)
        XCTAssertEqual(spec("!h").declaredLength(header: [0xFF, 0xFE]), -2)
        XCTAssertEqual(spec("!Q").declaredLength(header: [UInt8](repeating: 0xFF, count: 8)), Int64.max)  // saturates
        XCTAssertEqual(spec("!q").declaredLength(header: [UInt8](repeating: 0xFF, count: 8)), -1)
        XCTAssertEqual(spec("!q").declaredLength(header: [0x80, 0, 0, 0, 0, 0, 0, 0]), Int64.min)
        XCTAssertEqual(spec("!I", includesHeader: true).declaredLength(header: [0, 0, 0, 9]), 5)
        XCTAssertEqual(spec("!I", includesHeader: true).declaredLength(header: [0, 0, 0, 2]), -2)
        XCTAssertEqual(spec("!q", includesHeader: true).declaredLength(header: [0x80, 0, 0, 0, 0, 0, 0, 0]), Int64.min)  // saturates
        XCTAssertNil(spec("line").declaredLength(header: [0, 0, 0, 5]))
        XCTAssertNil(spec("raw").declaredLength(header: [0, 0, 0, 5]))
    }
}
