// LiveCapture on the loopback interface (needs root or CAP_NET_RAW; skipped otherwise).
// Traffic stays on 127.0.0.1; every wait is bounded.

import XCTest
import Wire
@testable import Capture

#if canImport(Glibc)
import Glibc
#endif

final class LiveCaptureTests: XCTestCase {
    private func requireCapturePermission() throws {
        if geteuid() != 0 { throw XCTSkip("live capture needs root (or CAP_NET_RAW)") }
    }

    /// A UDP socket bound to 127.0.0.1 on a free port; returns (fd, port).
    private func boundUDPSocket() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw XCTSkip("cannot bind a UDP socket on 127.0.0.1")
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    func testCapturesUDPOnLoopback() throws {
        try requireCapturePermission()
        let (receiver, port) = try boundUDPSocket()
        defer { close(receiver) }
        let capture = try LiveCapture(interface: "lo", timeoutMilliseconds: 50, filter: "udp and port \(port)")
        defer { capture.close() }
        XCTAssertEqual(capture.linkType, .ethernet)
        XCTAssertEqual(capture.snaplen, 262_144)

        let sender = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(sender) }
        var destination = sockaddr_in()
        destination.sin_family = sa_family_t(AF_INET)
        destination.sin_port = port.bigEndian
        destination.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let payloads = (1...3).map { Array("framescope live test \($0)".utf8) }
        for payload in payloads {
            let sent = payload.withUnsafeBytes { bytes in
                withUnsafePointer(to: &destination) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(sender, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            XCTAssertEqual(sent, payload.count)
        }

        var seen: [[UInt8]] = []
        let deadline = Date().addingTimeInterval(5)
        while seen.count < 3 && Date() < deadline {
            switch try capture.next() {
            case .frame(let frame)?:
                XCTAssertEqual(frame.linkType, .ethernet)
                XCTAssertEqual(frame.caplen, 14 + 20 + 8 + payloads[0].count)
                XCTAssertEqual(frame.len, frame.caplen)
                XCTAssertGreaterThan(frame.timestamp.seconds, 1_600_000_000)
                seen.append(Array(frame.bytes.suffix(payloads[0].count)))
            case .timeout?:
                continue
            case nil:
                XCTFail("capture ended unexpectedly")
                return
            }
        }
        XCTAssertEqual(seen, payloads)
        let stats = try capture.stats()
        XCTAssertGreaterThanOrEqual(stats.received, 3)
        XCTAssertEqual(stats.droppedByKernel, 0)
    }

    func testBreakLoopEndsNext() throws {
        try requireCapturePermission()
        let capture = try LiveCapture(interface: "lo", timeoutMilliseconds: 2000, filter: "udp and port 9")
        defer { capture.close() }
        let started = Date()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { capture.breakLoop() }
        var result: LiveCapture.Next?? = .some(.timeout)
        while case .some(.some(.timeout)) = result, Date().timeIntervalSince(started) < 5 {
            result = .some(try capture.next())
        }
        XCTAssertTrue(result.map { $0 == nil } ?? false, "next() should return nil after breakLoop")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        capture.close()
        capture.close()  // twice is fine
        XCTAssertNil(try capture.next())
    }

    func testUnknownInterfaceListsTheOnesThatExist() throws {
        try requireCapturePermission()
        let error = assertThrowsPcapError { () throws(PcapError) in try LiveCapture(interface: "nosuchif0") }
        guard case let .noSuchInterface(name, available)? = error else {
            return XCTFail("expected noSuchInterface, got \(String(describing: error))")
        }
        XCTAssertEqual(name, "nosuchif0")
        XCTAssertTrue(available.contains("lo"), "\(available)")
        XCTAssertTrue(error?.description.contains("lo") ?? false)
    }

    func testBadLiveFilter() throws {
        try requireCapturePermission()
        let error = assertThrowsPcapError { () throws(PcapError) in try LiveCapture(interface: "lo", filter: "port 99999999") }
        guard case .badFilter("port 99999999", _)? = error else {
            return XCTFail("expected badFilter, got \(String(describing: error))")
        }
    }

    func testListInterfacesIncludesLoopback() throws {
        let interfaces = try listInterfaces()
        let loopback = interfaces.first { $0.name == "lo" }
        XCTAssertNotNil(loopback, "\(interfaces.map(\.name))")
        XCTAssertEqual(loopback?.isLoopback, true)
        XCTAssertEqual(loopback?.isUp, true)
        XCTAssertTrue(loopback?.addresses.contains("127.0.0.1") ?? false, "\(loopback?.addresses ?? [])")
    }

    func testPermissionDeniedSaysWhatToDo() {
        let text = PcapError.permissionDenied(interface: "lo", message: "You don't have permission to perform this capture on that device").description
        XCTAssertTrue(text.hasSuffix("run as root, or grant the capability: setcap cap_net_raw,cap_net_admin=eip $(which framescope)"), text)
    }
}
