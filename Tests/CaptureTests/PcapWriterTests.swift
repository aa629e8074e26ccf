// PcapWriter and RotatingPcapWriter: round trips through our reader and libpcap's.

import Foundation
import XCTest
import Wire
@testable import Capture

final class PcapWriterTests: XCTestCase {
    var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    struct Sample {
        var timestamp: Timestamp
        var originalLength: Int
        var bytes: [UInt8]
    }

    /// Frames of many sizes (0 … 9000 bytes), > 2 MiB in all, with distinct timestamps.
    private func samples(nanosecond: Bool) -> [Sample] {
        (0..<1200).map { i in
            let size = i == 0 ? 0 : (i * 7919) % 9001
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 31 &+ i) }
            let nanoseconds = UInt32((i * 104_729_123) % 1_000_000_000)
            return Sample(
                timestamp: Timestamp(
                    seconds: 1_700_000_000 + Int64(i), nanoseconds: nanosecond ? nanoseconds : nanoseconds / 1000 * 1000,
                    fractionDigits: nanosecond ? 9 : 6),
                originalLength: size + (i % 3 == 0 ? 100 : 0), bytes: bytes)
        }
    }

    func testRoundTripMicrosecondsAndNanoseconds() throws {
        for nanosecond in [false, true] {
            let path = directory.file(nanosecond ? "ns.pcap" : "us.pcap")
            let frames = samples(nanosecond: nanosecond)
            let writer = try PcapWriter(path: path, linkType: .ethernet, snaplen: 262_144, nanosecond: nanosecond)
            for sample in frames {
                try withBytes(sample.bytes) { (raw) throws(PcapError) in
                    try writer.write(timestamp: sample.timestamp, originalLength: sample.originalLength, bytes: raw)
                }
            }
            try writer.close()
            try writer.close()  // twice is fine
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
            XCTAssertEqual(Int64(size ?? -1), writer.bytesWritten)

            let reader = try PcapFileReader(path: path)
            XCTAssertEqual(reader.linkType, .ethernet)
            XCTAssertEqual(reader.snaplen, 262_144)
            XCTAssertEqual(reader.nanosecondFile, nanosecond)
            let (read, error) = readAll(reader)
            XCTAssertNil(error)
            XCTAssertEqual(read.count, frames.count)
            for (got, want) in zip(read, frames) {
                XCTAssertEqual(got.bytes, want.bytes)
                XCTAssertEqual(got.frame.caplen, want.bytes.count)
                XCTAssertEqual(got.frame.len, want.originalLength)
                XCTAssertEqual(got.frame.timestamp, want.timestamp)
            }
            XCTAssertNil(try reader.next())  // nothing left over
            XCTAssertEqual(reader.byteOffset, Int64(size ?? -1))

            // libpcap agrees, byte for byte.
            let (linkType, records) = try libpcapReadAll(path: path)
            XCTAssertEqual(linkType, .ethernet)
            XCTAssertEqual(records.count, frames.count)
            for (got, want) in zip(records, frames) {
                XCTAssertEqual(got.bytes, want.bytes)
                XCTAssertEqual(got.len, want.originalLength)
                XCTAssertEqual(Int64(got.seconds), want.timestamp.seconds)
                XCTAssertEqual(UInt32(got.nanoseconds), want.timestamp.nanoseconds)
            }
        }
    }

    func testFramesLongerThanSnaplenAreCut() throws {
        let path = directory.file("snap.pcap")
        let writer = try PcapWriter(path: path, linkType: .raw, snaplen: 100)
        let bytes = [UInt8](repeating: 0xAB, count: 300)
        try withBytes(bytes) { (raw) throws(PcapError) in
            try writer.write(RawFrame(timestamp: Timestamp(seconds: 5, nanoseconds: 0), len: 300, linkType: .raw, bytes: raw))
        }
        try writer.close()
        let (frames, error) = readAll(try PcapFileReader(path: path))
        XCTAssertNil(error)
        XCTAssertEqual(frames.first?.bytes, Array(bytes.prefix(100)))
        XCTAssertEqual(frames.first?.frame.len, 300)
        XCTAssertEqual(frames.first?.frame.linkType, .raw)
    }

    func testTcpdumpReadsOurFile() throws {
        let tcpdump = ["/usr/bin/tcpdump", "/usr/sbin/tcpdump"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let tcpdump else { throw XCTSkip("tcpdump not installed") }
        let path = directory.file("tcpdump.pcap")
        let writer = try PcapWriter(path: path, linkType: .ethernet, snaplen: 65535)
        let frame = Packets.ethernet(Packets.udp(sourcePort: 4000, destinationPort: 5000, payload: Array("hi".utf8)))
        for i in 0..<3 {
            try withBytes(frame) { (raw) throws(PcapError) in
                try writer.write(timestamp: Timestamp(seconds: Int64(i), nanoseconds: 0), originalLength: frame.count, bytes: raw)
            }
        }
        try writer.close()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tcpdump)
        process.arguments = ["-nn", "-r", path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(text.split(separator: "\n").count, 3)
        XCTAssertTrue(text.contains("10.0.0.1.4000 > 10.0.0.2.5000: UDP, length 2"), text)
    }

    func testTimestampOutsidePcapRangeIsAWriteError() throws {
        let path = directory.file("range.pcap")
        let writer = try PcapWriter(path: path, linkType: .ethernet, snaplen: 100)
        let error = assertThrowsPcapError { () throws(PcapError) in
            try withBytes([1, 2]) { (raw) throws(PcapError) in
                try writer.write(timestamp: Timestamp(seconds: -1, nanoseconds: 0), originalLength: 2, bytes: raw)
            }
        }
        XCTAssertEqual(error, .write(path: path, message: "timestamp -1 s cannot be stored in pcap (0…4294967295)"))
    }

    func testOpenFailure() {
        let path = directory.file("no/such/dir.pcap")
        let error = assertThrowsPcapError { () throws(PcapError) in
            try PcapWriter(path: path, linkType: .ethernet, snaplen: 100)
        }
        XCTAssertEqual(error, .open(path: path, message: "No such file or directory"))
    }

    // MARK: rotation

    func testRotationNaming() {
        XCTAssertEqual(RotatingPcapWriter.fileName(base: "c.pcap", index: 0, count: 1), "c.pcap")
        XCTAssertEqual(RotatingPcapWriter.fileName(base: "c.pcap", index: 2, count: 3), "c.pcap2")
        XCTAssertEqual(RotatingPcapWriter.fileName(base: "c.pcap", index: 0, count: 10), "c.pcap0")
        XCTAssertEqual(RotatingPcapWriter.fileName(base: "c.pcap", index: 3, count: 12), "c.pcap03")
        XCTAssertEqual(RotatingPcapWriter.fileName(base: "c.pcap", index: 11, count: 12), "c.pcap11")
    }

    func testRotationKeepsExactlyNFiles() throws {
        let base = directory.file("ring.pcap")
        let payload = [UInt8](repeating: 0x5A, count: 100)
        // Room for exactly three 116-byte records after the 24-byte header.
        let ring = try RotatingPcapWriter(
            path: base, maxBytesPerFile: 24 + 3 * 116, fileCount: 3, linkType: .ethernet, snaplen: 65535)
        for i in 0..<20 {
            try withBytes(payload) { (raw) throws(PcapError) in
                try ring.write(timestamp: Timestamp(seconds: Int64(i), nanoseconds: 0), originalLength: 100, bytes: raw)
            }
        }
        XCTAssertEqual(ring.currentPath, base + "0")
        try ring.close()
        try ring.close()
        XCTAssertEqual(ring.bytesWritten, 7 * 24 + 20 * 116)

        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        XCTAssertEqual(names, ["ring.pcap0", "ring.pcap1", "ring.pcap2"])
        // 7 files were started: 0 [0-2] 1 [3-5] 2 [6-8] 0 [9-11] 1 [12-14] 2 [15-17] 0 [18-19].
        let expected: [String: [Int64]] = ["ring.pcap0": [18, 19], "ring.pcap1": [12, 13, 14], "ring.pcap2": [15, 16, 17]]
        for name in names {
            let (frames, error) = readAll(try PcapFileReader(path: directory.file(name)))
            XCTAssertNil(error, name)
            XCTAssertEqual(frames.map(\.frame.timestamp.seconds), expected[name], name)
            XCTAssertTrue(frames.allSatisfy { $0.bytes == payload })
            let size = try FileManager.default.attributesOfItem(atPath: directory.file(name))[.size] as? Int
            XCTAssertLessThanOrEqual(size ?? .max, 24 + 3 * 116)
            XCTAssertEqual(try libpcapReadAll(path: directory.file(name)).records.count, frames.count)
        }
    }

    func testRotationRejectsNonsenseSizes() {
        XCTAssertNotNil(assertThrowsPcapError { () throws(PcapError) in
            try RotatingPcapWriter(path: directory.file("x"), maxBytesPerFile: 1000, fileCount: 0, linkType: .ethernet, snaplen: 100)
        })
        XCTAssertNotNil(assertThrowsPcapError { () throws(PcapError) in
            try RotatingPcapWriter(path: directory.file("x"), maxBytesPerFile: 10, fileCount: 2, linkType: .ethernet, snaplen: 100)
        })
    }
}
