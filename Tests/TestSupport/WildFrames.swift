// Literal frames for the classes of damage found on captures from the wild (issue 10): headers
// cut at every byte, bad IPv4 and TCP options at each length that matters, IP lengths that claim
// more than was on the wire, first fragments, impossible timestamps. The Wire tests assert our
// fields and error texts on them; the tshark oracle test writes them to a capture and compares.

public enum WildFrames {
    public struct Frame: Sendable {
        public var name: String
        /// The captured bytes (Ethernet).
        public var bytes: [UInt8]
        /// The length on the wire (> bytes.count when the capture cut the frame).
        public var wireLength: Int
        /// The record's fraction field, in µs (≥ 1,000,000 is impossible).
        public var microseconds: UInt32
        /// The record's seconds; nil: the frame's position in the file (1, 2, …).
        public var seconds: UInt32? = nil

        public init(_ name: String, _ bytes: [UInt8], wireLength: Int? = nil, microseconds: UInt32 = 0) {
            self.name = name
            self.bytes = bytes
            self.wireLength = wireLength ?? bytes.count
            self.microseconds = microseconds
        }

        /// The same frame as a capture cut to `n` bytes would hold it.
        public func cut(_ n: Int) -> Frame {
            Frame("\(name) cut at \(n)", Array(bytes.prefix(n)), wireLength: wireLength, microseconds: microseconds)
        }
    }

    // MARK: builders

    public static func be16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    public static func be32(_ v: UInt32) -> [UInt8] { be16(Int(v >> 16)) + be16(Int(v & 0xffff)) }

    public static func checksum(_ b: [UInt8]) -> [UInt8] {
        var s: UInt32 = 0
        var i = 0
        while i < b.count {
            s += UInt32(b[i]) << 8 | (i + 1 < b.count ? UInt32(b[i + 1]) : 0)
            i += 2
        }
        while s >> 16 != 0 { s = (s & 0xffff) + (s >> 16) }
        return be16(Int(~s & 0xffff))
    }

    public static func ethernet(_ type: Int, _ payload: [UInt8]) -> [UInt8] {
        [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1] + be16(type) + payload
    }

    public static func ipv4(_ payload: [UInt8], protocol proto: UInt8, options: [UInt8] = [], totalLength: Int? = nil,
                            flagsAndOffset: Int = 0x4000, id: Int = 0x1234) -> [UInt8] {
        let ihl = (20 + options.count) / 4
        var h: [UInt8] = [0x40 | UInt8(ihl), 0] + be16(totalLength ?? 20 + options.count + payload.count) + be16(id)
            + be16(flagsAndOffset) + [64, proto, 0, 0] + [10, 0, 0, 1] + [10, 0, 0, 2] + options
        let c = checksum(h)
        h[10] = c[0]
        h[11] = c[1]
        return ethernet(0x0800, h + payload)
    }

    /// `payload` starts with any extension headers; `next` is the fixed header's next header.
    public static func ipv6(_ payload: [UInt8], next: UInt8, payloadLength: Int? = nil) -> [UInt8] {
        let h: [UInt8] = [0x60, 0x0a, 0xbc, 0xde] + be16(payloadLength ?? payload.count) + [next, 64]
            + [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]
            + [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [2]
        return ethernet(0x86dd, h + payload)
    }

    public static func tcp(_ payload: [UInt8], options: [UInt8] = [], flags: UInt8 = 0x18) -> [UInt8] {
        let off = (20 + options.count) / 4
        return be16(40000) + be16(9000) + be32(1000) + be32(2000) + [UInt8(off << 4), flags] + be16(512)
            + [0xab, 0xcd] + be16(0) + options + payload
    }

    public static func udp(_ payload: [UInt8], length: Int? = nil) -> [UInt8] {
        be16(5000) + be16(9001) + be16(length ?? 8 + payload.count) + [0x12, 0x34] + payload
    }

    public static let helloBody: [UInt8] = [0, 0, 0, 5] + Array("hello".utf8)
    /// MSS, NOP, WS, SACK_PERM, TS: 20 bytes of options, as a SYN carries them.
    public static let tcpOptions: [UInt8] = [2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10] + be32(111) + be32(222)

    // MARK: the classes

    /// Whole frames whose every prefix is a class: the cut-header frames.
    public static let cuttable: [Frame] = [
        Frame("ipv4 tcp with options", ipv4(tcp(helloBody, options: tcpOptions), protocol: 6)),
        // IHL 15: NOP, RR (39 bytes: pointer and 9 addresses), then EOL.
        Frame("ipv4 with 40 bytes of options", ipv4(tcp(Array("hi".utf8)), protocol: 6,
                                                    options: [1, 7, 39, 4] + Array(repeating: 0, count: 36))),
        Frame("ipv4 udp", ipv4(udp(Array("hi over udp".utf8)), protocol: 17)),
        Frame("ipv4 icmp echo", ipv4([8, 0, 0xf7, 0xfd, 0, 1, 0, 1] + Array("ping".utf8), protocol: 1)),
        // Hop-by-hop (8 bytes: PadN), destination options (8), then UDP.
        Frame("ipv6 extension chain udp", ipv6([60, 0, 1, 4, 0, 0, 0, 0] + [17, 0, 1, 4, 0, 0, 0, 0] + udp(Array("hi".utf8)), next: 0)),
        Frame("ipv6 tcp", ipv6(tcp(helloBody, options: tcpOptions), next: 6)),
    ]

    /// Every prefix of the cuttable frames, as a snaplen would cut them (the wire length stays).
    public static var cuts: [Frame] {
        cuttable.flatMap { f in (14 ..< f.bytes.count).map { f.cut($0) } }
    }

    /// IPv4 options whose length cannot be, inside a header whose length still bounds them.
    public static var badIPv4Options: [Frame] {
        var out: [Frame] = []
        for len: UInt8 in [0, 1, 5, 255] {
            out.append(Frame("ipv4 RR option length \(len)", ipv4(tcp(Array("abc".utf8)), protocol: 6, options: [7, len, 4, 0])))
        }
        // The last option byte is a type with no room for its length.
        out.append(Frame("ipv4 option with no length byte", ipv4(tcp(Array("abc".utf8)), protocol: 6, options: [1, 1, 1, 7])))
        return out
    }

    /// TCP options whose length cannot be (for any kind, or for theirs), inside a header whose
    /// data offset still bounds them.
    public static var badTCPOptions: [Frame] {
        let cases: [(String, [UInt8])] = [
            ("MSS length 3", [2, 3, 5, 1]), ("MSS length 5", [2, 5, 5, 0xb4, 0, 1, 1, 1]),
            ("WS length 2", [3, 2, 1, 1]), ("SACK_PERM length 3", [4, 3, 0, 1]),
            ("SACK length 9", [5, 9] + Array(repeating: 0, count: 7) + [1, 1, 1]),
            ("TS length 9", [8, 9] + Array(repeating: 0, count: 7) + [1, 1, 1]),
            ("kind 30 length 0", [30, 0, 1, 1]), ("kind 30 length 1", [30, 1, 1, 1]),
            ("kind 30 length past the header", [30, 40, 1, 1]),
            ("kind 30 with no length byte", [1, 1, 1, 30]),
        ]
        return cases.map { Frame("tcp option \($0.0)", ipv4(tcp(Array("abc".utf8), options: $0.1), protocol: 6)) }
    }

    /// IP headers that claim more than was on the wire, in frames the capture did not cut.
    public static var lengthsPastTheWire: [Frame] {
        var out: [Frame] = []
        for extra in [1, 100, 65535 - 20 - 20 - 9] {
            out.append(Frame("ipv4 total length \(extra) past the wire",
                             ipv4(tcp(helloBody), protocol: 6, totalLength: 20 + 20 + 9 + extra)))
        }
        for extra in [1, 1000] {
            out.append(Frame("ipv6 payload length \(extra) past the wire", ipv6(udp(Array("hi".utf8)), next: 17, payloadLength: 10 + extra)))
        }
        return out
    }

    /// First fragments (offset 0, more to come) whose rest never comes.
    public static var firstFragments: [Frame] {
        let udpWhole = udp(Array(repeating: 0x61, count: 1000))
        let tcpWhole = tcp(Array(repeating: 0x62, count: 1000), options: tcpOptions)
        func v6Fragment(_ upper: UInt8, _ bytes: [UInt8]) -> [UInt8] {
            ipv6([upper, 0, 0, 1] + be32(0xabcd) + bytes, next: 44)
        }
        return [
            Frame("ipv4 first fragment udp", ipv4(Array(udpWhole.prefix(24)), protocol: 17, flagsAndOffset: 0x2000)),
            Frame("ipv4 first fragment tcp", ipv4(Array(tcpWhole.prefix(48)), protocol: 6, flagsAndOffset: 0x2000)),
            Frame("ipv6 first fragment udp", v6Fragment(17, Array(udpWhole.prefix(24)))),
            Frame("ipv6 first fragment tcp", v6Fragment(6, Array(tcpWhole.prefix(48)))),
            // A first fragment too short for its transport header.
            Frame("ipv4 first fragment with 8 bytes of tcp", ipv4(Array(tcpWhole.prefix(8)), protocol: 6, flagsAndOffset: 0x2000)),
        ]
    }

    /// Sound frames with impossible timestamp fractions.
    public static var impossibleTimes: [Frame] {
        [1_000_000, 1_500_000, 4_294_967_295].map {
            Frame("microseconds \($0)", ipv4(udp(Array("t".utf8)), protocol: 17), microseconds: $0)
        }
    }

    public static var all: [Frame] {
        cuts + badIPv4Options + badTCPOptions + lengthsPastTheWire + firstFragments + impossibleTimes
    }

    /// A classic little-endian µs pcap file (Ethernet) of `frames`, frame i at second i + 1 (or its own `seconds`),
    /// with each record's fraction field as given (impossible ones included).
    public static func pcap(_ frames: [Frame]) -> [UInt8] {
        func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
        var out = le32(0xa1b2_c3d4) + [2, 0, 4, 0] + le32(0) + le32(0) + le32(262_144) + le32(1)
        for (i, f) in frames.enumerated() {
            out += le32(f.seconds ?? UInt32(i + 1)) + le32(f.microseconds) + le32(UInt32(f.bytes.count)) + le32(UInt32(f.wireLength)) + f.bytes
        }
        return out
    }
}
