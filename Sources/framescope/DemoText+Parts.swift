// The sentences of the demo's parts beyond the framed/text exchange (DemoText.swift has those),
// and the per-frame words in each language: the one place for every text the demo prints.
// The Chinese follows the socket lesson's own words: 粘包, 拆包, 报头, 能够接收多个客户端的请求,
// 只出现在tcp协议中, MTU=1500字节, tcp发多大都行 因为会在中途拆分.

import Fuzz
import Render

extension TextLanguage {
    var parts: DemoPartText { self == .zh ? .chinese : .english }
    /// The words of the one-line summaries and trees the demo prints.
    var words: FrameWords { self == .zh ? .chinese : .english }
}

extension FrameWords {
    static let chinese = FrameWords(
        sticky: { n in "一个报文段里有 \(n) 条消息（粘包 sticky）" },
        starts: { n in "开始（共 \(n) 字节）" },
        startsCut: { h in "开始（报头在第 \(h) 字节后被截断）" },
        splitFollows: "：拆包 split，后面还有报文段",
        continues: { k, n in "继续（第 \(k) 段\(n.map { "，共 \($0) 段" } ?? "")，拆包）" },
        ends: { k, n in "结束（第 \(k) 段，共 \(n) 段，拆包）" },
        provisional: "（暂定为 raw：一次 recv() 读到的）",
        headerAt: { o, v in "长度报头在载荷偏移 \(o) 处：\(v)" },
        noHeader: "这个报文段里没有报头开始",
        provisionalDetail: "暂定：到目前为止的字节既不像长度报头也不像按行分隔；把这个报文段当成一条消息显示，就像一次 recv() 读到的那样",
        treeStarts: { n in "开始：报头声明 \(n) 字节，后面还有报文段（拆包）" },
        treeStartsCut: { h in "开始：长度报头在第 \(h) 字节后被截断，后面还有报文段（拆包）" },
        oneMessage: "1 条消息"
    )
}

/// What each new part says. Values in `\(…)` are filled in by the demo.
struct DemoPartText: Sendable {
    /// `demo --list`: one line a part.
    var list: [DemoPart: String]
    var partTitle: @Sendable (_ part: DemoPart, _ what: String) -> String
    var frames: String
    var messages: String
    var capturedTo: @Sendable (_ frames: Int, _ path: String) -> String
    var step: @Sendable (_ next: DemoPart) -> String
    var failed: @Sendable (_ part: DemoPart, _ why: String) -> String

    var turnsTitle: @Sendable (_ port: Int) -> String
    var turns: String
    var turnsAfter: String

    var clientsTitle: @Sendable (_ clients: Int, _ port: Int) -> String
    var clients: String
    var clientLine: @Sendable (_ n: Int, _ port: Int, _ stream: String, _ sent: Int, _ answered: Int) -> String
    var clientsAfter: String

    var udpTitle: @Sendable (_ datagrams: Int, _ port: Int) -> String
    var udp: String
    var datagramLine: @Sendable (_ frame: Int, _ udpLength: Int, _ body: Int, _ text: String) -> String
    var udpAfter: String

    var receiverTitle: @Sendable (_ delay: Int, _ port: Int) -> String
    var receiver: @Sendable (_ gapMs: Int, _ delay: Int) -> String
    var onTheWire: String
    var frameRef: @Sendable (_ frame: Int) -> String
    var serverRead: String
    var receiverAfter: String
    var receiverNotMerged: String

    var naiveTitle: @Sendable (_ naivePort: Int, _ robustPort: Int) -> String
    var naive: String
    var columns: (sent: String, naive: String, robust: String)
    var oneWrite: String
    var noAnswer: String
    var naiveAfter: String

    var splitMTU: @Sendable (_ sizes: String, _ loMTU: Int) -> String

    var mtuTitle: String
    var mtu: String
    var mtuResult: @Sendable (_ segments: Int, _ sizes: String, _ largest: Int) -> String
    var mtuAfter: String
    var mtuSkipped: @Sendable (_ why: String) -> String
    var mtuNeedsRoot: String
    var mtuNoIP: String
    var mtuNoNetns: @Sendable (_ error: String) -> String

    static let english = DemoPartText(
        list: [
            .turns: "the lesson's first chat as it is: bare text in strict turns, one message per segment",
            .sticky: "three messages in ONE write arrive in one segment (sticky packets, 粘包)",
            .split: "a 100,000-byte message over several segments (split, 拆包), against loopback's MTU",
            .clients: "three clients talk to one server at the same time: one stream each, answered apart",
            .udp: "datagrams sent back to back stay one message each: no sticky packets in UDP",
            .receiver: "separate segments, read late in one recv(): sticky on the receiver's side",
            .mtu: "the long message across a veth pair with MTU 1500 (needs root and ip netns)",
            .naive: "the same script to serve text --naive and serve text: answers side by side",
            .fuzz: "the fuzzer against the lesson's naive text server (at most 6 seconds)",
        ],
        partTitle: { part, what in "━━ part \(part.rawValue): \(what)" },
        frames: "Every frame, one line each (framing auto: no hints given):",
        messages: "The messages (framescope messages):",
        capturedTo: { n, path in "\(n) frames, saved to \(path)." },
        step: { next in "— Press Enter for the next part (\(next.rawValue)) —" },
        failed: { part, why in "part \(part.rawValue) did not run as planned: \(why)" },

        turnsTitle: { p in "The lesson's first chat, as it is (a server on 127.0.0.1:\(p))" },
        turns: """
        The server speaks first and the client answers, in turns, with bare text: no length header, \
        no newline — the lesson's conn.send(input().encode('utf-8')) and sk.recv(1024). Both sides \
        here are plain sockets doing exactly that. framescope, given no hint, first shows a segment \
        of bare text as "provisional raw" (it could still be the start of a line or of a \
        length-framed message), and when the other side answers in turn it settles on raw and says why.
        """,
        turnsAfter: """
        It works only because the two sides take turns: each recv(1024) finds exactly one send() \
        waiting. As soon as two sends meet one recv() — the sender writes twice, or the reader is \
        late — they run together (sticky packets, 粘包): see the parts sticky and receiver.
        """,

        clientsTitle: { n, p in "\(n) clients at the same time, one server (serve text on 127.0.0.1:\(p))" },
        clients: """
        The lesson's server talks with one client, then accepts the next. framescope's text server \
        serves many at once: three clients connect together and take turns with it, their messages \
        interleaved in time. In the capture each connection is its own TCP stream — its own client \
        port, its own stream index — and each client gets its own answers.
        """,
        clientLine: { n, port, stream, sent, answered in
            "client \(n): 127.0.0.1:\(port) is stream \(stream): \(sent) messages sent, \(answered) answers, all its own"
        },
        clientsAfter: "Nothing of one conversation leaks into another: the server keeps one reader (and one buffer) per connection.",

        udpTitle: { n, p in "UDP: \(n) datagrams sent back to back (serve udp on 127.0.0.1:\(p))" },
        udp: """
        The client sends its messages back to back without waiting for an answer — over TCP this is \
        how sticky packets happen. Over UDP each sendto() is one datagram with its own UDP header \
        (ports, length, checksum), and each recvfrom() returns exactly one datagram: a datagram is a \
        message, never merged with the next, never split. Sticky packets happen only in TCP \
        (只出现在tcp协议中), because TCP is a byte stream.
        """,
        datagramLine: { f, l, b, t in "frame \(f): one datagram, UDP length \(l) = 8-byte UDP header + \(b) bytes: \(t)" },
        udpAfter: """
        What UDP does not promise: that a datagram arrives, arrives once, or in order. On loopback \
        they all do; across a network, a UDP chat has to cope with loss itself.
        """,

        receiverTitle: { d, p in "Sticky on the receiver's side (serve text --naive --read-delay \(d) on 127.0.0.1:\(p))" },
        receiver: { gap, d in
            """
            Sticky packets happen at the receiver too (接收端): messages that were not read in time \
            pile up in the socket's receive buffer, and the next recv() returns them all. The client \
            writes three lines one by one, \(gap) ms apart: three writes, three segments. The naive \
            server (one recv() = one message) is busy for \(d) ms before each read, like a server doing \
            other work.
            """
        },
        onTheWire: "on the wire (the capture)",
        frameRef: { n in "frame \(n): " },
        serverRead: "the naive server's answer: one recv(), one message",
        receiverAfter: """
        A capture alone cannot show this: on the wire the three messages are cleanly apart — they \
        were merged inside the server, when it read. framescope shows it because it ran the server \
        and heard its answer. The cure is the one for sticky segments: a length header or a \
        delimiter, and a receiver that reads by it, not by recv().
        """,
        receiverNotMerged: "(This time the server's reads did not merge the lines: the machine was too slow or too fast. Run the part again.)",

        naiveTitle: { n, r in "The naive server gets it wrong, the fixed one right (serve text --naive on 127.0.0.1:\(n), serve text on 127.0.0.1:\(r))" },
        naive: """
        The same client script goes to both servers: "hello" and its answer, then three lines in ONE \
        write, then Q. The naive server takes one recv() for one message; the fixed one reads line \
        by line.
        """,
        columns: ("the client sent", "serve text --naive answered", "serve text answered"),
        oneWrite: "(one write)",
        noAnswer: "(no answer)",
        naiveAfter: """
        Three lines, one answer: the naive server merged what TCP delivered together (粘包); the fixed \
        server cut it at each newline and answered each. The capture shows the very same bytes went \
        to both servers.
        """,

        splitMTU: { sizes, mtu in
            """
            The segments that carried it here: \(sizes) bytes. Loopback (lo) has an MTU of \
            \(mtu.formatted) bytes, so pieces this big fit in one packet; Ethernet's MTU is 1,500 bytes, \
            where the same message goes as about 70 segments of 1,448 bytes (the mtu part shows it).
            """
        },

        mtuTitle: "The MTU: the same 100,000-byte message across a veth pair with MTU 1500",
        mtu: """
        Loopback's MTU is 65,536 bytes; Ethernet's is 1,500 (MTU=1500字节): an IP packet of at most \
        1,500 bytes, less 20 bytes of IP header and 32 of TCP header (20 + 12 of timestamps), leaves \
        1,448 bytes of message per segment. The demo made two network namespaces joined by a virtual \
        Ethernet cable (veth) with MTU 1500 and segmentation offload off, ran serve framed in one and \
        framescope chat in the other, and captured inside the server's namespace.
        """,
        mtuResult: { n, sizes, largest in "\(n) segments carried the message: \(sizes). The largest payload: \(largest.formatted) bytes (1,500 − 20 − 32)." },
        mtuAfter: """
        TCP sends as much as you like: it splits on the way (tcp发多大都行 因为会在中途拆分). The \
        receiver reads until it has the bytes the header announced — one recv() is never a message.
        """,
        mtuSkipped: { why in "Skipped: \(why)" },
        mtuNeedsRoot: "making network namespaces needs root (run the demo as root).",
        mtuNoIP: "the ip command (iproute2) is not installed.",
        mtuNoNetns: { e in "ip netns does not work here (a container without the right to make namespaces?): \(e)" }
    )

    static let chinese = DemoPartText(
        list: [
            .turns: "课上第一版聊天程序原样重现：裸文本，严格轮流，一个报文段一条消息",
            .sticky: "一次写入的三条消息装在一个报文段里到达（粘包）",
            .split: "一条 100,000 字节的消息分成几个报文段（拆包），对照回环网卡的 MTU",
            .clients: "三个客户端同时和一个服务器对话：各自一条流，各自收到回复",
            .udp: "连着发出的数据报仍然一个一条消息：UDP 没有粘包",
            .receiver: "分开到达的报文段被迟到的一次 recv() 一起读走：接收端的粘包",
            .mtu: "同一条长消息穿过 MTU 为 1500 的 veth 网线（需要 root 和 ip netns）",
            .naive: "同一个脚本发给 serve text --naive 和 serve text：回复并排对照",
            .fuzz: "模糊测试课上那种朴素的文本服务器（最多 6 秒）",
        ],
        partTitle: { part, what in "━━ 第 \(part.rawValue) 部分：\(what)" },
        frames: "每帧一行（分帧方式 auto：不给任何提示）：",
        messages: "消息（framescope messages）：",
        capturedTo: { n, path in "共 \(n) 帧，已保存到 \(path)。" },
        step: { next in "——按回车键继续下一部分（\(next.rawValue)）——" },
        failed: { part, why in "第 \(part.rawValue) 部分没有按计划运行：\(why)" },

        turnsTitle: { p in "课上第一版聊天程序，原样重现（服务器在 127.0.0.1:\(p)）" },
        turns: """
        服务器先说话，客户端轮流回答，发送的是裸文本——没有长度报头，也没有换行，就是课上的 \
        conn.send(input().encode('utf-8')) 和 sk.recv(1024)。这里两边都是普通的套接字，做的正是这件事。\
        framescope 在不给任何提示时，先把一段裸文本标为“暂定为 raw”（它也可能是一行或一条带报头消息的开头），\
        等另一方按顺序回答后，就确定为 raw，并说明理由。
        """,
        turnsAfter: """
        它能工作，只是因为双方严格轮流：每次 recv(1024) 正好等到一次 send()。一旦两次 send 碰上同一次 \
        recv()——发送方连写两次，或者接收方读晚了——它们就会连在一起（粘包）：见 sticky 和 receiver 两部分。
        """,

        clientsTitle: { n, p in "\(n) 个客户端同时连一个服务器（serve text，127.0.0.1:\(p)）" },
        clients: """
        课上的服务器和一个客户端谈完，才接受下一个。framescope 的文本服务器能够接收多个客户端的请求，\
        而且是同时：三个客户端一起连上来，轮流和它对话，消息在时间上交错。抓包里每个连接是一条独立的 \
        TCP 流——有自己的客户端端口和流编号——每个客户端只收到给自己的回复。
        """,
        clientLine: { n, port, stream, sent, answered in
            "客户端 \(n)：127.0.0.1:\(port) 是第 \(stream) 条流：发出 \(sent) 条消息，收到 \(answered) 条回复，都是它自己的"
        },
        clientsAfter: "一个对话里的东西不会跑到另一个里：服务器为每个连接各有一个读取器（和一个缓冲区）。",

        udpTitle: { n, p in "UDP：连着发出 \(n) 个数据报（serve udp，127.0.0.1:\(p)）" },
        udp: """
        客户端一条接一条地发消息，不等回复——在 TCP 上粘包就是这样产生的。在 UDP 上，每次 sendto() \
        就是一个数据报，带着自己的 UDP 报头（端口、长度、校验和），每次 recvfrom() 恰好收到一个数据报：\
        数据报就是一条消息，不会和下一个合在一起，也不会被拆开。粘包只出现在tcp协议中，因为 TCP 是字节流。
        """,
        datagramLine: { f, l, b, t in "第 \(f) 帧：一个数据报，UDP 长度 \(l) = 8 字节 UDP 报头 + \(b) 字节：\(t)" },
        udpAfter: """
        UDP 不保证的是：数据报一定到达、只到一次、按顺序到达。在回环上这些都成立；跨网络时，UDP \
        聊天程序得自己处理丢包。
        """,

        receiverTitle: { d, p in "接收端的粘包（serve text --naive --read-delay \(d)，127.0.0.1:\(p)）" },
        receiver: { gap, d in
            """
            粘包也会发生在接收端：多条消息由于没有及时接收，在套接字的接收缓冲区里堆在一起，下一次 recv() \
            把它们一起读出来。客户端一行一行地写了三行，每次间隔 \(gap) 毫秒：三次写入，三个报文段。\
            朴素的服务器（一次 recv() 当一条消息）每次读之前都要忙 \(d) 毫秒，就像在做别的事的服务器。
            """
        },
        onTheWire: "线路上（抓包）",
        frameRef: { n in "第 \(n) 帧：" },
        serverRead: "朴素服务器的回复：一次 recv()，一条消息",
        receiverAfter: """
        单靠抓包看不到这一点：线路上三条消息清清楚楚是分开的——合并发生在服务器内部，发生在它读的时候。\
        framescope 能展示出来，是因为服务器是它运行的，它听到了服务器的回复。解决办法和报文段粘包一样：\
        用长度报头或分隔符，接收方按它来读，而不是按 recv() 来读。
        """,
        receiverNotMerged: "（这一次服务器的读取没有把几行合在一起：机器太慢或太快。请再运行一次这一部分。）",

        naiveTitle: { n, r in "朴素的服务器出错，改好的服务器正确（serve text --naive 在 127.0.0.1:\(n)，serve text 在 127.0.0.1:\(r)）" },
        naive: """
        同一个客户端脚本发给两个服务器：先发 "hello" 等回复，再用一次写入发三行，最后发 Q。\
        朴素的服务器把一次 recv() 当成一条消息；改好的服务器按行来读。
        """,
        columns: ("客户端发出", "serve text --naive 的回复", "serve text 的回复"),
        oneWrite: "（一次写入）",
        noAnswer: "（没有回复）",
        naiveAfter: """
        三行，一个回复：朴素的服务器把 TCP 一起送来的东西合成了一条（粘包）；改好的服务器在每个换行处切开，\
        逐条回复。抓包表明两个服务器收到的字节完全一样。
        """,

        splitMTU: { sizes, mtu in
            """
            这一次承载它的报文段：\(sizes) 字节。回环网卡（lo）的 MTU 是 \(mtu.formatted) 字节，\
            这么大的块也能装进一个包；以太网的 MTU=1500字节，同一条消息在那里要分成大约 70 个 1,448 \
            字节的报文段（见 mtu 部分）。
            """
        },

        mtuTitle: "MTU：同一条 100,000 字节的消息穿过 MTU 为 1500 的 veth 网线",
        mtu: """
        回环网卡的 MTU 是 65,536 字节；以太网的 MTU=1500字节：一个 IP 包最多 1,500 字节，去掉 20 字节 \
        IP 首部和 32 字节 TCP 首部（20 + 12 字节时间戳选项），每个报文段剩下 1,448 字节的消息。演示建了两个\
        网络命名空间，用一根 MTU 为 1500、关掉分段卸载的虚拟以太网线（veth）连起来，在一边运行 serve \
        framed，在另一边运行 framescope chat，并在服务器所在的命名空间里抓包。
        """,
        mtuResult: { n, sizes, largest in "这条消息由 \(n) 个报文段承载：\(sizes)。最大的载荷：\(largest.formatted) 字节（1,500 − 20 − 32）。" },
        mtuAfter: """
        tcp发多大都行 因为会在中途拆分。接收方一直读，直到读满报头声明的字节数——一次 recv() 从来不等于一条消息。
        """,
        mtuSkipped: { why in "跳过：\(why)" },
        mtuNeedsRoot: "创建网络命名空间需要 root 权限（请用 root 运行演示）。",
        mtuNoIP: "没有安装 ip 命令（iproute2）。",
        mtuNoNetns: { e in "这里不能用 ip netns（也许是没有创建命名空间权限的容器）：\(e)" }
    )
}

extension Int {
    /// 65536 → "65,536".
    var formatted: String {
        let digits = Array(String(Swift.abs(self)))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(d)
        }
        return (self < 0 ? "-" : "") + out
    }
}
