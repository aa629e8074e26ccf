// TCP payloads from the project's own loopback capture of the lesson's length-framed chat
// (tools/lesson_chat.py: Python struct.pack('!I', n) headers, Q to quit), one array a segment:
//
//   tshark -r captures/tcp-chat-ipv4.pcap -Y 'tcp.len>0' -T fields \
//          -e frame.number -e tcp.srcport -e tcp.dstport -e tcp.seq -e tcp.payload
//
// (made by tools/make-captures.sh; tcpdump -nn -r gives the one-line summaries below)

enum ChatCapture {
    // 07:35:14.692205 IP 127.0.0.1.37970 > 127.0.0.1.9000: Flags [P.], seq 1:10, ack 1, win 64, options [nop,nop,TS val 4223180771 ecr 3583748611], length 9
    // 07:35:14.712443 IP 127.0.0.1.37970 > 127.0.0.1.9000: Flags [P.], seq 10:26, ack 16, win 64, options [nop,nop,TS val 4223180791 ecr 3583748611], length 16
    // 07:35:14.732714 IP 127.0.0.1.37970 > 127.0.0.1.9000: Flags [P.], seq 26:45, ack 38, win 64, options [nop,nop,TS val 4223180812 ecr 3583748632], length 19
    // 07:35:14.752974 IP 127.0.0.1.37970 > 127.0.0.1.9000: Flags [P.], seq 45:50, ack 63, win 64, options [nop,nop,TS val 4223180832 ecr 3583748652], length 5
    static let clientSegments: [[UInt8]] = [
        [0x00, 0x00, 0x00, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f],                                     // frame 4
        [0x00, 0x00, 0x00, 0x0c, 0x68, 0x6f, 0x77, 0x20, 0x61, 0x72, 0x65, 0x20, 0x79, 0x6f, 0x75, 0x3f],  // frame 8
        [0x00, 0x00, 0x00, 0x0f, 0xe4, 0xbd, 0xa0, 0xe5, 0xa5, 0xbd, 0xef, 0xbc, 0x8c, 0xe4, 0xb8, 0x96,
         0xe7, 0x95, 0x8c],                                                                           // frame 10
        [0x00, 0x00, 0x00, 0x01, 0x51],                                                               // frame 12
    ]
    // 07:35:14.692252 IP 127.0.0.1.9000 > 127.0.0.1.37970: Flags [P.], seq 1:16, ack 10, win 64, options [nop,nop,TS val 3583748611 ecr 4223180771], length 15
    // 07:35:14.712537 IP 127.0.0.1.9000 > 127.0.0.1.37970: Flags [P.], seq 16:38, ack 26, win 64, options [nop,nop,TS val 3583748632 ecr 4223180791], length 22
    // 07:35:14.732791 IP 127.0.0.1.9000 > 127.0.0.1.37970: Flags [P.], seq 38:63, ack 45, win 64, options [nop,nop,TS val 3583748652 ecr 4223180812], length 25
    // 07:35:14.753095 IP 127.0.0.1.9000 > 127.0.0.1.37970: Flags [P.], seq 63:68, ack 50, win 64, options [nop,nop,TS val 3583748672 ecr 4223180832], length 5
    static let serverSegments: [[UInt8]] = [
        [0x00, 0x00, 0x00, 0x0b, 0x65, 0x63, 0x68, 0x6f, 0x3a, 0x20, 0x68, 0x65, 0x6c, 0x6c, 0x6f],  // frame 6
        [0x00, 0x00, 0x00, 0x12, 0x65, 0x63, 0x68, 0x6f, 0x3a, 0x20, 0x68, 0x6f, 0x77, 0x20, 0x61, 0x72,
         0x65, 0x20, 0x79, 0x6f, 0x75, 0x3f],                                                         // frame 9
        [0x00, 0x00, 0x00, 0x15, 0x65, 0x63, 0x68, 0x6f, 0x3a, 0x20, 0xe4, 0xbd, 0xa0, 0xe5, 0xa5, 0xbd,
         0xef, 0xbc, 0x8c, 0xe4, 0xb8, 0x96, 0xe7, 0x95, 0x8c],                                     // frame 11
        [0x00, 0x00, 0x00, 0x01, 0x51],                                                               // frame 13
    ]
}
