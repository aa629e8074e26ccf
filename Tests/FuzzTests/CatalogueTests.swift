import Framing
import Fuzz
import XCTest

final class CatalogueTests: XCTestCase {
    static let lengthSpecs = ["b", "B", "h", "!H", "<h", "i", "!I", "<I", "!i", "q", ">Q", "<q"]

    func cases(_ spec: String, udp: Bool = false, limit: Int = 65536, seed: UInt64 = 1, count: Int = 400,
               families: Set<Family> = []) throws -> [FuzzCase] {
        let s = try FrameSpec(parsing: spec)
        let cat = Catalogue(CatalogueOptions(spec: s, limit: limit, udp: udp, families: families, seed: seed))
        return (0..<cat.count(limit: count)).compactMap { cat.case($0) }
    }

    func testSameSeedSameCasesInTheSameOrder() throws {
        for spec in ["!I", "line", "<h"] {
            let a = try cases(spec, seed: 7, count: 600), b = try cases(spec, seed: 7, count: 600)
            XCTAssertEqual(a, b, spec)
            let c = try cases(spec, seed: 8, count: 600)
            XCTAssertNotEqual(a.filter { $0.family == .mutation }, c.filter { $0.family == .mutation }, "another seed, other mutations")
            XCTAssertEqual(a.filter { $0.family != .mutation }, c.filter { $0.family != .mutation }, "the fixed catalogue does not depend on the seed")
        }
    }

    func testEveryFamilyForEveryWidthAndTransport() throws {
        for spec in Self.lengthSpecs {
            let tcp = try cases(spec)
            for f in [Family.boundaryLength, .relativeLength, .truncatedHeader, .writeBoundaries, .body, .confusion, .connection, .mutation] {
                XCTAssertTrue(tcp.contains { $0.family == f }, "\(spec) tcp lacks \(f)")
            }
            let udp = try cases(spec, udp: true)
            for f in [Family.boundaryLength, .body, .udp, .mutation] {
                XCTAssertTrue(udp.contains { $0.family == f }, "\(spec) udp lacks \(f)")
            }
            XCTAssertTrue(udp.allSatisfy { $0.close == .none && $0.writes.allSatisfy { $0.count <= 65507 } }, spec)
        }
        let line = try cases("line")
        for f in [Family.line, .connection, .mutation] { XCTAssertTrue(line.contains { $0.family == f }, "line lacks \(f)") }
    }

    func testIdsAreUniqueAndFindTheirCase() throws {
        for spec in Self.lengthSpecs + ["line"] {
            let s = try FrameSpec(parsing: spec)
            let cat = Catalogue(CatalogueOptions(spec: s, limit: 4096, udp: false, seed: 3))
            let all = (0..<cat.count(limit: cat.fixed.count + 50)).compactMap { cat.case($0) }
            XCTAssertEqual(Set(all.map(\.id)).count, all.count, spec)
            for c in all { XCTAssertEqual(cat.case(id: c.id), c, c.id) }
        }
    }

    /// The lengths boofuzz never sends: one more than the body, the limit's edges, the sign bit.
    func testBoundaryAndRelativeLengthsForBangI() throws {
        let all = try cases("!I", limit: 1000)
        let headers = Set(all.filter { $0.family == .boundaryLength }.map { hex(Array($0.writes[0].prefix(4))) })
        for h in ["00000000", "00000001", "000003e7", "000003e8", "000003e9", "00000080", "00000100", "00007fff", "00008000",
                  "00008001", "0000ffff", "00010000", "00010001", "7fffffff", "80000000", "ffffffff", "10000000", "00000014", "0000000c"] {
            XCTAssertTrue(headers.contains(h), "no boundary case with header \(h)")
        }
        let relative = all.filter { $0.family == .relativeLength }
        let plusOne = relative.filter { $0.id.hasPrefix("body+1/") }
        XCTAssertEqual(Set(plusOne.map(\.close)), [.fin, .halfClose, .hold, .rst])
        XCTAssertTrue(plusOne.allSatisfy { $0.writes == [[0, 0, 0, 17] + Array("relative-length!".utf8)] })
        // The valid one is judged on its own connection; the lying ones are not.
        XCTAssertTrue(relative.filter { $0.id.hasPrefix("body/") }.allSatisfy { $0.expected == [Array("relative-length!".utf8)] })
        XCTAssertTrue(plusOne.allSatisfy(\.expected.isEmpty))
        // The limit itself is a valid, complete message; limit+1 is not judged.
        let atLimit = try XCTUnwrap(all.first { $0.id == "len-limit/1" })
        XCTAssertEqual(atLimit.writes[0].count, 1004)
        XCTAssertEqual(atLimit.expected.first?.count, 1000)
        XCTAssertTrue(try XCTUnwrap(all.first { $0.id == "len-limit+1/1" }).expected.isEmpty)
    }

    func testSignedFormatsGetNegativeLengths() throws {
        let neg = try cases("<i").filter { $0.id.hasPrefix("neg-len/") }
        XCTAssertFalse(neg.isEmpty)
        let spec = try FrameSpec(parsing: "<i")
        for c in neg { XCTAssertLessThan(try XCTUnwrap(spec.declaredLength(header: c.writes[0].prefix(4))), 0, c.note) }
        XCTAssertTrue(try cases("!I").allSatisfy { !$0.id.hasPrefix("neg-len/") })
    }

    func testTruncatedHeadersAndWriteBoundaries() throws {
        let all = try cases("!I")
        let cut = all.filter { $0.family == .truncatedHeader && $0.id.hasPrefix("cut-header-") }
        XCTAssertEqual(Set(cut.map { $0.writes[0].count }), [1, 2, 3])
        XCTAssertEqual(Set(cut.map(\.close)), [.fin, .hold])
        let wb = all.filter { $0.family == .writeBoundaries }
        let dribble = try XCTUnwrap(wb.first { $0.id == "dribble/1" })
        XCTAssertTrue(dribble.writes.allSatisfy { $0.count == 1 })
        XCTAssertEqual(dribble.writes.flatMap { $0 }, [0, 0, 0, 8] + Array("dribbled".utf8))
        XCTAssertEqual(wb.filter { $0.id.hasPrefix("header-split/") }.map { $0.writes[0].count }, [1, 2, 3])
        let thousands = try XCTUnwrap(wb.first { $0.expected.count == 5000 })
        XCTAssertEqual(thousands.writes.count, 1)
        let half = try XCTUnwrap(all.first { $0.id == "half-sent-many/1" })
        XCTAssertEqual(half.connections, 32)
        XCTAssertTrue(half.exclusive)
    }

    func testLineCatalogue() throws {
        let all = try cases("line", limit: 65536)
        let ids = Set(all.map { String($0.id.split(separator: "/")[0]) })
        for id in ["long-line", "line-over-limit", "no-newline", "cr-only", "crlf", "nul", "invalid-utf8", "lines-in-one-write",
                   "line-many-writes", "quit", "quit-no-newline"] {
            XCTAssertTrue(ids.contains(id), "line catalogue lacks \(id)")
        }
        XCTAssertGreaterThan(try XCTUnwrap(all.first { $0.id == "long-line/1" }).writes[0].count, 1024)
    }

    func testMutationsAreSmallAndBounded() throws {
        let muts = try cases("!I", count: 3000, families: [.mutation])
        XCTAssertEqual(muts.count, 3000)
        XCTAssertTrue(muts.allSatisfy { $0.bytes.count < 300 && !$0.writes.isEmpty && $0.close != .hold })
        XCTAssertEqual(muts.first?.id, "mut/1")
    }

    func testHeaderWriterAgreesWithTheEncoder() throws {
        for spec in Self.lengthSpecs {
            let s = try FrameSpec(parsing: spec)
            for n in [0, 1, 5, 100] where n <= (s.largestBody ?? 0) {
                let framed = try s.encode([UInt8](repeating: 1, count: n))
                XCTAssertEqual(s.header(field: s.field(declaring: Int64(n))), Array(framed.prefix(s.headerWidth!)), spec)
            }
        }
        XCTAssertEqual(try FrameSpec(parsing: "<i").header(field: UInt64(bitPattern: -2)), [0xfe, 0xff, 0xff, 0xff])
        XCTAssertNil(try FrameSpec(parsing: "line").header(field: 1))
    }

    func testReportJSONHasTheContractsKeys() throws {
        var r = FuzzReport(target: "127.0.0.1:9000", transport: "tcp", format: "!I", seed: 1, limit: 65536, limitLearned: true)
        let c = try XCTUnwrap(try cases("!I").first { $0.id == "neg-len/1" } ?? cases("<i").first { $0.id == "neg-len/1" })
        r.record(.boundaryLength, .ok)
        r.record(.boundaryLength, .crash)
        r.keep(Failure(fuzzCase: c, index: 3, verdict: .crash, detail: "gone", stderrTail: "Traceback\nValueError: negative buffersize in recv\n", foundAfter: 0.5))
        r.duration = 1.25
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.json { _ in "framescope fuzz …" })) as? [String: Any])
        for k in ["target", "transport", "format", "seed", "cases", "duration_s", "verdict_counts", "failures", "findings", "unconfirmed"] {
            XCTAssertNotNil(obj[k], k)
        }
        XCTAssertEqual(obj["verdict_counts"] as? [String: Int], ["ok": 1, "crash": 1])
        let f = try XCTUnwrap((obj["failures"] as? [[String: Any]])?.first)
        for k in ["case", "family", "verdict", "writes_hex", "close", "stderr_tail", "reproduce", "explanation"] { XCTAssertNotNil(f[k], k) }
        XCTAssertEqual(f["case"] as? String, "neg-len/1")
        XCTAssertEqual(f["writes_hex"] as? [String], c.writesHex)
        XCTAssertEqual(f["finding"] as? Int, 0)
        // The distinct findings (issue 19): docs/DESIGN.md "Fuzz report JSON"'s keys; nothing unconfirmed without evidence.
        let finding = try XCTUnwrap((obj["findings"] as? [[String: Any]])?.first)
        for k in ["signature", "verdict", "families", "cases", "writes_hex", "reproduce", "explanation"] { XCTAssertNotNil(finding[k], k) }
        XCTAssertEqual(finding["signature"] as? String, "ValueError: negative buffersize in recv")
        XCTAssertEqual(finding["families"] as? [String], ["boundary_length"])
        XCTAssertEqual(finding["cases"] as? [String], ["neg-len/1"])
        XCTAssertNil(finding["confirmed"], "no evidence collected: confirmed, without the key")
        XCTAssertEqual((obj["unconfirmed"] as? [[String: Any]])?.count, 0)
        XCTAssertEqual(Failure.signature("x\nValueError: negative buffersize 123 in recv\n\n"), "ValueError: negative buffersize # in recv")
        XCTAssertTrue(r.tableText().contains("boundary_length"))
    }
}
