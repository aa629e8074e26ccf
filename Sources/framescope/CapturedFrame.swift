import ArgumentParser
import Fuzz
import FuzzDriver
import Capture
import Chat
import Dispatch
import Framing
import Inspect
import Render
import Streams
import Wire
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A captured frame copied out of libpcap's buffer.
struct CapturedFrame {
    var timestamp: Timestamp
    var len: Int
    var linkType: LinkType
    var bytes: [UInt8]

    init(_ raw: RawFrame) {
        timestamp = raw.timestamp
        len = raw.len
        linkType = raw.linkType
        bytes = Array(raw.bytes)
    }

    func withRaw<T>(_ body: (RawFrame) throws -> T) rethrows -> T {
        try bytes.withUnsafeBytes { try body(RawFrame(timestamp: timestamp, len: len, linkType: linkType, bytes: $0)) }
    }
}
