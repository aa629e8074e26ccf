import Framing
import Fuzz
import XCTest

/// `fuzz --from`'s cases, from a seed written by hand: the messages before k exactly as
/// captured, case ids that name k and find their case again, the answers known before k.
final class FromCatalogueTests: XCTestCase {
    static func framed(_ s: String) -> [UInt8] {
        let b = Array(s.utf8)
        return [0, 0, 0, UInt8(b.count)] + b
    }

    /// LOGIN alice (header and body in two writes), then hello and bye in one write (sticky);
    /// the answers: welcome before hello, then two more.
    let seed = Seed(
        messages: [[Array(framed("LOGIN alice").prefix(4)), Array(framed("LOGIN alice").dropFirst(4))],
                   [framed("hello")], [framed("bye")]],
        answers: [Array("welcome alice".utf8), Array("alice: hello".utf8), Array("alice: bye".utf8)],
        answersBefore: [0, 1, 1, 3])

    func catalogue(families: Set<Family> = []) throws -> FromCatalogue {
        FromCatalogue(CatalogueOptions(spec: try FrameSpec(parsing: "!I"), limit: 65536, udp: false, families: families, seed: 3), seed: seed)
    }

    func testEveryCaseReplaysTheMessagesBeforeItsKAsCaptured() throws {
        let cat = try catalogue()
        let cases = (0..<cat.count(limit: 2000)).compactMap { cat.case($0) }
        XCTAssertEqual(cases.count, 2000)
        for c in cases {
            let k = try XCTUnwrap(Int(c.id.dropFirst(5).prefix { $0 != ":" }), c.id)
            let before = seed.messages.prefix(k - 1).flatMap { $0 }
            XCTAssertEqual(Array(c.writes.prefix(before.count)), before, c.id)
            if c.id.contains(":own-") {
                XCTAssertEqual(c.bytes, (k...(c.id.contains("own-sticky") ? 3 : k)).reduce(before.flatMap { $0 }) { $0 + seed.messages[$1 - 1].flatMap { $0 } }, c.id)
            } else {
                XCTAssertEqual(c.expected, Array(seed.answers.prefix(seed.answersBefore[k - 1])), c.id)
            }
        }
        // Every k gets the catalogue's fixed cases and mutations of its own message.
        for k in 1...3 {
            XCTAssertTrue(cases.contains { $0.id == "from/\(k):cut-header-1/1" }, "k \(k)")
            XCTAssertTrue(cases.contains { $0.id == "from/\(k):mut/1" }, "k \(k)")
            XCTAssertTrue(cases.contains { $0.id == "from/\(k):own-dribble/1" }, "k \(k)")
        }
        XCTAssertFalse(cases.contains { $0.id == "from/3:own-sticky/1" }, "the last message has nothing to stick to")
        // The cases that must run alone come after the others.
        let firstAlone = try XCTUnwrap(cases.firstIndex { $0.exclusive })
        XCTAssertTrue(cases[firstAlone...].prefix { $0.family != .mutation }.allSatisfy(\.exclusive))
    }

    func testIdsAreUniqueAndFindTheirCase() throws {
        let cat = try catalogue()
        let cases = (0..<cat.count(limit: 1500)).compactMap { cat.case($0) }
        XCTAssertEqual(Set(cases.map(\.id)).count, cases.count)
        for c in cases { XCTAssertEqual(cat.case(id: c.id), c, c.id) }
        for bad in ["from/0:len-0/1", "from/4:len-0/1", "from/1:nope/1", "len-0/1", "from/x:len-0/1", "from/1:mut/0"] {
            XCTAssertNil(cat.case(id: bad), bad)
        }
    }

    func testTheSameSeedGivesTheSameCasesAndFamiliesFilter() throws {
        let a = try catalogue(), b = try catalogue()
        XCTAssertEqual((0..<600).map { a.case($0) }, (0..<600).map { b.case($0) })
        let only = try catalogue(families: [.truncatedHeader])
        let cases = (0..<only.count(limit: 5000)).compactMap { only.case($0) }
        XCTAssertFalse(cases.isEmpty)
        XCTAssertTrue(cases.allSatisfy { $0.family == .truncatedHeader }, "\(Set(cases.map(\.family)))")
    }
}
