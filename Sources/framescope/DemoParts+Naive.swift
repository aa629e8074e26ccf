import Capture
import Chat
import Dispatch
import Render
import Synchronization
import Sockets
#if canImport(Glibc)
import Glibc
#endif

extension DemoContext {
    static let lateLines = ["one", "two", "three"]
    static let lateGapMs = 50
    static let readDelayMs = 300

    /// Sticky on the receiver's side: three lines in three segments, read late by the naive
    /// server in one recv(). The capture shows the segments; the server's answer shows the merge.
    func receiver() -> Bool {
        let sink = ByteSink()
        do {
            let server = try server(.text(.echo), naive: true, readDelay: Self.readDelayMs)
            defer { server.shutdown() }
            let port = server.port
            let answers = Mutex<[String]>([])
            let c = try DemoCapture.run(filter: "tcp port \(port)", path: pcapPath(.receiver)) {
                let client = try ClientSocket(ChatAddress(host: "127.0.0.1", port: port), udp: false, noDelay: true,
                                              allowRemote: false, timeout: 5)
                defer { client.closeNow() }
                for (i, line) in Self.lateLines.enumerated() {
                    if i > 0 { usleep(useconds_t(Self.lateGapMs * 1000)) }
                    guard client.sendAll(Array((line + "\n").utf8)) else { throw DemoError("send failed") }
                }
                var got = demoLines(client, expected: Self.lateLines.count, quiet: Double(Self.readDelayMs) / 1000 + 0.2)
                guard client.sendAll(Array("Q\n".utf8)) else { throw DemoError("send failed") }
                got += demoLines(client, expected: 1)
                answers.withLock { $0 = got }
            }
            open(.receiver, text.receiverTitle(Self.readDelayMs, port), text.receiver(Self.lateGapMs, Self.readDelayMs), into: sink)
            show(c, into: sink)
            // Side by side: the segments the client's lines travelled in, and what the server made of them.
            // The client's lines: its data segments before the server's first answer.
            let firstAnswer = c.dataFrames.first { tcpPorts(c.decoded[$0 - 1])?.source == UInt16(port) } ?? Int.max
            let sent = c.dataFrames.filter { $0 < firstAnswer && tcpPorts(c.decoded[$0 - 1])?.destination == UInt16(port) }
            let heard = answers.withLock { $0 }.filter { $0 != "bye" }
            sink.write("  " + padded(text.onTheWire, 44) + text.serverRead + "\n")
            for row in 0 ..< max(sent.count, heard.count) {
                let left = row < sent.count ? text.frameRef(sent[row]) + MessageLines.quoted(c.payload(sent[row]), limit: 30) : ""
                let right = row < heard.count ? "\"" + heard[row] + "\"" : ""
                sink.write("  " + padded(left, 44) + right + "\n")
            }
            sink.write("\n")
            if !heard.contains(where: { $0.contains("\\n") }) { paragraph(text.receiverNotMerged, into: sink) }
            paragraph(text.receiverAfter, into: sink)
        } catch {
            emit(sink)
            return fail(.receiver, error)
        }
        emit(sink)
        return true
    }

    /// The same script to `serve text --naive` and `serve text`: "hello", three lines in one
    /// write, Q.
    static let naiveScript: [[String]] = [["hello"], ["one", "two", "three"], ["Q"]]

    func naive() -> Bool {
        let sink = ByteSink()
        do {
            let naive = try server(.text(.echo), naive: true)
            defer { naive.shutdown() }
            let robust = try server(.text(.echo))
            defer { robust.shutdown() }
            let replies = Mutex<[[[String]]]>([])
            let c = try DemoCapture.run(filter: "tcp port \(naive.port) or tcp port \(robust.port)", path: pcapPath(.naive)) {
                var all: [[[String]]] = []
                for port in [naive.port, robust.port] {
                    let client = try ClientSocket(ChatAddress(host: "127.0.0.1", port: port), udp: false, noDelay: true,
                                                  allowRemote: false, timeout: 5)
                    defer { client.closeNow() }
                    var turns: [[String]] = []
                    for turn in Self.naiveScript {
                        guard client.sendAll(Array(turn.map { $0 + "\n" }.joined().utf8)) else { throw DemoError("send failed") }
                        turns.append(demoLines(client, expected: turn.count))
                    }
                    all.append(turns)
                }
                replies.withLock { $0 = all }
            }
            open(.naive, text.naiveTitle(naive.port, robust.port), text.naive, into: sink)
            show(c, into: sink)
            let got = replies.withLock { $0 }
            let w = 30
            sink.write("  " + padded(text.columns.sent, w) + padded(text.columns.naive, w + 4) + text.columns.robust + "\n")
            for (t, turn) in Self.naiveScript.enumerated() {
                let naiveSaid = got.count > 0 && t < got[0].count ? got[0][t] : []
                let robustSaid = got.count > 1 && t < got[1].count ? got[1][t] : []
                for row in 0 ..< max(turn.count, naiveSaid.count, robustSaid.count, 1) {
                    var left = row < turn.count ? "\"\(turn[row])\"" : ""
                    if row == 0, turn.count > 1 { left += " " + text.oneWrite }
                    let mid = row < naiveSaid.count ? "\"\(naiveSaid[row])\"" : row == 0 ? text.noAnswer : ""
                    let right = row < robustSaid.count ? "\"\(robustSaid[row])\"" : row == 0 ? text.noAnswer : ""
                    sink.write("  " + padded(left, w) + padded(mid, w + 4) + right + "\n")
                }
            }
            sink.write("\n")
            paragraph(text.naiveAfter, into: sink)
        } catch {
            emit(sink)
            return fail(.naive, error)
        }
        emit(sink)
        return true
    }
}
