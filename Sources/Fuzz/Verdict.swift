/// What the oracle concluded about the target after one case (docs/DESIGN.md "Fuzzer").
public enum Verdict: String, CaseIterable, Sendable, Hashable, Comparable {
    /// Still alive, answered right, in time.
    case ok
    /// Connections refused, or the process is gone.
    case crash
    /// Accepts connections, never answers.
    case hang
    /// Nobody else is served while one case's frame is incomplete; served again once it ends.
    case blocksOthers = "blocks_others"
    /// An answer that differs from the right one (the probe's, or the case's own valid messages').
    case wrong
    /// Answers, but far slower than the baseline (confirmed by a second probe).
    case slow
    /// File descriptors or memory of the target grow with the case and stay grown.
    case leak

    public static func < (a: Verdict, b: Verdict) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    public var summary: String {
        switch self {
        case .ok: return "still alive, answered right and in time"
        case .crash: return "connections refused, or the process is gone"
        case .hang: return "accepts connections but never answers"
        case .blocksOthers: return "serves nobody else while one client's message is incomplete"
        case .wrong: return "an answer differs from the right one (the probe's, or the case's own valid messages')"
        case .slow: return "answers far slower than the baseline (confirmed by a second probe)"
        case .leak: return "open files or memory grow with the case and stay grown (needs --pid or --exec)"
        }
    }
}

/// Why a `blocks_others` (or `hang`) happened, where the oracle can see it. The verdict names
/// stay as they are; the cause says which mechanism the oracle saw.
public enum Cause: String, CaseIterable, Sendable, Hashable {
    /// New connections waited (about the SYN retry time) to be accepted while the case's own
    /// connections were pending: the listen backlog is too small or accept() too slow.
    case acceptQueue = "accept_queue"
    /// Connections were accepted at once but nobody was served while one client's message was
    /// incomplete: the lesson's one-client-at-a-time accept/recv loop.
    case serialServer = "serial_server"
}

/// One failing case as the report keeps it (its finding: `findingKey`, Finding.swift).
public struct Failure: Sendable {
    public var fuzzCase: FuzzCase
    /// Position of the case in the run (0-based).
    public var index: Int
    public var verdict: Verdict
    /// What was observed: `the probe was refused; the process exited with status 1`.
    public var detail: String
    /// The target's last standard error lines (with `--exec`).
    public var stderrTail: String
    /// Seconds from the start of the run to the case's verdict.
    public var foundAfter: Double
    /// The mechanism behind the verdict, where the oracle could tell (nil otherwise).
    public var cause: Cause? = nil

    public init(fuzzCase: FuzzCase, index: Int, verdict: Verdict, detail: String, stderrTail: String, foundAfter: Double) {
        self.fuzzCase = fuzzCase
        self.index = index
        self.verdict = verdict
        self.detail = detail
        self.stderrTail = stderrTail
        self.foundAfter = foundAfter
    }

    /// The last non-empty stderr line, digits folded to `#`, at most 120 characters.
    public static func signature(_ stderr: String) -> String {
        let last = stderr.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last(where: { !$0.allSatisfy(\.isWhitespace) }) ?? ""
        var out = ""
        var lastWasDigit = false
        for ch in last.prefix(200) {
            if ch.isNumber {
                if !lastWasDigit { out.append("#") }
                lastWasDigit = true
            } else {
                out.append(ch)
                lastWasDigit = false
            }
        }
        return String(out.prefix(120))
    }
}

/// A language framescope explains itself in (`--lang`, or `LANG`).
public enum TextLanguage: String, CaseIterable, Sendable {
    case en, zh

    /// From `LC_ALL`, `LC_MESSAGES` or `LANG` (the first one set, as the C library reads them):
    /// `zh_CN.UTF-8` and the like choose Chinese; anything else English.
    public static func fromEnvironment(_ env: [String: String]) -> TextLanguage {
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let v = env[name], !v.isEmpty { return v.lowercased().hasPrefix("zh") ? .zh : .en }
        }
        return .en
    }
}

/// What a finding means for the server's author: what the server did, the likely bug in its
/// code, and the fix.
public struct Explanation: Sendable, Hashable {
    public var what: String
    public var bug: String
    public var fix: String
    public var language: TextLanguage

    /// The three as one paragraph (Chinese sentences are not separated by spaces).
    public var text: String { [what, bug, fix].filter { !$0.isEmpty }.joined(separator: language == .zh ? "" : " ") }
}

/// The explanation of a failure in English (the JSON report's `explanation`).
public func explanation(family: Family, verdict: Verdict) -> String {
    explanation(family: family, verdict: verdict, in: .en).text
}

/// The explanation of a failure whose cause the oracle saw: the cause's own text for a
/// `blocks_others` or `hang` with a cause (the numbers are in the failure's `detail`), the table
/// by verdict and family otherwise. JSON, HTML and the terminal explain failures with this.
public func explanation(family: Family, verdict: Verdict, cause: Cause?, in lang: TextLanguage) -> Explanation {
    guard let cause, verdict == .blocksOthers || verdict == .hang else { return explanation(family: family, verdict: verdict, in: lang) }
    func e(_ en: (String, String, String), _ zh: (String, String, String)) -> Explanation {
        let t = lang == .zh ? zh : en
        return Explanation(what: t.0, bug: t.1, fix: t.2, language: lang)
    }
    switch cause {
    case .acceptQueue:
        return e(("New connections waited to be accepted while this case's connections were pending — the listen backlog is too small or accept() too slow; Python's multiprocessing.connection.Listener defaults to 1.",
                  "The kernel queues at most the backlog's count of connections that accept() has not taken; past that a new client's SYN is dropped and retried about a second later.",
                  "Listen with a larger backlog (sock.listen(128), Listener(address, backlog=128)) and accept at once: hand each connection to a thread or task, or to a selector loop."),
                 ("这个用例的连接还在排队时，新的连接要等很久才被 accept()——listen 的半连接池（backlog）太小，或者 accept() 太慢；Python 的 multiprocessing.connection.Listener 默认 backlog 只有 1。",
                  "内核最多替服务器排 backlog 个还没被 accept() 取走的连接；池子满了，新客户端的 SYN 就被丢掉，大约一秒后才重试。",
                  "把 listen 的 backlog 调大（sock.listen(128)，或 Listener(address, backlog=128)），并且立刻 accept：每个连接交给一个线程或任务，或者用 selectors 的事件循环。"))
    case .serialServer:
        return e(("Connections were accepted at once, but nobody was served while one client's message was incomplete.",
                  "The lesson's one-client-at-a-time loop: accept() one client, recv() from it until it is done, and only then accept the next.",
                  "Serve each client on its own thread or task (socketserver.ThreadingTCPServer, asyncio), or run a selector loop over every connection; time out slow senders."),
                 ("连接都立刻被接受了，但只要有一个客户端的消息没发完，其他客户端就都得不到服务。",
                  "这正是课上一次只服务一个客户端的写法：外层的链接循环 accept() 一个客户端，内层的通信循环一直 recv() 到它结束，才回去 accept 下一个。",
                  "每个客户端一个线程或任务（socketserver.ThreadingTCPServer、asyncio），或者用 selectors 对所有连接做事件循环；并给发得慢的客户端设超时。"))
    }
}

/// The one table of explanations, per verdict and family, in each language. The Chinese uses
/// the socket lesson's terms: 粘包 (sticky packets), 拆包 (a split message), 报头 (the header).
public func explanation(family: Family, verdict: Verdict, in lang: TextLanguage) -> Explanation {
    func e(_ en: (String, String, String), _ zh: (String, String, String)) -> Explanation {
        let t = lang == .zh ? zh : en
        return Explanation(what: t.0, bug: t.1, fix: t.2, language: lang)
    }
    switch (verdict, family) {
    case (.crash, .boundaryLength), (.crash, .mutation):
        return e(("The server died on a length header it should have refused.",
                  "Likely a negative or huge declared length reached recv() or an allocation unchecked: a negative length reached recv (recv(n) with n < 0 raises in Python; malloc(n) in C).",
                  "Check 0 <= n <= your limit before reading the body, and answer or close that one client instead of dying."),
                 ("服务器收到一个本该拒绝的长度报头后崩溃了。",
                  "多半是负数或超大的声明长度未经检查就交给了 recv() 或内存分配：负长度传进了 recv（Python 里 recv(n) 的 n < 0 会抛异常；C 里是 malloc(n)）。",
                  "读包体之前先检查 0 <= n <= 上限；出错时回复或关闭这一个客户端，而不是让整个服务器退出。"))
    case (.crash, .relativeLength), (.crash, .truncatedHeader):
        return e(("The server died when a message or its header ended early.",
                  "Likely the header was read with one recv(4) — recv(n) may return fewer than n bytes — or the end of the connection (recv returning 0 bytes) was not handled.",
                  "Read the header and the body with a read-exactly loop that stops on EOF."),
                 ("消息或报头提前结束时，服务器崩溃了。",
                  "多半是只用一次 recv(4) 读报头——recv(n) 可能返回少于 n 个字节（拆包）——或者没处理连接结束（recv 返回 0 字节）。",
                  "用“读满为止”的循环读报头和包体，遇到 EOF 就停。"))
    case (.crash, .writeBoundaries):
        return e(("The server died when a valid message arrived in unusual pieces.",
                  "recv(n) may return fewer than n bytes, or several messages at once (拆包, 粘包), and the code assumed one recv() is one message.",
                  "Read exactly the header, then exactly the body, in loops."),
                 ("合法的消息被切成不寻常的几段送达时，服务器崩溃了。",
                  "recv(n) 可能返回少于 n 个字节，也可能一次返回好几条消息（拆包、粘包），代码却假定一次 recv() 就是一条消息。",
                  "用循环先读满报头，再读满包体。"))
    case (.crash, .body):
        return e(("The server died on a valid frame with an unusual body (empty, NUL bytes, invalid UTF-8, exactly at the limit).",
                  "Likely a strict decode (bytes.decode('utf-8')) or an empty-body special case.",
                  "Decode with errors='replace' or refuse the message politely."),
                 ("报头合法、包体特殊（空、全 NUL、非法 UTF-8、正好到上限）的消息让服务器崩溃了。",
                  "多半是严格解码（bytes.decode('utf-8')）或对空包体的特殊处理出了错。",
                  "用 errors='replace' 解码，或礼貌地拒绝这条消息。"))
    case (.crash, .confusion):
        return e(("The server died when a client spoke another protocol.",
                  "The first bytes (text, HTTP, TLS) were taken as a length header and trusted.",
                  "Check the declared length against your limit and close that client."),
                 ("客户端说的是别的协议时，服务器崩溃了。",
                  "开头的几个字节（文本、HTTP、TLS）被当成了长度报头，而且被直接信任。",
                  "把声明的长度和上限比较，超出就关闭这个客户端。"))
    case (.crash, .connection):
        return e(("The server died when a client connected and closed or reset early.",
                  "recv() returning 0 bytes, or ECONNRESET, was treated as impossible.",
                  "Handle both as the end of that client only."),
                 ("客户端连上后很快关闭或重置连接，服务器崩溃了。",
                  "代码没想到 recv() 会返回 0 字节，或会遇到 ECONNRESET。",
                  "把这两种情况都当作这一个客户端结束来处理。"))
    case (.crash, .udp):
        return e(("The UDP server died on a datagram whose header disagrees with its size.",
                  "The header's length was trusted over the datagram's real size.",
                  "Check len(datagram) >= header size and that the declared length equals the bytes that came."),
                 ("UDP 服务器收到报头与实际大小不符的数据报后崩溃了。",
                  "代码相信了报头里的长度，而不是数据报的真实大小。",
                  "检查 len(datagram) >= 报头大小，并且声明的长度等于实际收到的字节数。"))
    case (.crash, .line):
        return e(("The text server died on an unusual line (very long, no newline, CR only, NUL, invalid UTF-8, a Q variant).",
                  "An unbounded buffer, a missing newline, or a strict decode.",
                  "Read with a bounded buffer, split on \\n, and decode with errors='replace'."),
                 ("文本服务器收到一行特殊的输入（很长、没有换行、只有 CR、NUL、非法 UTF-8、Q 的变体）后崩溃了。",
                  "缓冲区没有上限、没处理缺少换行，或者解码太严格。",
                  "用有上限的缓冲区读，按 \\n 切分，用 errors='replace' 解码。"))
    case (.crash, _):
        return e(("The server process died or stopped accepting connections after this input.", "", ""),
                 ("收到这段输入后，服务器进程退出了或不再接受连接。", "", ""))
    case (.hang, _):
        return e(("The server still accepts connections but answers nobody.",
                  "Likely a read loop that never sees the end: a declared length larger than what came, read with a loop that ignores recv() returning 0 bytes (EOF) and spins, or a single-threaded server stuck on one client.",
                  "Stop reading at EOF, and bound every wait with a timeout."),
                 ("服务器仍然接受连接，但谁都不回复了。",
                  "多半是读循环永远等不到结束：声明的长度比实际发来的多，循环又忽略了 recv() 返回 0 字节（EOF）而空转；或者单线程服务器卡在了一个客户端上。",
                  "遇到 EOF 就停止读取，每次等待都设超时。"))
    case (.blocksOthers, _):
        return e(("While this client's message was incomplete, nobody else was served.",
                  "The server reads one client to the end before the next (a single-threaded accept/recv loop).",
                  "Serve clients concurrently (threads, selectors, asyncio) and time out slow senders."),
                 ("这个客户端的消息还没发完时，其他客户端都得不到服务。",
                  "服务器把一个客户端读到底才去处理下一个（单线程的 accept/recv 循环）。",
                  "并发地服务客户端（线程、selectors、asyncio），并给发得慢的客户端设超时。"))
    case (.wrong, .writeBoundaries), (.wrong, .line):
        return e(("A valid message got a wrong answer because of where TCP cut the stream.",
                  "One recv() was taken for one message, so messages that arrived together were merged (粘包) or one was cut (拆包).",
                  "TCP is a byte stream: frame it with a length header (报头) and read exactly that many bytes."),
                 ("一条合法的消息因为 TCP 在哪里切分字节流而得到了错误的回复。",
                  "代码把一次 recv() 当成一条消息，于是一起到达的消息被合在一起（粘包），或者一条消息被切开（拆包）。",
                  "TCP 是字节流：用长度报头分帧，并且正好读满报头声明的字节数。"))
    case (.wrong, _):
        return e(("An answer differed from the right one.",
                  "The server may have read part of one message as the next header (the rest of the body was read as the next header), or answered a message it should have refused.",
                  "Keep reading the body until it is complete before looking for the next header, and refuse lengths over the limit."),
                 ("有一个回复和正确的回复不一样。",
                  "服务器可能把一条消息的一部分当成了下一个报头（包体剩下的部分被当作下一个报头读了），或者回复了本该拒绝的消息。",
                  "包体读满之后再去读下一个报头；超过上限的长度要拒绝。"))
    case (.slow, _):
        return e(("The server answered, but far slower than its baseline.",
                  "Likely quadratic work per byte (re-scanning or copying the whole buffer for every recv, bytes += chunk) or an unbounded per-message cost.",
                  "Keep an offset into the buffer and drop consumed bytes."),
                 ("服务器回复了，但比基线慢得多。",
                  "多半是每个字节都要做平方级的工作（每次 recv 都重新扫描或复制整个缓冲区，bytes += chunk），或每条消息的开销没有上限。",
                  "在缓冲区里记一个偏移量，丢掉已经处理过的字节。"))
    case (.leak, _):
        return e(("The server's open files or memory grew with each such case and did not come back.",
                  "Likely a socket not closed on an error path, or a buffer kept for a client that went away (preallocated from the declared length).",
                  "Close in a finally block; never allocate what the header claims before checking it."),
                 ("每来一个这样的用例，服务器打开的文件或内存就增长一些，而且不再回落。",
                  "多半是出错路径上没关闭 socket，或者为已经离开的客户端保留了缓冲区（按声明的长度预先分配）。",
                  "在 finally 里关闭；检查报头之前，绝不按它声明的长度分配内存。"))
    case (.ok, _):
        return e(("No failure.", "", ""), ("没有发现问题。", "", ""))
    }
}
