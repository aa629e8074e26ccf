// The usual frame of a loopback chat read for its transport facts alone, without its layers.
//
// `messages` needs from a frame only what the stream stage reads: the addresses, the TCP or UDP
// header's fields and where the payload lies. For the frame nearly every chat capture is made
// of (Ethernet II, an IPv4 header without options that is not a fragment, a whole TCP or UDP
// header, the datagram wholly captured) those are read here straight from the bytes, through
// the headers' own field tables; building the frame's layers, with every field, the IPv4 header
// checksum and the TCP options, cost about four times as much. Any other frame gets nil and goes
// through `decode`. The peek gives exactly what `decode` would give the stream stage for the
// frames it accepts (tests compare the two on every committed capture and on mutated frames).

/// The transport facts of a frame `Dissector.peek` accepted: what the stream stage reads of a
/// TCP segment or a UDP datagram, and nothing else (the TCP options are not read).
public struct TransportPeek: Sendable {
    /// TCP; otherwise UDP (whose sequence, acknowledgment, flags and window are zero).
    public var isTCP: Bool
    public var source: IPv4Address
    public var destination: IPv4Address
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequence: UInt32 = 0
    public var acknowledgment: UInt32 = 0
    public var flags = TCPFlags()
    public var window: UInt16 = 0
    /// TCP: the header's length in bytes. UDP: 8.
    public var headerLength: Int
    /// Where the transport payload lies in the frame's bytes: all of it was captured, so its
    /// count is also the payload length the headers claim.
    public var payload: Range<Int>
}

extension Dissector {
    /// The transport facts of `bytes` when it is the usual frame: link type Ethernet, EtherType
    /// IPv4, version 4 with a 20-byte header, total length within the captured bytes and at
    /// least the headers, not a fragment (MF clear, offset 0), and TCP with a header length from
    /// 20 bytes to the datagram's end, or UDP with a length from 8 bytes to the datagram's end.
    /// Nil for every other frame: `decode` reads it (and reports whatever is unusual).
    ///
    /// The checks leave only frames `decode` reads without an error that stops the stream stage:
    /// the IPv4 checksum and the TCP options, which `decode` reports but the stream stage does
    /// not read, are not looked at.
    @inline(__always)
    public static func peek(_ bytes: UnsafeRawBufferPointer, linkType: LinkType) -> TransportPeek? {
        let link = EthernetHeader.length, ip = IPv4Header.minimumLength
        guard linkType.rawValue == LinkType.ethernet.rawValue, bytes.count >= link + ip + UDPHeader.headerLength else { return nil }
        let frame = ByteReader(bytes)
        guard frame.u16(whole: EthernetHeader.Field.etherType) == EtherType.ipv4 else { return nil }
        let r = frame.suffix(from: link)
        // Version 4, IHL 5 (20 bytes, no options).
        guard r.u8(whole: IPv4Header.Field.versionIHL) == 0x45 else { return nil }
        let total = Int(r.u16(whole: IPv4Header.Field.totalLength))
        // MF and the fragment offset clear (the reserved and DF bits do not matter here).
        guard total >= ip + UDPHeader.headerLength, total <= r.count,
              r.u16(whole: IPv4Header.Field.flagsFragmentOffset) & 0x3fff == 0 else { return nil }
        let source = IPv4Address(r.u32(whole: IPv4Header.Field.source))
        let destination = IPv4Address(r.u32(whole: IPv4Header.Field.destination))
        let t = r.window(ip, total - ip)!  // within r: total <= r.count
        let segment = total - ip
        switch r.u8(whole: IPv4Header.Field.protocolNumber) {
        case IPProtocol.tcp:
            guard segment >= TCPHeader.minimumLength else { return nil }
            let offsetByte = t.u8(whole: TCPHeader.Field.dataOffset)
            let hlen = TCPHeader.headerLength(offsetByte)
            guard hlen >= TCPHeader.minimumLength, hlen <= segment else { return nil }
            return TransportPeek(isTCP: true, source: source, destination: destination,
                                 sourcePort: t.u16(whole: TCPHeader.Field.sourcePort),
                                 destinationPort: t.u16(whole: TCPHeader.Field.destinationPort),
                                 sequence: t.u32(whole: TCPHeader.Field.sequence),
                                 acknowledgment: t.u32(whole: TCPHeader.Field.acknowledgment),
                                 flags: TCPHeader.flags(offsetByte, t.u8(whole: TCPHeader.Field.flags)),
                                 window: t.u16(whole: TCPHeader.Field.window),
                                 headerLength: hlen, payload: t.start + hlen ..< t.start + segment)
        case IPProtocol.udp:
            let claimed = Int(t.u16(whole: UDPHeader.Field.length))
            guard claimed >= UDPHeader.headerLength, claimed <= segment else { return nil }
            return TransportPeek(isTCP: false, source: source, destination: destination,
                                 sourcePort: t.u16(whole: UDPHeader.Field.sourcePort),
                                 destinationPort: t.u16(whole: UDPHeader.Field.destinationPort),
                                 headerLength: UDPHeader.headerLength,
                                 payload: t.start + UDPHeader.headerLength ..< t.start + claimed)
        default:
            return nil
        }
    }
}
