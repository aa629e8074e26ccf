import Foundation
import XCTest

/// A little-endian microsecond pcap of Ethernet/IPv4/TCP frames, written by hand.
struct SyntheticPcap {
    struct Flags: OptionSet {
        let rawValue: UInt8
        static let fin = Flags(rawValue: 1), syn = Flags(rawValue: 2), rst = Flags(rawValue: 4)
        static let psh = Flags(rawValue: 8), ack = Flags(rawValue: 16)
    }
    typealias Host = (Int, Int, Int, Int, Int)

    var data = Data([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0])
    var ipID: UInt16 = 1

    static func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    static func le32(_ v: UInt32) -> [UInt8] { be32(v).reversed() }

    mutating func add(_ src: Host, _ dst: Host, seq: UInt32, ack: UInt32, flags: Flags, window: Int,
                      payload: [UInt8] = [], ms: Int) {
        let tcp: [UInt8] = Self.be16(src.4) + Self.be16(dst.4) + Self.be32(seq) + Self.be32(ack)
            + [0x50, flags.rawValue] + Self.be16(window) + [0, 0, 0, 0] + payload
        var ip: [UInt8] = [0x45, 0] + Self.be16(20 + tcp.count) + Self.be16(Int(ipID)) + [0x40, 0, 64, 6, 0, 0]
            + [src.0, src.1, src.2, src.3].map { UInt8($0) } + [dst.0, dst.1, dst.2, dst.3].map { UInt8($0) }
        var sum = 0
        for i in stride(from: 0, to: 20, by: 2) { sum += Int(ip[i]) << 8 | Int(ip[i + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        ip[10 ... 11] = Self.be16(~sum & 0xffff)[0 ... 1]
        ipID &+= 1
        let frame: [UInt8] = [0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 8, 0] + ip + tcp
        let t = 1_800_000_000 * 1_000_000 + UInt64(ms) * 1000
        data += Self.le32(UInt32(t / 1_000_000)) + Self.le32(UInt32(t % 1_000_000))
            + Self.le32(UInt32(frame.count)) + Self.le32(UInt32(frame.count)) + frame
    }
}
