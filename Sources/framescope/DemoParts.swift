import Capture
import Chat
import Dispatch
import Framing
import Fuzz
import Inspect
import Render
import Synchronization
import Wire
import Sockets
#if canImport(Glibc)
import Glibc
#endif

/// What every part needs: the language, the style, where its capture goes.
struct DemoContext {
    let language: TextLanguage
    let style: TextStyle
    let out: String
    /// `--part NAME`: the one capture is DIR/demo.pcap; in the whole demo each new part has its own.
    let single: Bool
    /// The mtu part's message size (100,000; smaller for the sample capture).
    var mtuBytes = 100_000

    var say: DemoText { language.text }
    var text: DemoPartText { language.parts }
    var words: FrameWords { language.words }

    func pcapPath(_ part: DemoPart) -> String { single ? out + "/demo.pcap" : out + "/\(part.rawValue).pcap" }

    func emit(_ sink: ByteSink) { _ = sink.withBytes { Terminal.writeAll(fd: 1, $0) } }

    /// The part's heading and first paragraph.
    func open(_ part: DemoPart, _ title: String, _ body: String, into out: ByteSink) {
        style.heading(text.partTitle(part, title), into: out)
        paragraph(body, into: out)
    }

    /// Every frame, then the messages, then where the capture went.
    func show(_ c: DemoCapture, into out: ByteSink) {
        out.write(text.frames + "\n")
        c.renderFrames(words: words, style: style, into: out)
        for n in c.notices { out.write("  note: \(n)\n") }
        out.write("\n" + text.messages + "\n")
        c.renderMessages(style: style, into: out)
        out.write("\n" + text.capturedTo(c.frames.count, c.path) + "\n\n")
    }

    func fail(_ part: DemoPart, _ error: Error) -> Bool {
        Terminal.error(text.failed(part, "\(error)"))
        return false
    }

    func server(_ kind: ChatServerConfig.Kind, naive: Bool = false, readDelay: Int? = nil) throws -> ChatServer {
        var c = ChatServerConfig(kind: kind)
        c.threads = 1
        c.naive = naive
        c.readDelay = readDelay.map { .milliseconds(Int64($0)) }
        return try ChatServer.start(c)
    }
}

extension DemoContext {
    /// The lesson's first chat, as it is: bare text, the server first, strict turns.
    static let serverSays = ["你好，我是服务器", "how are you", "Q"]
    static let clientSays = ["hi server", "fine, 谢谢"]

    func turns() -> Bool {
        let sink = ByteSink()
        do {
            let listener = try DemoListener()
            let port = listener.port
            let c = try DemoCapture.run(filter: "tcp port \(port)", path: pcapPath(.turns)) {
                let served = DemoJob.start {
                    let fd = try listener.accept(within: 5)
                    defer { close(fd) }
                    for (i, line) in Self.serverSays.enumerated() {
                        try demoSend(fd, line)  // conn.send(input().encode('utf-8'))
                        if i < Self.clientSays.count { _ = try demoRecv(fd, within: 5) }  // conn.recv(1024)
                    }
                    _ = try? demoRecv(fd, within: 2)  // the client's close
                }
                let client = try ClientSocket(ChatAddress(host: "127.0.0.1", port: port), udp: false, noDelay: true,
                                              allowRemote: false, timeout: 5)
                defer { client.closeNow() }
                usleep(150_000)  // DemoJob waits 0.1 s before it serves
                for line in Self.clientSays + [nil] {
                    var got: [UInt8] = []
                    guard case .bytes = client.receive(appendingTo: &got, limit: 1024, within: 5) else {
                        throw DemoError("the server did not speak")
                    }
                    if let l = line { guard client.sendAll(Array(l.utf8)) else { throw DemoError("send failed") } }
                }
                client.closeNow()  // the server said Q: the conversation is over
                let deadline = Deadline(after: 5)
                while !served.isFinished, !deadline.hasPassed { usleep(10_000) }
                if let e = served.error { throw DemoError(e) }
            }
            open(.turns, text.turnsTitle(port), text.turns, into: sink)
            show(c, into: sink)
            paragraph(text.turnsAfter, into: sink)
        } catch {
            emit(sink)
            return fail(.turns, error)
        }
        emit(sink)
        return true
    }

    /// Three clients at once, one `serve text`: one stream each, answered apart.
    static let clientCount = 3
    static func clientSays(_ k: Int) -> [String] { ["client \(k): hello", "client \(k): how are you?", "Q"] }

    func clients() -> Bool {
        let sink = ByteSink()
        do {
            let server = try server(.text(.echo))
            defer { server.shutdown() }
            let port = server.port
            let answers = Mutex<[Int: Int]>([:])
            let c = try DemoCapture.run(filter: "tcp port \(port)", path: pcapPath(.clients)) {
                // All connected first, then their turns interleaved: 1, 2, 3, 1, 2, 3, …
                var options = ChatClientOptions(address: ChatAddress(host: "127.0.0.1", port: port), transport: .text)
                options.timeout = 5
                let clients = try (1 ... Self.clientCount).map { _ in try ChatClient(options) }
                defer { clients.forEach { $0.close() } }
                var outcomes = Array(repeating: ChatOutcome(), count: clients.count)
                for turn in 0 ..< 3 {
                    for (i, client) in clients.enumerated() {
                        try client.turn([Self.clientSays(i + 1)[turn]][...], outcome: &outcomes[i]) { _ in }
                        if outcomes[i].timedOut { throw DemoError("client \(i + 1) got no answer") }
                    }
                }
                answers.withLock { a in for (i, o) in outcomes.enumerated() { a[i + 1] = o.replies.count } }
            }
            open(.clients, text.clientsTitle(Self.clientCount, port), text.clients, into: sink)
            show(c, into: sink)
            let got = answers.withLock { $0 }
            for k in 1 ... Self.clientCount {
                let sent = c.messages.filter { $0.direction == .clientToServer && $0.message.body.starts(with: Array("client \(k):".utf8)) }
                guard let first = sent.first?.frames.first else { continue }
                let streams = Set(sent.map(\.stream))
                let all = c.messages.filter { streams.contains($0.stream) && $0.transport == .tcp }
                let names = streams.sorted().map(String.init).joined(separator: ", ")
                sink.write(text.clientLine(k, Int(tcpPorts(c.decoded[first - 1])?.source ?? 0), names,
                                           all.filter { $0.direction == .clientToServer }.count,
                                           min(got[k] ?? 0, all.filter { $0.direction == .serverToClient }.count)) + "\n")
            }
            sink.write("\n")
            paragraph(text.clientsAfter, into: sink)
        } catch {
            emit(sink)
            return fail(.clients, error)
        }
        emit(sink)
        return true
    }

    /// Datagrams sent back to back: one message each.
    static let datagrams = ["one", "two", "three", "four", "five"]

    func udp() -> Bool {
        let sink = ByteSink()
        do {
            let server = try server(.udp)
            defer { server.shutdown() }
            let port = server.port
            let c = try DemoCapture.run(filter: "udp port \(port)", path: pcapPath(.udp)) {
                var options = ChatClientOptions(address: ChatAddress(host: "127.0.0.1", port: port), transport: .udp)
                options.timeout = 5
                let client = try ChatClient(options)
                defer { client.close() }
                var outcome = ChatOutcome()
                try client.turn(Self.datagrams[...], outcome: &outcome) { _ in }  // five sendto() in a row
                if outcome.replies.count < Self.datagrams.count { throw DemoError("\(outcome.replies.count) of \(Self.datagrams.count) datagrams answered") }
            }
            open(.udp, text.udpTitle(Self.datagrams.count, port), text.udp, into: sink)
            show(c, into: sink)
            for n in c.dataFrames where tcpPorts(c.decoded[n - 1]) == nil && udpPorts(c.decoded[n - 1])?.destination == UInt16(port) {
                let body = c.payload(n)
                sink.write(text.datagramLine(n, body.count + 8, body.count, MessageLines.quoted(body, limit: 40)) + "\n")
            }
            sink.write("\n")
            paragraph(text.udpAfter, into: sink)
        } catch {
            emit(sink)
            return fail(.udp, error)
        }
        emit(sink)
        return true
    }
}

/// The TCP ports of a decoded frame, if it has a TCP layer.
func tcpPorts(_ f: DecodedFrame) -> (source: UInt16, destination: UInt16)? {
    guard case .tcp(let h)? = f.layers.first(where: { $0.proto == .tcp })?.header else { return nil }
    return (h.sourcePort, h.destinationPort)
}

/// The UDP ports of a decoded frame, if it has a UDP layer.
func udpPorts(_ f: DecodedFrame) -> (source: UInt16, destination: UInt16)? {
    guard case .udp(let h)? = f.layers.first(where: { $0.proto == .udp })?.header else { return nil }
    return (h.sourcePort, h.destinationPort)
}
