// PcapFileReader on hand-built pcap and pcapng files: byte orders, resolutions, mixed link
// types, pipes, and hostile input (bad magic, empty, truncated, corrupt lengths).

import Foundation
import XCTest
import Wire
@testable import Capture

#if canImport(Glibc)
import Glibc
#endif

final class PcapFileReaderTests: XCTestCase {
    var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    // MARK: pcap

    func testByteSwappedMicrosecondPcap() throws {
        let first: [UInt8] = Array(0..<60)
        let second: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF]
        var file = PcapBytes.header(bigEndian: true, snaplen: 65535, linkField: 113)
        file += PcapBytes.record(bigEndian: true, seconds: 1_700_000_000, fraction: 123_456, data: first)
        file += PcapBytes.record(bigEndian: true, seconds: 1_700_000_001, fraction: 999_999, data: second, originalLength: 1500)
        let reader = try PcapFileReader(path: directory.write(file, to: "be.pcap"))
        XCTAssertEqual(reader.format, .pcap)
        XCTAssertEqual(reader.linkType, .linuxSLL)
        XCTAssertEqual(reader.snaplen, 65535)
        XCTAssertFalse(reader.nanosecondFile)
        let (frames, error) = readAll(reader)
        XCTAssertNil(error)
        XCTAssertEqual(frames.count, 2)
        XCTAssertEqual(frames[0].bytes, first)
        XCTAssertEqual(frames[0].frame.timestamp, Timestamp(seconds: 1_700_000_000, nanoseconds: 123_456_000, fractionDigits: 6))
        XCTAssertEqual(frames[0].frame.linkType, .linuxSLL)
        XCTAssertEqual(frames[1].bytes, second)
        XCTAssertEqual(frames[1].frame.caplen, 4)
        XCTAssertEqual(frames[1].frame.len, 1500)
        XCTAssertEqual(frames[1].frame.timestamp.nanoseconds, 999_999_000)
        XCTAssertEqual(reader.framesRead, 2)
        XCTAssertEqual(reader.byteOffset, Int64(file.count))
    }

    /// `advance()` puts each frame where `frame` points, the frames `next()` returns, in both
    /// formats; false at the end, and again after it.
    func testAdvanceReadsTheFramesNextReturns() throws {
        var pcap = PcapBytes.header(bigEndian: false, snaplen: 65535, linkField: 1)
        pcap += PcapBytes.record(bigEndian: false, seconds: 7, fraction: 5, data: [1, 2, 3])
        pcap += PcapBytes.record(bigEndian: false, seconds: 8, fraction: 1_000_001, data: [4, 5], originalLength: 90)
        var pcapng = PcapngBytes.sectionHeader()
        pcapng += PcapngBytes.interface(linkType: 113, snaplen: 65535)
        pcapng += PcapngBytes.enhancedPacket(interface: 0, ticks: 1_500_000, data: [9, 8, 7, 6], originalLength: 40)
        pcapng += PcapngBytes.simplePacket(originalLength: 2, data: [5, 5])
        for (name, file) in [("a.pcap", pcap), ("a.pcapng", pcapng)] {
            let path = try directory.write(file, to: name)
            let (expected, error) = readAll(try PcapFileReader(path: path))
            XCTAssertNil(error, name)
            XCTAssertEqual(expected.count, 2, name)
            let reader = try PcapFileReader(path: path)
            for (i, e) in expected.enumerated() {
                XCTAssertTrue(try reader.advance(), name)
                let f = reader.frame.pointee
                XCTAssertEqual(Array(f.bytes), e.bytes, "\(name) frame \(i)")
                XCTAssertEqual(f.caplen, e.frame.caplen, "\(name) frame \(i)")
                XCTAssertEqual(f.len, e.frame.len, "\(name) frame \(i)")
                XCTAssertEqual(f.timestamp, e.frame.timestamp, "\(name) frame \(i)")
                XCTAssertEqual(f.linkType, e.frame.linkType, "\(name) frame \(i)")
                XCTAssertEqual(Array(reader.current.bytes), e.bytes, "\(name) frame \(i)")
                XCTAssertEqual(reader.framesRead, i + 1, name)
            }
            XCTAssertFalse(try reader.advance(), name)
            XCTAssertFalse(try reader.advance(), name)
            XCTAssertEqual(reader.framesRead, 2, name)
        }
    }

    func testNanosecondMagicBothByteOrders() throws {
        for bigEndian in [false, true] {
            var file = PcapBytes.header(bigEndian: bigEndian, nanosecond: true)
            file += PcapBytes.record(bigEndian: bigEndian, seconds: 42, fraction: 987_654_321, data: [1, 2, 3])
            let reader = try PcapFileReader(path: directory.write(file, to: "ns\(bigEndian).pcap"))
            XCTAssertTrue(reader.nanosecondFile)
            let (frames, error) = readAll(reader)
            XCTAssertNil(error)
            XCTAssertEqual(frames.map(\.bytes), [[1, 2, 3]])
            XCTAssertEqual(frames.first?.frame.timestamp, Timestamp(seconds: 42, nanoseconds: 987_654_321, fractionDigits: 9))
        }
    }

    func testLinkTypeFieldFCSBitsAreMaskedOff() throws {
        // F bit (26) set, FCS length 2 words (4 bytes) in bits 28-31, link type Ethernet.
        let file = PcapBytes.header(linkField: 0x2400_0001)
        let reader = try PcapFileReader(path: directory.write(file, to: "fcs.pcap"))
        XCTAssertEqual(reader.linkType, .ethernet)
        XCTAssertEqual(reader.fcsLength, 4)
        XCTAssertNil(try reader.next())
    }

    func testBadMagic() throws {
        let path = try directory.write(Array("hello, world, not a capture".utf8), to: "bad")
        let error = assertThrowsPcapError { () throws(PcapError) in try PcapFileReader(path: path) }
        XCTAssertEqual(error, .notACaptureFile(magic: 0x6865_6C6C))
        XCTAssertEqual(
            error?.description,
            "not a pcap or pcapng file (magic 0x68656c6c); give a file written by tcpdump, Wireshark/dumpcap or framescope")
    }

    func testEmptyFileAndMissingFile() throws {
        let path = try directory.write([], to: "empty.pcap")
        XCTAssertEqual(assertThrowsPcapError { () throws(PcapError) in try PcapFileReader(path: path) }, .emptyFile(path: path))
        let missing = directory.file("missing.pcap")
        let error = assertThrowsPcapError { () throws(PcapError) in try PcapFileReader(path: missing) }
        XCTAssertEqual(error, .open(path: missing, message: "No such file or directory"))
    }

    func testTruncatedHeader() throws {
        let path = try directory.write(Array(PcapBytes.header().prefix(10)), to: "short.pcap")
        let error = assertThrowsPcapError { () throws(PcapError) in try PcapFileReader(path: path) }
        XCTAssertEqual(error, .truncated(frame: 0, offset: 0, reason: "the pcap header needs 24 bytes, only 10 present"))
    }

    func testUnsupportedVersion() throws {
        var file = PcapBytes.header()
        file[4] = 3
        let path = try directory.write(file, to: "v3.pcap")
        XCTAssertEqual(
            assertThrowsPcapError { () throws(PcapError) in try PcapFileReader(path: path) },
            .unsupportedVersion(format: .pcap, major: 3, minor: 4))
    }

    func testTruncatedLastRecordKeepsEarlierFrames() throws {
        var file = PcapBytes.header()
        for i in 0..<6 { file += PcapBytes.record(seconds: UInt32(i), fraction: 0, data: Array(repeating: UInt8(i), count: 100)) }
        let lastOffset = Int64(file.count)
        file += PcapBytes.record(seconds: 7, fraction: 0, data: Array(repeating: 7, count: 100)).prefix(16 + 40)
        let reader = try PcapFileReader(path: directory.write(file, to: "cut.pcap"))
        let (frames, error) = readAll(reader)
        XCTAssertEqual(frames.count, 6)
        XCTAssertEqual(frames.last?.bytes, Array(repeating: 5, count: 100))
        XCTAssertEqual(error, .truncated(frame: 7, offset: lastOffset, reason: "header claims 100 captured bytes, only 40 present"))
        XCTAssertEqual(
            error?.description,
            "file ends inside record 7 at byte offset \(lastOffset): header claims 100 captured bytes, only 40 present "
                + "(file cut short?); 6 frame(s) before it were read")
        XCTAssertEqual(reader.framesRead, 6)
    }

    func testTruncatedRecordHeader() throws {
        var file = PcapBytes.header()
        file += PcapBytes.record(seconds: 1, fraction: 0, data: [1])
        file += [0, 0, 0, 0, 0]
        let (frames, error) = readAll(try PcapFileReader(path: directory.write(file, to: "cuthdr.pcap")))
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(error, .truncated(frame: 2, offset: 41, reason: "record header needs 16 bytes, only 5 present"))
    }

    func testAbsurdCaplenIsCorrupt() throws {
        var file = PcapBytes.header(snaplen: 65535)
        file += PcapBytes.record(seconds: 1, fraction: 0, data: [9, 9])
        file += PcapBytes.record(seconds: 2, fraction: 0, data: [1, 2, 3], claimedCaplen: 0xFFFF_FFFF)
        let (frames, error) = readAll(try PcapFileReader(path: directory.write(file, to: "huge.pcap")))
        XCTAssertEqual(frames.map(\.bytes), [[9, 9]])
        XCTAssertEqual(error, .corrupt(frame: 2, offset: 42, reason: "captured length 4294967295 exceeds the maximum 262144"))
        XCTAssertEqual(
            error?.description,
            "record 2 at byte offset 42: captured length 4294967295 exceeds the maximum 262144 (file corrupt?); "
                + "1 frame(s) before it were read")
    }

    // MARK: pcapng

    func testPcapngMixedLinkTypesResolutionsAndBlockKinds() throws {
        let ethernetFrame = Packets.ethernet(Packets.udp(sourcePort: 1, destinationPort: 2, payload: [0x41]))
        let sllFrame = Packets.linuxSLL(Packets.udp(sourcePort: 3, destinationPort: 4, payload: [0x42, 0x43]))
        var file = PcapngBytes.sectionHeader()
        file += PcapngBytes.block(0x0BAD_0BAD, Array(repeating: 0xEE, count: 13))  // unknown: skipped
        file += PcapngBytes.interface(linkType: 1, snaplen: 65535, options: [(9, [9])])  // ns
        file += PcapngBytes.interface(
            linkType: 113, options: [(2, Array("any".utf8)), (9, [0x80 | 20]), (14, PcapngBytes.u64(100))])  // 2^-20 s, +100 s
        file += PcapngBytes.enhancedPacket(interface: 0, ticks: 1_700_000_000_123_456_789, data: ethernetFrame, originalLength: 1000)
        file += PcapngBytes.enhancedPacket(interface: 1, ticks: 5 << 20 | 1 << 19, data: sllFrame)
        // SPB: captured length = min(original length, snaplen), never the padding after it.
        file += PcapngBytes.simplePacket(originalLength: 30, data: Array(ethernetFrame.prefix(30)))
        file += PcapngBytes.obsoletePacket(interface: 1, ticks: 3 << 20, data: [7, 7, 7])
        file += PcapngBytes.block(5, Array(repeating: 0, count: 16))  // interface statistics: skipped
        // A second section, big-endian, one raw-IP interface with the default µs resolution.
        file += PcapngBytes.sectionHeader(bigEndian: true)
        file += PcapngBytes.interface(linkType: 101, bigEndian: true)
        file += PcapngBytes.enhancedPacket(interface: 0, ticks: 1_500_000, data: [0x45, 0], bigEndian: true)

        let reader = try PcapFileReader(path: directory.write(file, to: "mixed.pcapng"))
        XCTAssertEqual(reader.format, .pcapng)
        XCTAssertEqual(reader.linkType, .ethernet)
        XCTAssertEqual(reader.snaplen, 65535)
        XCTAssertTrue(reader.nanosecondFile)
        let (frames, error) = readAll(reader)
        XCTAssertNil(error)
        XCTAssertEqual(frames.count, 5)
        guard frames.count == 5 else { return }

        XCTAssertEqual(frames[0].bytes, ethernetFrame)
        XCTAssertEqual(frames[0].frame.linkType, .ethernet)
        XCTAssertEqual(frames[0].frame.interfaceIndex, 0)
        XCTAssertEqual(frames[0].frame.len, 1000)
        XCTAssertEqual(frames[0].frame.timestamp, Timestamp(seconds: 1_700_000_000, nanoseconds: 123_456_789, fractionDigits: 9))

        XCTAssertEqual(frames[1].bytes, sllFrame)
        XCTAssertEqual(frames[1].frame.linkType, .linuxSLL)
        XCTAssertEqual(frames[1].frame.interfaceIndex, 1)
        XCTAssertEqual(frames[1].frame.timestamp, Timestamp(seconds: 105, nanoseconds: 500_000_000, fractionDigits: 9))

        XCTAssertEqual(frames[2].bytes, Array(ethernetFrame.prefix(30)))  // SPB: interface 0
        XCTAssertEqual(frames[2].frame.len, 30)
        XCTAssertEqual(frames[2].frame.linkType, .ethernet)

        XCTAssertEqual(frames[3].bytes, [7, 7, 7])  // obsolete Packet Block
        XCTAssertEqual(frames[3].frame.linkType, .linuxSLL)
        XCTAssertEqual(frames[3].frame.timestamp, Timestamp(seconds: 103, nanoseconds: 0, fractionDigits: 9))

        XCTAssertEqual(frames[4].bytes, [0x45, 0])
        XCTAssertEqual(frames[4].frame.linkType, .raw)
        XCTAssertEqual(frames[4].frame.interfaceIndex, 0)
        XCTAssertEqual(frames[4].frame.timestamp, Timestamp(seconds: 1, nanoseconds: 500_000_000, fractionDigits: 6))
        XCTAssertEqual(reader.byteOffset, Int64(file.count))
    }

    func testPcapngBinaryResolutionBeyondNanoseconds() throws {
        // 2^-32 s units: 0.25 s = 2^30 ticks.
        var file = PcapngBytes.sectionHeader()
        file += PcapngBytes.interface(linkType: 1, options: [(9, [0x80 | 32])])
        file += PcapngBytes.enhancedPacket(interface: 0, ticks: 7 << 32 | 1 << 30, data: [1])
        let (frames, error) = readAll(try PcapFileReader(path: directory.write(file, to: "bin.pcapng")))
        XCTAssertNil(error)
        XCTAssertEqual(frames.first?.frame.timestamp, Timestamp(seconds: 7, nanoseconds: 250_000_000, fractionDigits: 9))
    }

    func testPcapngBlockLengthNotMultipleOfFour() throws {
        var file = PcapngBytes.sectionHeader()
        file += PcapngBytes.interface(linkType: 1)
        file += PcapngBytes.enhancedPacket(interface: 0, ticks: 1, data: [1, 2, 3, 4])
        let offset = Int64(file.count)
        file += PcapngBytes.block(6, Array(repeating: 0, count: 24), totalLength: 30)
        let (frames, error) = readAll(try PcapFileReader(path: directory.write(file, to: "len.pcapng")))
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(error, .corrupt(frame: 2, offset: offset, reason: "block type 0x00000006 total length 30 is not a multiple of 4"))
    }

    func testPcapngBlockTooLargeIsCorruptBeforeBuffering() throws {
        var file = PcapngBytes.sectionHeader()
        file += PcapngBytes.interface(linkType: 1)
        let offset = Int64(file.count)
        file += PcapngBytes.block(6, Array(repeating: 0, count: 24), totalLength: 0x7FFF_FFF0)
        let (frames, error) = readAll(try PcapFileReader(path: directory.write(file, to: "big.pcapng")))
        XCTAssertEqual(frames.count, 0)
        XCTAssertEqual(
            error,
            .corrupt(frame: 1, offset: offset, reason: "block type 0x00000006 total length 2147483632 exceeds the maximum 16777216"))
    }

    func testPcapngTrailingLengthMismatchAndUnknownInterface() throws {
        var file = PcapngBytes.sectionHeader()
        file += PcapngBytes.interface(linkType: 1)
        let offset = Int64(file.count)
        file += PcapngBytes.block(6, Array(repeating: 0, count: 20), trailingLength: 36)
        var (_, error) = readAll(try PcapFileReader(path: directory.write(file, to: "trail.pcapng")))
        XCTAssertEqual(
            error, .corrupt(frame: 1, offset: offset, reason: "block type 0x00000006 total length 32 at its start but 36 at its end"))

        file = PcapngBytes.sectionHeader() + PcapngBytes.interface(linkType: 1)
        file += PcapngBytes.enhancedPacket(interface: 3, ticks: 0, data: [1])
        (_, error) = readAll(try PcapFileReader(path: directory.write(file, to: "iface.pcapng")))
        XCTAssertEqual(
            error, .corrupt(frame: 1, offset: offset, reason: "packet names interface 3, but this section describes 1 interface(s)"))
    }

    func testPcapngTruncatedBlock() throws {
        var file = PcapngBytes.sectionHeader() + PcapngBytes.interface(linkType: 1)
        file += PcapngBytes.enhancedPacket(interface: 0, ticks: 0, data: [1])
        let offset = Int64(file.count)
        file += PcapngBytes.enhancedPacket(interface: 0, ticks: 0, data: Array(repeating: 2, count: 64)).prefix(50)
        let (frames, error) = readAll(try PcapFileReader(path: directory.write(file, to: "cut.pcapng")))
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(error, .truncated(frame: 2, offset: offset, reason: "block type 0x00000006 claims 96 bytes, only 50 present"))
    }

    // MARK: pipes and standard input

    /// Writes `bytes` into a pipe from another thread, in small chunks, and returns the read end.
    private func pipeFeeding(_ bytes: [UInt8], chunk: Int) -> (readEnd: Int32, writer: Thread) {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let writeEnd = fds[1]
        let thread = Thread {
            var position = 0
            while position < bytes.count {
                let count = min(chunk, bytes.count - position)
                let n = bytes.withUnsafeBytes { write(writeEnd, $0.baseAddress! + position, count) }
                if n <= 0 { break }
                position += n
            }
            close(writeEnd)
        }
        thread.start()
        return (fds[0], thread)
    }

    private func sampleFile(frames: Int) -> (file: [UInt8], payloads: [[UInt8]]) {
        var file = PcapBytes.header()
        var payloads: [[UInt8]] = []
        for i in 0..<frames {
            let payload = (0..<(i * 37 % 1500)).map { UInt8(truncatingIfNeeded: $0 &+ i) }
            payloads.append(payload)
            file += PcapBytes.record(seconds: UInt32(i), fraction: UInt32(i), data: payload)
        }
        return (file, payloads)
    }

    func testReadsFromPipeWithShortReads() throws {
        let (file, payloads) = sampleFile(frames: 3000)  // > 2 MiB: the buffer is refilled and compacted
        XCTAssertGreaterThan(file.count, 2 * 1024 * 1024)
        let (readEnd, _) = pipeFeeding(file, chunk: 4093)
        defer { close(readEnd) }
        let reader = try PcapFileReader(fileDescriptor: readEnd, name: "pipe")
        let (frames, error) = readAll(reader)
        XCTAssertNil(error)
        XCTAssertEqual(frames.count, payloads.count)
        XCTAssertTrue(zip(frames, payloads).allSatisfy { $0.0.bytes == $0.1 })
        XCTAssertEqual(frames.last?.frame.timestamp.seconds, 2999)
        XCTAssertEqual(reader.byteOffset, Int64(file.count))
    }

    func testDashMeansStandardInput() throws {
        let (file, payloads) = sampleFile(frames: 50)
        let (readEnd, _) = pipeFeeding(file, chunk: 7)
        let savedStdin = dup(0)
        XCTAssertGreaterThanOrEqual(savedStdin, 0)
        XCTAssertEqual(dup2(readEnd, 0), 0)
        close(readEnd)
        defer {
            dup2(savedStdin, 0)
            close(savedStdin)
        }
        let reader = try PcapFileReader(path: "-")
        XCTAssertEqual(reader.name, "standard input")
        let (frames, error) = readAll(reader)
        XCTAssertNil(error)
        XCTAssertEqual(frames.map(\.bytes), payloads)
        reader.close()
        reader.close()  // twice is fine
        XCTAssertEqual(assertThrowsPcapError { () throws(PcapError) in try reader.next() }, .closed)
    }
}
