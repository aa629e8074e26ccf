import XCTest
@testable import Framing

final class FramingChoiceTests: XCTestCase {
    func testPerPortSpecsLikeDecodeAs() throws {
        let choice = try FramingChoice(parsing: ["9000='!I'", "9001=line"], maxMessage: 4096, lengthIncludesHeader: false)
        XCTAssertEqual(choice.defaultSpec.kind, .auto)
        XCTAssertEqual(choice.spec(serverPort: 9000, clientPort: 37970).description, "!I")
        XCTAssertEqual(choice.spec(serverPort: 9001, clientPort: 9000).description, "line")  // server port first
        XCTAssertEqual(choice.spec(serverPort: 80, clientPort: 9000).description, "!I")     // then client port
        XCTAssertEqual(choice.spec(serverPort: nil, clientPort: nil).description, "auto")
        XCTAssertEqual(choice.spec(serverPort: 9000, clientPort: nil).maxMessage, 4096)
    }

    func testDefaultAndNativeOrderSpecs() throws {
        let choice = try FramingChoice(parsing: ["=I", "9000==h"], maxMessage: 1 << 20, lengthIncludesHeader: true)
        XCTAssertEqual(choice.defaultSpec.description, "=I")
        XCTAssertTrue(choice.defaultSpec.lengthIncludesHeader)
        XCTAssertEqual(choice.portSpecs[9000]?.description, "=h")
        XCTAssertEqual(try FramingChoice(parsing: [], maxMessage: 10, lengthIncludesHeader: false).defaultSpec.kind, .auto)
    }

    func testBadChoices() {
        let bad: [(String, [String])] = [
            ("port 0 is not 1-65535", ["0=line"]),
            ("port 70000 is not 1-65535", ["70000=line"]),
            ("'X' is not a length character", ["9000=!X"]),
            ("empty spec", ["9000="]),
            ("port 9000 was given a framing twice", ["9000=line", "9000=raw"]),
            ("a default framing was already given ('line')", ["line", "raw"]),
        ]
        for (why, options) in bad {
            XCTAssertThrowsError(try FramingChoice(parsing: options, maxMessage: 1 << 20, lengthIncludesHeader: false)) { error in
                guard case let .badSpec(_, reason)? = error as? FrameError else { return XCTFail("\(error)") }
                XCTAssertTrue(reason.contains(why), reason)
            }
        }
        XCTAssertThrowsError(try FramingChoice(parsing: ["line"], maxMessage: -5, lengthIncludesHeader: false)) {
            XCTAssertEqual($0 as? FrameError, .badMaxMessage(-5))
        }
    }
}
