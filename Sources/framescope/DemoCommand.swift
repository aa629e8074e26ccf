import ArgumentParser
import Capture
import Chat
import Dispatch
import Framing
import Inspect
import Render
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// The README's first command: a short loopback exchange that framescope makes itself, captured
/// live on `lo` and decoded on screen. (The chat servers of issue 4 will take the peers' place.)
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Capture a short loopback chat that framescope makes itself, and decode it.",
        discussion: """
        Starts a TCP peer and a UDP peer on 127.0.0.1, captures on lo with a filter for their \
        ports, has a client talk to them — length-framed messages (Python's struct.pack('!I', n)), \
        three of them in one write, one of 100,000 bytes, then Q — and prints every frame, the \
        OSI tree of two of them and a hex dump. The capture is kept in the output folder.
        Needs root (capture), like `live`.
        """
    )

    @Option(help: "Folder for the capture file.")
    var out = "framescope-demo"

    func run() throws {
        StopSignal.install()
        let tcp: LoopbackSocket, udp: LoopbackSocket
        do {
            tcp = try LoopbackSocket.listen(.v4)
            udp = try LoopbackSocket.udp(.v4)
        } catch {
            Terminal.error("cannot open loopback sockets: \(error)")
            throw ExitCode(2)
        }
        let tcpPort = tcp.localPort, udpPort = udp.localPort
        let capture: LiveCapture
        do {
            capture = try LiveCapture(interface: "lo", bufferSize: 32 << 20, filter: "tcp port \(tcpPort) or udp port \(udpPort)")
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        defer { capture.close() }

        let done = DemoTraffic.start(tcp: tcp, udp: udp)
        var frames: [(RawFrameCopy)] = []
        var finishedAt: Double? = nil
        let giveUp = monotonicSeconds() + 15
        while !StopSignal.requested, monotonicSeconds() < giveUp {
            if finishedAt == nil, done.isFinished { finishedAt = monotonicSeconds() }
            if let f = finishedAt, monotonicSeconds() - f > 0.3 { break }
            guard let next = try? capture.next() else { break }
            if case .frame(let raw) = next { frames.append(RawFrameCopy(raw)) }
        }
        if let e = done.error { Terminal.error("the demo exchange failed: \(e)") }

        mkdir(out, 0o755)
        let path = out + "/demo.pcap"
        do {
            let w = try PcapWriter(path: path, linkType: capture.linkType, snaplen: capture.snaplen)
            for f in frames { try f.withRaw { try w.write($0) } }
            try w.close()
        } catch {
            Terminal.error("\(error)")
        }

        let style = TextStyle(colour: Terminal.colourWanted(fd: 1))
        let sink = ByteSink()
        var dissector = Dissector()
        var decoded = DecodedFrame()
        sink.write("""
        framescope demo: a client talked to a TCP peer on 127.0.0.1:\(tcpPort) and a UDP peer on \
        127.0.0.1:\(udpPort); \(frames.count) frames were captured on lo and saved to \(path).

        Every message is framed like Python's struct.pack('!I', len(body)) + body: a 4-byte \
        big-endian length, then the body. One line a frame (as `framescope read \(path)` prints):


        """)
        var biggest = -1, burst = -1, biggestLen = 0
        // The TCP peer speaks !I; the UDP datagrams are plain text (one datagram, one message).
        let pipeline = MessagePipeline(framing: FramingChoice(
            defaultSpec: FrameSpec(.raw),
            portSpecs: [tcpPort: FrameSpec(.length(width: 4, signed: false, order: .big, orderChar: "!"))]))
        var views: [FrameView] = []
        for (i, f) in frames.enumerated() {
            f.withRaw { raw in
                dissector.decode(raw.bytes, linkType: raw.linkType, into: &decoded)
                let view = pipeline.annotate(number: i + 1, timestamp: raw.timestamp, frame: &decoded, bytes: raw.bytes, dissector: &dissector)
                views.append(view)
                OneLine.render(info(raw, i + 1), decoded, view: view, style: style, into: sink)
                let n = decoded.payloadRange?.count ?? 0
                if n > biggestLen { biggestLen = n; biggest = i }
                if burst < 0, n == 3 * (4 + 5) { burst = i }
            }
        }
        for (i, why) in [(burst, "three messages the client wrote at once arrived in ONE segment: TCP keeps no message boundaries (sticky packets)."),
                         (biggest, "the largest segment: a long message, which TCP may carry in several segments.")] where i >= 0 {
            sink.write("\nFrame \(i + 1), layer by layer (framescope read \(path) -V): \(why)\n")
            frames[i].withRaw { raw in
                dissector.decode(raw.bytes, linkType: raw.linkType, into: &decoded)
                OSITree.render(info(raw, i + 1), decoded, payload: raw.bytes, view: views[i], style: style, into: sink)
                if i == burst {
                    sink.write("\nThe same frame in hex (-x): each line ends with the layers that start in it.\n")
                    HexDump.render(raw.bytes, layers: decoded.layers, payload: decoded.payloadRange, style: style, into: sink)
                }
            }
        }
        sink.write("\nTry: framescope read \(path) --json | head -3     framescope live 'tcp port 9000'\n")
        _ = sink.withBytes { Terminal.writeAll(fd: 1, $0) }
        if done.error != nil { throw ExitCode(1) }
    }

    func info(_ raw: RawFrame, _ n: Int) -> FrameInfo {
        FrameInfo(number: n, timestamp: raw.timestamp, capturedLength: raw.caplen, wireLength: raw.len, linkType: raw.linkType)
    }
}

/// A captured frame copied out of libpcap's buffer.
struct RawFrameCopy {
    var timestamp: Timestamp
    var len: Int
    var linkType: LinkType
    var bytes: [UInt8]

    init(_ raw: RawFrame) {
        timestamp = raw.timestamp
        len = raw.len
        linkType = raw.linkType
        bytes = Array(raw.bytes)
    }

    func withRaw<T>(_ body: (RawFrame) throws -> T) rethrows -> T {
        try bytes.withUnsafeBytes { try body(RawFrame(timestamp: timestamp, len: len, linkType: linkType, bytes: $0)) }
    }
}

/// The demo's scripted peers, on background threads, bounded by socket timeouts.
final class DemoTraffic: @unchecked Sendable {
    // Guarded by `lock`.
    private var finished = false
    private var failure: String?
    private let lock = NSLockLite()

    var isFinished: Bool { lock.withLock { finished } }
    var error: String? { lock.withLock { failure } }

    static func start(tcp: LoopbackSocket, udp: LoopbackSocket) -> DemoTraffic {
        let state = DemoTraffic()
        let tcpPort = tcp.localPort, udpPort = udp.localPort
        DispatchQueue.global().async {
            let group = DispatchGroup()
            DispatchQueue.global().async(group: group) {
                do { try serveTCP(tcp) } catch { state.fail("TCP peer: \(error)") }
            }
            DispatchQueue.global().async(group: group) {
                do { try serveUDP(udp) } catch { state.fail("UDP peer: \(error)") }
            }
            do {
                usleep(100_000)  // let the capture settle
                try client(tcpPort: tcpPort, udpPort: udpPort)
            } catch {
                state.fail("client: \(error)")
            }
            _ = group.wait(timeout: .now() + 5)
            state.lock.withLock { state.finished = true }
        }
        return state
    }

    func fail(_ message: String) { lock.withLock { if failure == nil { failure = message } } }

    static func serveTCP(_ listener: LoopbackSocket) throws {
        let conn = try listener.accept()
        defer { conn.close() }
        while true {
            let header = try conn.receive(exactly: 4)
            let n = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
            let body = try conn.receive(exactly: n)
            if body == Array("Q".utf8) { return }
            let reply = body.count > 64 ? "got \(body.count) bytes" : "echo: " + String(decoding: body, as: UTF8.self)
            try conn.send(lengthPrefixed(Array(reply.utf8)))
        }
    }

    static func serveUDP(_ socket: LoopbackSocket) throws {
        let (bytes, port) = try socket.receiveDatagram()
        try socket.sendDatagram(Array("pong: ".utf8) + bytes, toPort: port)
    }

    static func client(tcpPort: UInt16, udpPort: UInt16) throws {
        let c = try LoopbackSocket.connect(.v4, port: tcpPort)
        defer { c.close() }
        func reply() throws -> String {
            let h = try c.receive(exactly: 4)
            let n = Int(h[0]) << 24 | Int(h[1]) << 16 | Int(h[2]) << 8 | Int(h[3])
            return String(decoding: try c.receive(exactly: n), as: UTF8.self)
        }
        try c.send(lengthPrefixed(Array("hello".utf8)))
        _ = try reply()
        // Three messages in one write: they leave in one segment.
        try c.send(lengthPrefixed(Array("one!!".utf8)) + lengthPrefixed(Array("two!!".utf8)) + lengthPrefixed(Array("three".utf8)))
        for _ in 0 ..< 3 { _ = try reply() }
        try c.send(lengthPrefixed([UInt8](repeating: UInt8(ascii: "x"), count: 100_000)))
        _ = try reply()
        try c.send(lengthPrefixed(Array("Q".utf8)))
        c.shutdownWrite()
        _ = try? c.receive()

        let u = try LoopbackSocket.udp(.v4)
        try u.sendDatagram(Array("ping".utf8), toPort: udpPort)
        _ = try u.receiveDatagram()
    }
}

/// A pthread mutex (Foundation is not linked by this target).
final class NSLockLite: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}
