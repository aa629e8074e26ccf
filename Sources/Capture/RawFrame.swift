// What every capture source hands out: one record, its metadata, and bytes it does not own.

import Wire

/// One captured record, as read from a file or a live capture.
///
/// `bytes` is **not owned**: it points into the source's reusable buffer and is valid only until
/// the next call to `next()` (or `close()`) on the source that returned it. Copy it
/// (`Array(frame.bytes)`) to keep it longer.
public struct RawFrame {
    /// When the frame was captured.
    public var timestamp: Timestamp
    /// Number of bytes captured (always `bytes.count`).
    public var caplen: Int
    /// Length of the frame on the wire; larger than `caplen` when the snaplen cut it.
    public var len: Int
    /// Link-layer header type of this frame (pcapng files may mix several).
    public var linkType: LinkType
    /// pcapng interface id within its section; 0 for pcap files and live captures.
    public var interfaceIndex: Int
    /// The captured bytes; see the type's note on lifetime.
    public var bytes: UnsafeRawBufferPointer

    /// Creates a frame; `caplen` is taken from `bytes.count`.
    public init(
        timestamp: Timestamp, len: Int, linkType: LinkType, interfaceIndex: Int = 0,
        bytes: UnsafeRawBufferPointer
    ) {
        self.timestamp = timestamp
        self.caplen = bytes.count
        self.len = len
        self.linkType = linkType
        self.interfaceIndex = interfaceIndex
        self.bytes = bytes
    }
}

/// The two capture-file formats ``PcapFileReader`` reads.
public enum CaptureFileFormat: Sendable, Hashable, CustomStringConvertible {
    /// Classic libpcap format (tcpdump `-w`): one global header, then records.
    case pcap
    /// pcap Next Generation (Wireshark/dumpcap default): sections of typed blocks.
    case pcapng

    public var description: String {
        switch self {
        case .pcap: return "pcap"
        case .pcapng: return "pcapng"
        }
    }
}
