// Helpers for the Capture tests: a temporary directory, byte builders for hand-made pcap and
// pcapng files, and packet builders (Ethernet / Linux SLL + IPv4 + UDP/TCP).

import Foundation
import XCTest
import Wire
@testable import Capture

/// A fresh directory under the system temp dir, removed by `remove()` (call it in tearDown).
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "framescope-capture-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let file = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Appends integers in a chosen byte order.
struct ByteBuilder {
    var bytes: [UInt8] = []
    var bigEndian: Bool

    init(bigEndian: Bool = false) { self.bigEndian = bigEndian }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { append(bigEndian ? v.bigEndian : v.littleEndian) }
    mutating func u32(_ v: UInt32) { append(bigEndian ? v.bigEndian : v.littleEndian) }
    mutating func u64(_ v: UInt64) { append(bigEndian ? v.bigEndian : v.littleEndian) }
    mutating func raw(_ v: [UInt8]) { bytes += v }
    mutating func pad4() { while bytes.count % 4 != 0 { bytes.append(0) } }

    private mutating func append<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v) { bytes += $0 }
    }
}

/// Hand-built classic pcap files.
enum PcapBytes {
    static func header(bigEndian: Bool = false, nanosecond: Bool = false, snaplen: UInt32 = 65535, linkField: UInt32 = 1) -> [UInt8] {
        var b = ByteBuilder(bigEndian: bigEndian)
        b.u32(nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4)
        b.u16(2)
        b.u16(4)
        b.u32(0)
        b.u32(0)
        b.u32(snaplen)
        b.u32(linkField)
        return b.bytes
    }

    static func record(bigEndian: Bool = false, seconds: UInt32, fraction: UInt32, data: [UInt8], originalLength: UInt32? = nil, claimedCaplen: UInt32? = nil) -> [UInt8] {
        var b = ByteBuilder(bigEndian: bigEndian)
        b.u32(seconds)
        b.u32(fraction)
        b.u32(claimedCaplen ?? UInt32(data.count))
        b.u32(originalLength ?? UInt32(data.count))
        b.raw(data)
        return b.bytes
    }
}

/// Hand-built pcapng blocks.
enum PcapngBytes {
    static func block(_ type: UInt32, _ body: [UInt8], bigEndian: Bool = false, totalLength: UInt32? = nil, trailingLength: UInt32? = nil) -> [UInt8] {
        var padded = body
        while padded.count % 4 != 0 { padded.append(0) }
        let total = UInt32(12 + padded.count)
        var b = ByteBuilder(bigEndian: bigEndian)
        b.u32(type)
        b.u32(totalLength ?? total)
        b.raw(padded)
        b.u32(trailingLength ?? total)
        return b.bytes
    }

    static func sectionHeader(bigEndian: Bool = false) -> [UInt8] {
        var b = ByteBuilder(bigEndian: bigEndian)
        b.u32(0x1A2B_3C4D)
        b.u16(1)
        b.u16(0)
        b.u64(UInt64.max)  // section length unknown
        return block(0x0A0D_0D0A, b.bytes, bigEndian: bigEndian)
    }

    /// options: (code, value) pairs, each padded; opt_endofopt appended when any are given.
    static func interface(linkType: UInt16, snaplen: UInt32 = 262_144, options: [(UInt16, [UInt8])] = [], bigEndian: Bool = false) -> [UInt8] {
        var b = ByteBuilder(bigEndian: bigEndian)
        b.u16(linkType)
        b.u16(0)
        b.u32(snaplen)
        for (code, value) in options {
            b.u16(code)
            b.u16(UInt16(value.count))
            b.raw(value)
            b.pad4()
        }
        if !options.isEmpty {
            b.u16(0)
            b.u16(0)
        }
        return block(1, b.bytes, bigEndian: bigEndian)
    }

    static func enhancedPacket(interface: UInt32, ticks: UInt64, data: [UInt8], originalLength: UInt32? = nil, bigEndian: Bool = false) -> [UInt8] {
        var b = ByteBuilder(bigEndian: bigEndian)
        b.u32(interface)
        b.u32(UInt32(ticks >> 32))
        b.u32(UInt32(ticks & 0xFFFF_FFFF))
        b.u32(UInt32(data.count))
        b.u32(originalLength ?? UInt32(data.count))
        b.raw(data)
        return block(6, b.bytes, bigEndian: bigEndian)
    }

    static func obsoletePacket(interface: UInt16, ticks: UInt64, data: [UInt8], bigEndian: Bool = false) -> [UInt8] {
        var b = ByteBuilder(bigEndian: bigEndian)
        b.u16(interface)
        b.u16(0)  // drops count
        b.u32(UInt32(ticks >> 32))
        b.u32(UInt32(ticks & 0xFFFF_FFFF))
        b.u32(UInt32(data.count))
        b.u32(UInt32(data.count))
        b.raw(data)
        return block(2, b.bytes, bigEndian: bigEndian)
    }

    static func simplePacket(originalLength: UInt32, data: [UInt8], bigEndian: Bool = false) -> [UInt8] {
        var b = ByteBuilder(bigEndian: bigEndian)
        b.u32(originalLength)
        b.raw(data)
        return block(3, b.bytes, bigEndian: bigEndian)
    }

    /// u64 option value in the section's byte order.
    static func u64(_ v: UInt64, bigEndian: Bool = false) -> [UInt8] {
        var b = ByteBuilder(bigEndian: bigEndian)
        b.u64(v)
        return b.bytes
    }
}

/// Packet builders; all fields big-endian as on the wire. Checksums are left 0 (BPF does not
/// look at them).
enum Packets {
    static func ipv4(protocol proto: UInt8, payload: [UInt8], source: [UInt8] = [10, 0, 0, 1], destination: [UInt8] = [10, 0, 0, 2]) -> [UInt8] {
        var b = ByteBuilder(bigEndian: true)
        b.u8(0x45)
        b.u8(0)
        b.u16(UInt16(20 + payload.count))
        b.u16(0x1234)
        b.u16(0x4000)  // DF
        b.u8(64)
        b.u8(proto)
        b.u16(0)
        b.raw(source)
        b.raw(destination)
        b.raw(payload)
        return b.bytes
    }

    static func udp(sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8]) -> [UInt8] {
        var b = ByteBuilder(bigEndian: true)
        b.u16(sourcePort)
        b.u16(destinationPort)
        b.u16(UInt16(8 + payload.count))
        b.u16(0)
        b.raw(payload)
        return ipv4(protocol: 17, payload: b.bytes)
    }

    static func tcp(sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8]) -> [UInt8] {
        var b = ByteBuilder(bigEndian: true)
        b.u16(sourcePort)
        b.u16(destinationPort)
        b.u32(1000)  // seq
        b.u32(0)  // ack
        b.u8(5 << 4)  // data offset
        b.u8(0x18)  // PSH ACK
        b.u16(65535)
        b.u16(0)
        b.u16(0)
        b.raw(payload)
        return ipv4(protocol: 6, payload: b.bytes)
    }

    static func ethernet(_ ip: [UInt8]) -> [UInt8] {
        [0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00] + ip
    }

    /// Linux cooked capture v1 header (16 bytes) + IPv4.
    static func linuxSLL(_ ip: [UInt8]) -> [UInt8] {
        [0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00] + ip
    }
}

/// Collects every frame of a reader as copies, plus the error that ended it (if any).
func readAll(_ reader: PcapFileReader) -> (frames: [(frame: RawFrame, bytes: [UInt8])], error: PcapError?) {
    var frames: [(RawFrame, [UInt8])] = []
    do {
        while let frame = try reader.next() {
            frames.append((frame, Array(frame.bytes)))
        }
        return (frames, nil)
    } catch {
        return (frames, error)
    }
}

/// Asserts that `body` throws a PcapError and returns it.
func assertThrowsPcapError<T>(_ body: () throws(PcapError) -> T, file: StaticString = #filePath, line: UInt = #line) -> PcapError? {
    do {
        _ = try body()
        XCTFail("expected a PcapError", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

/// `bytes.withUnsafeBytes` with a typed throw.
func withBytes<T>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(PcapError) -> T) throws(PcapError) -> T {
    let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
    defer { storage.deallocate() }
    storage.copyBytes(from: bytes)
    return try body(UnsafeRawBufferPointer(rebasing: storage[0..<bytes.count]))
}
