// Native Swift writer of classic pcap files (the format of tcpdump -w), buffered, plus a ring of
// files like tcpdump -C -W. Fields are written little-endian; readers detect the byte order
// from the magic number.

import Wire

/// Writes a classic pcap file: microsecond (magic 0xa1b2c3d4) or nanosecond (0xa1b23c4d)
/// timestamps, little-endian. Buffered (512 KiB); ``flush()`` on demand, and ``close()``
/// (or deinit) flushes.
///
/// Not thread-safe: use from one thread at a time.
public final class PcapWriter {
    static let bufferCapacity = 512 * 1024
    static let fileHeaderLength = 24
    static let recordHeaderLength = 16

    /// The path written ("-" is standard output).
    public let path: String
    /// The link type stored in the header.
    public let linkType: LinkType
    /// The snaplen stored in the header; longer frames are cut to it.
    public let snaplen: Int
    /// True for nanosecond timestamps.
    public let nanosecond: Bool
    /// Bytes of the file so far, header included, whether still buffered or already written.
    public private(set) var bytesWritten: Int64 = 0
    /// Records written so far.
    public private(set) var framesWritten = 0

    private var fd: Int32
    private let ownsDescriptor: Bool
    private var isClosed = false
    private let buffer: UnsafeMutableRawPointer
    private var used = 0

    /// Creates (or truncates) `path` and writes the pcap header; "-" writes to standard output
    /// (which ``close()`` does not close). A `snaplen` ≤ 0 is stored as 262144.
    /// Throws ``PcapError/open(path:message:)`` or ``PcapError/write(path:message:)``.
    public init(path: String, linkType: LinkType, snaplen: Int, nanosecond: Bool = false) throws(PcapError) {
        if path == "-" {
            fd = 1
            ownsDescriptor = false
        } else {
            switch FileIO.openForWriting(path) {
            case .success(let opened): fd = opened
            case .failure(let error): throw error
            }
            ownsDescriptor = true
        }
        self.path = path
        self.linkType = linkType
        self.snaplen = snaplen > 0 ? min(snaplen, Int(UInt32.max)) : 262_144
        self.nanosecond = nanosecond
        self.buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.bufferCapacity, alignment: 16)
        // File header (24 bytes):
        append32(nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4)  // magic_number
        append16(2)  // version_major
        append16(4)  // version_minor
        append32(0)  // thiszone: GMT to local correction, always 0
        append32(0)  // sigfigs: accuracy of timestamps, always 0
        append32(UInt32(self.snaplen))  // snaplen
        append32(linkType.rawValue)  // network: LINKTYPE_*, no FCS bits
        bytesWritten = Int64(Self.fileHeaderLength)
        do {
            try flush()
        } catch {
            try? close()
            throw error
        }
    }

    deinit {
        try? close()
    }

    /// Appends one frame: its timestamp, original length and captured bytes.
    public func write(_ frame: RawFrame) throws(PcapError) {
        try write(timestamp: frame.timestamp, originalLength: frame.len, bytes: frame.bytes)
    }

    /// Appends one record. Bytes beyond ``snaplen`` are cut (the original length keeps the
    /// truth); an original length below the captured length is raised to it. Throws
    /// ``PcapError/write(path:message:)`` when the write fails or the timestamp's seconds do not
    /// fit pcap's unsigned 32-bit field.
    public func write(timestamp: Timestamp, originalLength: Int, bytes: UnsafeRawBufferPointer) throws(PcapError) {
        if isClosed { throw .closed }
        guard let seconds = UInt32(exactly: timestamp.seconds) else {
            throw .write(path: path, message: "timestamp \(timestamp.seconds) s cannot be stored in pcap (0…4294967295)")
        }
        let caplen = min(bytes.count, snaplen)
        let fraction = nanosecond ? timestamp.nanoseconds % 1_000_000_000 : timestamp.nanoseconds % 1_000_000_000 / 1000
        let recordLength = Self.recordHeaderLength + caplen
        if used + recordLength > Self.bufferCapacity { try flush() }
        // Record header (16 bytes):
        append32(seconds)  // ts_sec
        append32(fraction)  // ts_usec (ts_nsec in nanosecond files)
        append32(UInt32(caplen))  // incl_len
        append32(UInt32(clamping: max(originalLength, caplen)))  // orig_len
        if let base = bytes.baseAddress, caplen > 0 {
            if caplen <= Self.bufferCapacity - used {
                (buffer + used).copyMemory(from: base, byteCount: caplen)
                used += caplen
            } else {
                try flush()
                try writeDirect(base, count: caplen)
            }
        }
        bytesWritten += Int64(recordLength)
        framesWritten += 1
    }

    /// Writes buffered records to the file (`write(2)`; no fsync).
    public func flush() throws(PcapError) {
        if used == 0 || isClosed { return }
        let count = used
        used = 0
        try writeDirect(buffer, count: count)
    }

    /// Flushes and closes the file. Safe to call twice; the second call does nothing.
    public func close() throws(PcapError) {
        if isClosed { return }
        defer {
            isClosed = true
            buffer.deallocate()
        }
        var failure: PcapError?
        do { try flush() } catch { failure = error }
        if ownsDescriptor, case .failure(let error) = FileIO.closeDescriptor(fd), failure == nil {
            failure = .write(path: path, message: error.text)
        }
        if let failure { throw failure }
    }

    private func writeDirect(_ pointer: UnsafeRawPointer, count: Int) throws(PcapError) {
        if case .failure(let error) = FileIO.writeAll(fd, pointer, count: count) {
            throw .write(path: path, message: error.text)
        }
    }

    @inline(__always)
    private func append32(_ value: UInt32) {
        (buffer + used).storeBytes(of: value.littleEndian, as: UInt32.self)
        used += 4
    }

    @inline(__always)
    private func append16(_ value: UInt16) {
        (buffer + used).storeBytes(of: value.littleEndian, as: UInt16.self)
        used += 2
    }
}

/// A ring of pcap files like `tcpdump -w PATH -C size -W count`, with tcpdump's naming:
/// PATH followed by the file number, zero-padded to the digits of `count - 1`
/// (count 3: `PATH0`, `PATH1`, `PATH2`; count 12: `PATH00` … `PATH11`; count 1: `PATH` alone).
///
/// When the next record would make the current file exceed `maxBytesPerFile`, the file is
/// closed and the next one started; after the last file the first is truncated and reused, so
/// at most `fileCount` files exist. (tcpdump's `-C` counts millions of bytes and switches after
/// the file has grown past the size; here the size is in bytes and never exceeded, unless one
/// record alone is larger, in which case it gets a file of its own.)
public final class RotatingPcapWriter {
    /// The path the file names are built from.
    public let basePath: String
    public let maxBytesPerFile: Int64
    public let fileCount: Int
    public let linkType: LinkType
    public let snaplen: Int
    public let nanosecond: Bool
    /// The file being written now.
    public private(set) var currentPath: String
    /// The number of the file being written now (0 ..< fileCount).
    public private(set) var currentIndex = 0
    /// Bytes written to all files since the start, headers included.
    public private(set) var bytesWritten: Int64 = 0
    private var writer: PcapWriter

    /// The name of file `index` in a ring of `count` files, as tcpdump -W builds it.
    public static func fileName(base: String, index: Int, count: Int) -> String {
        var digits = 0
        var rest = count - 1
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        if digits == 0 { return base }
        let number = String(index)
        return base + String(repeating: "0", count: max(0, digits - number.count)) + number
    }

    /// Starts the ring with file 0. Throws ``PcapError/write(path:message:)`` when `fileCount`
    /// < 1 or `maxBytesPerFile` cannot hold a header, and the errors of ``PcapWriter/init(path:linkType:snaplen:nanosecond:)``.
    public init(
        path: String, maxBytesPerFile: Int64, fileCount: Int, linkType: LinkType, snaplen: Int,
        nanosecond: Bool = false
    ) throws(PcapError) {
        guard fileCount >= 1, maxBytesPerFile > Int64(PcapWriter.fileHeaderLength) else {
            throw .write(
                path: path,
                message: "a file ring needs at least 1 file of more than \(PcapWriter.fileHeaderLength) bytes "
                    + "(got \(fileCount) files of \(maxBytesPerFile) bytes)")
        }
        self.basePath = path
        self.maxBytesPerFile = maxBytesPerFile
        self.fileCount = fileCount
        self.linkType = linkType
        self.snaplen = snaplen
        self.nanosecond = nanosecond
        self.currentPath = Self.fileName(base: path, index: 0, count: fileCount)
        self.writer = try PcapWriter(path: currentPath, linkType: linkType, snaplen: snaplen, nanosecond: nanosecond)
        self.bytesWritten = writer.bytesWritten
    }

    /// Appends one frame, moving to the next file first if it would not fit.
    public func write(_ frame: RawFrame) throws(PcapError) {
        try write(timestamp: frame.timestamp, originalLength: frame.len, bytes: frame.bytes)
    }

    /// Appends one record, moving to the next file first if it would not fit.
    public func write(timestamp: Timestamp, originalLength: Int, bytes: UnsafeRawBufferPointer) throws(PcapError) {
        let recordLength = Int64(PcapWriter.recordHeaderLength + min(bytes.count, writer.snaplen))
        if writer.framesWritten > 0 && writer.bytesWritten + recordLength > maxBytesPerFile {
            try rotate()
        }
        let before = writer.bytesWritten
        try writer.write(timestamp: timestamp, originalLength: originalLength, bytes: bytes)
        bytesWritten += writer.bytesWritten - before
    }

    /// Flushes the current file.
    public func flush() throws(PcapError) {
        try writer.flush()
    }

    /// Flushes and closes the current file. Safe to call twice.
    public func close() throws(PcapError) {
        try writer.close()
    }

    private func rotate() throws(PcapError) {
        try writer.close()
        currentIndex = (currentIndex + 1) % fileCount
        currentPath = Self.fileName(base: basePath, index: currentIndex, count: fileCount)
        writer = try PcapWriter(path: currentPath, linkType: linkType, snaplen: snaplen, nanosecond: nanosecond)
        bytesWritten += writer.bytesWritten
    }
}
