import XCTest
@testable import Wire

/// The field tables: every header's named byte ranges lie inside its fixed header, cover it, and
/// overlap only where one field is read two ways (a word and its parts); the TCP option kinds
/// have one name each.
final class FieldTableTests: XCTestCase {
    /// Checks one table against its header's fixed length. `sharing` lists the fields allowed to
    /// overlap another (each is a whole word, or a part of one, read on its own).
    func check<F: FieldTable & Hashable>(_ table: F.Type, length: Int, sharing: Set<F> = [],
                                         file: StaticString = #filePath, line: UInt = #line) {
        var covered = [Int](repeating: 0, count: length)
        for f in F.allCases {
            let r = f.bytes
            XCTAssertFalse(r.isEmpty, "\(F.self).\(f) is empty", file: file, line: line)
            XCTAssertGreaterThanOrEqual(r.lowerBound, 0, "\(F.self).\(f)", file: file, line: line)
            XCTAssertLessThanOrEqual(r.upperBound, length, "\(F.self).\(f) ends past the \(length)-byte header", file: file, line: line)
            guard r.lowerBound >= 0, r.upperBound <= length else { continue }
            if !sharing.contains(f) { for i in r { covered[i] += 1 } }
        }
        for (i, n) in covered.enumerated() {
            XCTAssertEqual(n, 1, "\(F.self): byte \(i) is in \(n) fields (not counting \(sharing))", file: file, line: line)
        }
    }

    func testEveryTableLiesInsideItsHeaderAndCoversItOnce() {
        check(EthernetHeader.Field.self, length: EthernetHeader.length)
        check(VLANTag.Field.self, length: VLANTag.length)
        check(LinuxSLLHeader.Field.self, length: LinuxSLLHeader.length)
        check(LinuxSLL2Header.Field.self, length: LinuxSLL2Header.length)
        check(NullHeader.Field.self, length: NullHeader.length)
        check(ARPHeader.Field.self, length: ARPHeader.fixedLength)
        check(IPv4Header.Field.self, length: IPv4Header.minimumLength)
        check(IPv6Header.Field.self, length: IPv6Header.length, sharing: [.trafficClass, .flowLabel])
        check(IPv6Extension.Field.self, length: IPv6Extension.fragmentLength)
        // The second word is read whole or as identifier and sequence (echo).
        check(ICMPHeader.Field.self, length: 8, sharing: [.identifier, .sequence])
        check(UDPHeader.Field.self, length: UDPHeader.headerLength)
        check(TCPHeader.Field.self, length: TCPHeader.minimumLength)
    }

    func testTheSharedFieldsLieInsideTheirWord() {
        let word = IPv6Header.Field.versionClassFlow.bytes
        for f in [IPv6Header.Field.trafficClass, .flowLabel] {
            XCTAssertTrue(word.contains(f.bytes.lowerBound) && f.bytes.upperBound <= word.upperBound, "\(f)")
        }
        let rest = ICMPHeader.Field.restOfHeader.bytes
        XCTAssertEqual(ICMPHeader.Field.identifier.bytes.lowerBound, rest.lowerBound)
        XCTAssertEqual(ICMPHeader.Field.sequence.bytes.upperBound, rest.upperBound)
        XCTAssertEqual(ICMPHeader.Field.checksum.bytes.upperBound, ICMPHeader.fixedLength)
    }

    /// `has(_:)` by name agrees with the byte-range form on every captured length.
    func testHasByNameIsTheRangeCheck() {
        for n in 0 ... IPv4Header.minimumLength {
            var h = decodeIPv4Prefix()
            h.capturedHeaderLength = n
            for f in IPv4Header.Field.allCases {
                XCTAssertEqual(h.has(f), h.has(f.bytes.lowerBound, f.bytes.count), "\(f) at \(n)")
            }
        }
    }

    func testTCPOptionKindsHaveOneNameEach() {
        let names = TCPOptionKind.allCases.map(\.name)
        XCTAssertEqual(Set(names).count, names.count)
        for k in TCPOptionKind.allCases {
            XCTAssertEqual(TCPOption.name(ofKind: k.rawValue), k.name)
            XCTAssertFalse(k.expectedLength.isEmpty)
        }
        XCTAssertEqual(TCPOption.name(ofKind: 30), "kind:30")
        XCTAssertTrue(TCPOption.lengthFits(kind: 30, 2))
        XCTAssertFalse(TCPOption.lengthFits(kind: 30, 1))
        XCTAssertTrue(TCPOptionKind.sack.lengthFits(18))
        XCTAssertFalse(TCPOptionKind.sack.lengthFits(14))
        XCTAssertTrue(TCPOptionKind.timestamp.lengthFits(10))
        // Each option value names its own kind.
        let values: [TCPOption] = [.endOfList, .noOperation, .maximumSegmentSize(1460), .windowScale(7), .sackPermitted,
                                   .sack([]), .timestamp(value: 1, echoReply: 2)]
        XCTAssertEqual(values.map(\.kind), TCPOptionKind.allCases.map(\.rawValue))
        XCTAssertEqual(values.map(\.name), names)
    }

    private func decodeIPv4Prefix() -> IPv4Header {
        IPv4Header(version: 4, headerLength: 20, dscp: 0, ecn: 0, totalLength: 20, identification: 0, dontFragment: false,
                   moreFragments: false, reservedFlag: false, fragmentOffset: 0, ttl: 64, protocolNumber: 6, checksum: 0,
                   checksumStatus: .unverified, source: IPv4Address(0), destination: IPv4Address(0), options: [])
    }
}
