/// What the oracle concluded about the target after one case (DESIGN.md "Fuzzer").
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

/// One failing case as the report keeps it.
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

    public init(fuzzCase: FuzzCase, index: Int, verdict: Verdict, detail: String, stderrTail: String, foundAfter: Double) {
        self.fuzzCase = fuzzCase
        self.index = index
        self.verdict = verdict
        self.detail = detail
        self.stderrTail = stderrTail
        self.foundAfter = foundAfter
    }

    /// The distinct finding this failure belongs to: family, verdict, and what the target said
    /// last on standard error, with the numbers taken out.
    public var findingKey: String {
        "\(fuzzCase.family.rawValue) \(verdict.rawValue) \(Failure.signature(stderrTail))"
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

/// What a failure means for the server's author: the likely bug and its fix, per family and
/// verdict.
public func explanation(family: Family, verdict: Verdict) -> String {
    switch (verdict, family) {
    case (.crash, .boundaryLength), (.crash, .mutation):
        return "The server died on a length header it should have refused. Likely a negative or huge declared length reached recv() or an allocation unchecked (recv(n) with n < 0 raises in Python; malloc(n) in C). Check 0 <= n <= your limit before reading the body, and answer or close that one client instead of dying."
    case (.crash, .relativeLength), (.crash, .truncatedHeader):
        return "The server died when a message or its header ended early. Likely the header was read with one recv(4) — recv(n) may return fewer than n bytes — or the end of the connection (recv returning 0 bytes) was not handled. Read the header and the body with a read-exactly loop that stops on EOF."
    case (.crash, .writeBoundaries):
        return "The server died when a valid message arrived in unusual pieces: recv(n) may return fewer than n bytes, or several messages at once (拆包, 粘包). Read exactly the header, then exactly the body, in loops."
    case (.crash, .body):
        return "The server died on a valid frame with an unusual body (empty, NUL bytes, invalid UTF-8, exactly at the limit). Likely a strict decode (bytes.decode('utf-8')) or an empty-body special case. Decode with errors='replace' or refuse the message politely."
    case (.crash, .confusion):
        return "The server died when a client spoke another protocol: the first bytes were taken as a length. Check the declared length against your limit and close that client."
    case (.crash, .connection):
        return "The server died when a client connected and closed or reset early. Handle recv() returning 0 bytes and ECONNRESET as the end of that client only."
    case (.crash, .udp):
        return "The UDP server died on a datagram whose header disagrees with its size. Check len(datagram) >= header size and that the declared length equals the bytes that came."
    case (.crash, .line):
        return "The text server died on an unusual line (very long, no newline, CR only, NUL, invalid UTF-8, a Q variant). Read with a bounded buffer, split on \\n, and decode with errors='replace'."
    case (.crash, _):
        return "The server process died or stopped accepting connections after this input."
    case (.hang, _):
        return "The server still accepts connections but answers nobody. Likely a read loop that never sees the end: a declared length larger than what came, read with a loop that ignores recv() returning 0 bytes (EOF) and spins, or a single-threaded server stuck on one client. Stop reading at EOF, and bound every wait with a timeout."
    case (.blocksOthers, _):
        return "While this client's message was incomplete, nobody else was served: the server reads one client to the end before the next (a single-threaded accept/recv loop). Serve clients concurrently (threads, selectors, asyncio) and time out slow senders."
    case (.wrong, .writeBoundaries), (.wrong, .line):
        return "A valid message got a wrong answer because of where TCP cut the stream: one recv() was taken for one message, so messages that arrived together were merged (粘包) or one was cut (拆包). TCP is a byte stream: frame it with a length header (报头) and read exactly that many bytes."
    case (.wrong, _):
        return "An answer differed from the right one. The server may have read part of one message as the next header, or answered for a message it should have refused."
    case (.slow, _):
        return "The server answered, but far slower than its baseline. Likely quadratic work per byte (re-scanning or copying the whole buffer for every recv, bytes += chunk) or an unbounded per-message cost. Keep an offset into the buffer and drop consumed bytes."
    case (.leak, _):
        return "The server's open files or memory grew with each such case and did not come back. Likely a socket not closed on an error path, or a buffer kept for a client that went away (preallocated from the declared length). Close in a finally block; never allocate what the header claims before checking it."
    case (.ok, _):
        return "No failure."
    }
}
