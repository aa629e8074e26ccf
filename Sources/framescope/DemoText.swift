// Every sentence `framescope demo` says, in each language it speaks. To add a language: add a
// case to `TextLanguage` (Sources/Fuzz), a `DemoText` value for it, its `LANG` prefix in
// `fromEnvironment`, and its column in the fuzzer's explanation table.
// The Chinese uses the socket lesson's own terms: 粘包 (sticky packets), 拆包 (a split message),
// 报头 (the length header).

import Fuzz

/// The demo speaks the languages the fuzzer's explanations do (`--lang`, or `LANG`).
typealias DemoLanguage = TextLanguage

extension TextLanguage {
    var text: DemoText { self == .zh ? .chinese : .english }
}

/// What the demo tells the reader, section by section. Values in `\(…)` are filled in by the
/// demo; the words around them are all here.
struct DemoText: Sendable {
    var title: @Sendable (_ framedPort: Int, _ textPort: Int) -> String
    var captured: @Sendable (_ frames: Int, _ path: String) -> String
    var header: String
    var everyFrame: @Sendable (_ path: String) -> String
    var stickyTitle: @Sendable (_ frame: Int) -> String
    var sticky: String
    var splitTitle: @Sendable (_ frame: Int, _ parts: Int, _ bytes: Int) -> String
    var split: @Sendable (_ firstSegment: Int) -> String
    var messagesTitle: @Sendable (_ path: String) -> String
    var messages: String
    var ladderTitle: @Sendable (_ stream: Int, _ svg: String) -> String
    var fix: String
    var textServer: String
    var noSticky: String
    var noSplit: String
    var tryNext: @Sendable (_ path: String) -> String
    var fuzzTitle: @Sendable (_ seconds: Int) -> String
    var fuzz: String
    var fuzzResult: @Sendable (_ cases: Int, _ findings: Int) -> String
    var fuzzReport: @Sendable (_ path: String) -> String

    static let english = DemoText(
        title: { f, t in
            "framescope demo: a length-framed chat server on 127.0.0.1:\(f) and a text chat server on 127.0.0.1:\(t), "
                + "each talking to a scripted client, captured live on lo."
        },
        captured: { n, path in " \(n) frames were captured and saved to \(path)." },
        header: """
        The framed server speaks the lesson's protocol: every message is a 4-byte big-endian length \
        header — Python's struct.pack('!I', len(body)) — then the body. The client sent: one message \
        and waited for the answer; three short messages in ONE write; a message of 100,000 bytes; Q.
        """,
        everyFrame: { path in "1. Every frame, one line each (framescope read \(path)). After the | is what the frame holds of the messages (layers 5-7): whole, starting, continuing or ending." },
        stickyTitle: { n in "2. Frame \(n), layer by layer (framescope read -V): three messages in one segment — sticky packets" },
        sticky: """
        TCP is a byte stream: it keeps no message boundaries. The three messages the client wrote at \
        once left in ONE segment, so one recv() on the server may return all three. A program that \
        takes one recv() for one message (the lesson's first chat) would see one long message here. \
        framescope marks such a segment "sticky" and shows where each message starts.
        """,
        splitTitle: { n, parts, bytes in "3. Frame \(n): the first of \(parts) segments of one \(bytes)-byte message — a split message" },
        split: { first in
            """
            TCP cut the long message into several segments: how much goes in one depends on the \
            segment size (on Ethernet about 1,460 bytes), on how much the receiver said it can take, \
            and on how the kernel handed the write over — here the first piece is \(first) bytes. One \
            recv() returns only part of it; the receiver must keep reading until it has all the bytes \
            the header announced.
            """
        },
        messagesTitle: { path in "4. The messages, as a correct receiver sees them (framescope messages \(path))" },
        messages: "Each line is one application message, with the frames that carried it: sticky and split are named.",
        ladderTitle: { stream, svg in "5. The ladder of the framed conversation (stream \(stream); framescope follow --ladder; the picture is \(svg))" },
        fix: """
        The fix the framed server uses: read exactly 4 header bytes, decode the length n, then read \
        exactly n more bytes, in a loop — however TCP cut or glued the segments. It also refuses a \
        length over its limit, and a message that stops half way (see framescope serve --help).
        """,
        textServer: """
        The text server cuts messages at "\\n" instead of a length header: the same problem, solved \
        with a delimiter. Its messages are in the list above too.
        """,
        noSticky: "(This run had no segment with several messages in it: the kernel sent each write on its own. Run the demo again.)",
        noSplit: "(This run cut no message over several segments.)",
        tryNext: { path in
            """
            Try next:
              framescope read \(path) --json | head -3     every field of every layer, as JSON
              framescope messages \(path) --framing raw    the naive view: one segment = one message
              framescope serve text --naive &                one recv() = one message, the lesson's bug
              framescope chat 127.0.0.1:9000 --text --burst 3 --send a b c --timeout 1
                                                             three lines, ONE merged answer (then the
                                                             client waits in vain for the other two)
            """
        },
        fuzzTitle: { s in "6. The fuzzer (at most \(s) seconds) against the lesson's naive text server: one recv() = one message" },
        fuzz: """
        framescope fuzz throws framing abuse at a running server — lines in one write, one line over \
        many writes, very long lines, no newline — and after every case checks that the server still \
        answers a fresh client right and in time. Each distinct finding comes with the bytes, a \
        minimised input, the command that plays it again, and what to fix.
        """,
        fuzzResult: { n, f in "\(n) cases, \(f) distinct finding\(f == 1 ? "" : "s"):" },
        fuzzReport: { path in "The whole report, with each finding's bytes and ladder diagram: \(path) (open it in a browser)." }
    )

    static let chinese = DemoText(
        title: { f, t in
            "framescope 演示：127.0.0.1:\(f) 上一个带长度报头的聊天服务器，127.0.0.1:\(t) 上一个文本聊天服务器，"
                + "各自与一个脚本客户端对话，在 lo 网卡上实时抓包。"
        },
        captured: { n, path in "共抓到 \(n) 帧，已保存到 \(path)。" },
        header: """
        带报头的服务器用的是课上的协议：每条消息前面是 4 字节大端序的长度报头——\
        也就是 Python 的 struct.pack('!I', len(body))——后面才是消息体。客户端依次发送了：\
        一条消息（等回复后再发下一条）；三条短消息，用一次 send 发出；一条 100,000 字节的长消息；最后是 Q。
        """,
        everyFrame: { path in "1. 每帧一行（framescope read \(path)）。| 后面是这一帧装着的消息（第 5–7 层）：完整的、开始的、中间的或结束的部分。" },
        stickyTitle: { n in "2. 第 \(n) 帧逐层解析（framescope read -V）：一个报文段里有三条消息——粘包" },
        sticky: """
        TCP 是字节流，不保留消息边界。客户端一次写出的三条消息装在同一个报文段里发出，\
        服务器的一次 recv() 可能把三条一起读到。把一次 recv() 当成一条消息的程序（课上第一版聊天程序）\
        在这里会看到一条很长的消息。framescope 把这样的报文段标为 sticky（粘包），并指出每条消息从哪里开始。
        """,
        splitTitle: { n, parts, bytes in "3. 第 \(n) 帧：一条 \(bytes) 字节消息的 \(parts) 个报文段中的第一个——拆包" },
        split: { first in
            """
            TCP 把这条长消息拆成了几个报文段：一个报文段装多少，取决于报文段大小（以太网上约 1,460 字节）、\
            接收方声明还能接收多少，以及内核怎样交出这次写入——这里第一段是 \(first) 字节。\
            一次 recv() 只能拿到一部分；接收方必须继续读，直到读满报头声明的字节数。
            """
        },
        messagesTitle: { path in "4. 正确的接收方看到的消息（framescope messages \(path)）" },
        messages: "每行是一条应用层消息，以及承载它的帧：粘包（sticky）和拆包（split）都会标出。",
        ladderTitle: { stream, svg in "5. 带报头对话的时序图（第 \(stream) 条流；framescope follow --ladder；图片见 \(svg)）" },
        fix: """
        带报头的服务器用的解决办法：先恰好读 4 字节报头，解出长度 n，再恰好读 n 字节，循环往复——\
        不管 TCP 怎样拆开或粘连报文段。它还会拒绝超过上限的长度，以及只发了一半的消息（见 framescope serve --help）。
        """,
        textServer: """
        文本服务器用 "\\n" 而不是长度报头来切分消息：同一个问题，用分隔符解决。它的消息也在上面的列表里。
        """,
        noSticky: "（这一次没有出现一个报文段装多条消息的情况：内核把每次写入分别发出了。请再运行一次演示。）",
        noSplit: "（这一次没有消息被拆成多个报文段。）",
        tryNext: { path in
            """
            接下来可以试试：
              framescope read \(path) --json | head -3     以 JSON 查看每一层的每个字段
              framescope messages \(path) --framing raw    朴素（错误）的读法：一个报文段就是一条消息
              framescope serve text --naive &                一次 recv() 当一条消息，也就是课上的那个 bug
              framescope chat 127.0.0.1:9000 --text --burst 3 --send a b c --timeout 1
                                                             三行一次发出，只收到一条合并的回复
                                                             （客户端随后白等另外两条回复）
            """
        },
        fuzzTitle: { s in "6. 模糊测试（最多 \(s) 秒）：对象是课上那种朴素的文本服务器（一次 recv() 当一条消息）" },
        fuzz: """
        framescope fuzz 向正在运行的服务器发送各种分帧上的“刁难”——一次写入好几行、一行分多次写入、\
        超长的行、没有换行——每个用例之后都检查服务器是否还能正确、及时地回复一个新的客户端。\
        每个不同的发现都附带发送的字节、最小化后的输入、重放它的命令，以及该怎么修。
        """,
        fuzzResult: { n, f in "\(n) 个用例，\(f) 个不同的发现：" },
        fuzzReport: { path in "完整报告（含每个发现的字节和时序图）：\(path)（用浏览器打开）。" }
    )
}
