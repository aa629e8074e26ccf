// A TCP conversation written frame by frame (IPv4 on Ethernet, client 10.0.0.1:40000, server
// 10.0.0.2:9000, checksums right), for captures no live run gives on demand: one that begins
// mid-conversation, with segments cut exactly where a test wants them.

public struct SyntheticConversation {
    public private(set) var frames: [WildFrames.Frame] = []
    var clientSeq: UInt32
    var serverSeq: UInt32

    /// `handshake`: begin with SYN, SYN-ACK, ACK; without it the capture begins mid-stream.
    public init(handshake: Bool = false, clientSeq: UInt32 = 1_000_000, serverSeq: UInt32 = 7_000_000) {
        self.clientSeq = clientSeq
        self.serverSeq = serverSeq
        if handshake {
            self.clientSeq &-= 1
            self.serverSeq &-= 1
            add(fromClient: true, [], flags: 0x02)
            self.clientSeq &+= 1
            add(fromClient: false, [], flags: 0x12)
            self.serverSeq &+= 1
            add(fromClient: true, [], flags: 0x10)
        }
    }

    /// One segment of the client's (true) or the server's bytes.
    public mutating func send(fromClient: Bool, _ payload: [UInt8]) {
        add(fromClient: fromClient, payload, flags: 0x18)
        if fromClient { clientSeq &+= UInt32(payload.count) } else { serverSeq &+= UInt32(payload.count) }
    }

    /// `!I` header and body.
    public static func framed(_ body: [UInt8]) -> [UInt8] { WildFrames.be32(UInt32(body.count)) + body }

    mutating func add(fromClient: Bool, _ payload: [UInt8], flags: UInt8) {
        let client: [UInt8] = [10, 0, 0, 1], server: [UInt8] = [10, 0, 0, 2]
        let (src, dst) = fromClient ? (client, server) : (server, client)
        let (sport, dport) = fromClient ? (40000, 9000) : (9000, 40000)
        let seq = fromClient ? clientSeq : serverSeq
        let ack = fromClient ? serverSeq : clientSeq
        var tcp = WildFrames.be16(sport) + WildFrames.be16(dport) + WildFrames.be32(seq) + WildFrames.be32(flags == 0x02 ? 0 : ack)
            + [0x50, flags] + WildFrames.be16(512) + [0, 0] + WildFrames.be16(0) + payload
        let pseudo = src + dst + [0, 6] + WildFrames.be16(tcp.count)
        let c = WildFrames.checksum(pseudo + tcp)
        tcp[16] = c[0]
        tcp[17] = c[1]
        var ip: [UInt8] = [0x45, 0] + WildFrames.be16(20 + tcp.count) + WildFrames.be16(frames.count + 1) + [0x40, 0, 64, 6, 0, 0] + src + dst
        let ic = WildFrames.checksum(ip)
        ip[10] = ic[0]
        ip[11] = ic[1]
        frames.append(WildFrames.Frame("\(frames.count + 1)", WildFrames.ethernet(0x0800, ip + tcp)))
    }

    /// The classic pcap file of the frames so far.
    public var pcap: [UInt8] { WildFrames.pcap(frames) }
}
