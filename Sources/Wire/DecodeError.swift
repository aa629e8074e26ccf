// Why decoding stopped. Two verdicts, never merged (tcpdump's `[|proto]` versus `(invalid)`).
//
// Every case holds plain values (no text, no array), so a layer holding an error is copied and
// dropped as plain bytes: the per-frame layer array is reset without a pass over its layers.
// The text is made only when a printer asks for `description`.

public enum DecodeError: Error, Sendable, Hashable, BitwiseCopyable, CustomStringConvertible {
    /// The capture ran out: `needed` bytes were required for this layer, `available` were captured.
    case truncated(layer: Proto, needed: Int, available: Int)
    /// The values are impossible; the reason quotes them.
    case malformed(layer: Proto, reason: MalformedReason)

    public var isTruncation: Bool {
        if case .truncated = self { return true }
        return false
    }

    public var layer: Proto {
        switch self {
        case .truncated(let l, _, _), .malformed(let l, _): return l
        }
    }

    public var description: String {
        switch self {
        case .truncated(let l, let needed, let available):
            return "\(l.displayName) truncated: needed \(needed) bytes, \(available) captured"
        case .malformed(_, let reason):
            return reason.description
        }
    }
}

/// What makes a header malformed, with the values its text quotes. `description` is the text
/// docs/DESIGN.md shows as the layer's `error`.
public enum MalformedReason: Sendable, Hashable, BitwiseCopyable, CustomStringConvertible {
    /// A raw-IP link type whose version nibble is neither 4 nor 6.
    case rawIPVersion(UInt8)
    case tooManyVLANTags(limit: Int)
    case ipv4Version(UInt8)
    case ipv4HeaderLength(Int)
    case ipv4TotalBelowHeader(total: Int, headerLength: Int)
    case ipv4TotalPastWire(total: Int, onWire: Int)
    case ipv4OptionNoLength(type: UInt8)
    case ipv4OptionShort(type: UInt8, length: UInt8)
    case ipv4OptionPastHeader(type: UInt8, length: UInt8, left: Int)
    case ipv6Version(UInt8)
    case ipv6PayloadPastWire(payload: Int, onWire: Int)
    case ipv6ExtensionPastPayload(kind: IPv6Extension.Kind, length: Int, payload: Int)
    case udpLengthShort(Int)
    case udpLengthPastIP(length: Int, ipPayload: Int)
    case tcpHeaderLength(Int)
    case tcpHeaderPastSegment(headerLength: Int, segment: Int)
    case tcpOptionNoLength(kind: UInt8)
    case tcpOptionShort(kind: UInt8, length: Int)
    case tcpOptionPastHeader(kind: UInt8, length: Int, left: Int)
    case tcpOptionWrongLength(kind: UInt8, length: Int)

    public var description: String {
        switch self {
        case .rawIPVersion(let v): return "raw IP frame with IP version \(v)"
        case .tooManyVLANTags(let n): return "more than \(n) stacked VLAN tags"
        case .ipv4Version(let v): return "IPv4 version field is \(v), not 4"
        case .ipv4HeaderLength(let ihl): return "IPv4 header length \(ihl) < 20"
        case .ipv4TotalBelowHeader(let total, let ihl): return "IPv4 total length \(total) < header length \(ihl)"
        case .ipv4TotalPastWire(let total, let n):
            return "IPv4 total length \(total) > the \(n) bytes on the wire (the capture cut nothing)"
        case .ipv4OptionNoLength(let t): return "IPv4 option \(IPv4Header.optionName(t)) has no length byte"
        case .ipv4OptionShort(let t, let len): return "IPv4 option \(IPv4Header.optionName(t)) length \(len) < 2"
        case .ipv4OptionPastHeader(let t, let len, let left):
            return "IPv4 option \(IPv4Header.optionName(t)) length \(len) does not fit (\(left) bytes left)"
        case .ipv6Version(let v): return "IPv6 version field is \(v), not 6"
        case .ipv6PayloadPastWire(let claimed, let n):
            return "IPv6 payload length \(claimed) > the \(n) bytes on the wire after the header (the capture cut nothing)"
        case .ipv6ExtensionPastPayload(let kind, let len, let claimed):
            return "IPv6 \(kind.rawValue) header length \(len) runs past the payload length \(claimed)"
        case .udpLengthShort(let len): return "UDP length \(len) < 8"
        case .udpLengthPastIP(let len, let ip): return "UDP length \(len) > IP payload length \(ip)"
        case .tcpHeaderLength(let hlen): return "TCP header length \(hlen) < 20"
        case .tcpHeaderPastSegment(let hlen, let seg): return "TCP header length \(hlen) > segment length \(seg)"
        case .tcpOptionNoLength(let kind): return "TCP option kind \(kind) has no length byte"
        case .tcpOptionShort(let kind, let len): return "TCP option kind \(kind) length \(len) < 2"
        case .tcpOptionPastHeader(let kind, let len, let left):
            return "TCP option kind \(kind) length \(len) runs past the header (\(left) bytes left)"
        case .tcpOptionWrongLength(let kind, let len):
            return "TCP option \(TCPOption.name(ofKind: kind)) length \(len), expected \(TCPOption.expectedLength(kind: kind))"
        }
    }
}
