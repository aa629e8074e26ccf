// The `mtu` part: the split message again, across a veth pair with Ethernet's MTU (1500)
// between two network namespaces the demo makes — and always removes — so the learner sees
// Ethernet-sized segments. The servers, the client and the capture run inside the namespaces
// as framescope itself (`ip netns exec NS framescope serve|live|chat`).

import Capture
import Foundation
import Inspect
import Render
import Sockets

/// Two namespaces joined by a veth pair: client side `a` (10.77.0.1), server side `b`
/// (10.77.0.2), MTU 1500, segmentation offload off. `remove()` deletes both (and the pair).
struct NetnsLab {
    let a: String, b: String, vethA: String, vethB: String
    static let serverAddress = "10.77.0.2"

    init(id: Int32) {
        a = "fsdemo-a-\(id)"
        b = "fsdemo-b-\(id)"
        vethA = "fsa\(id % 1_000_000)"
        vethB = "fsb\(id % 1_000_000)"
    }

    /// Why the part cannot run here, if it cannot (in the reader's language).
    static func unavailable(_ say: DemoPartText) -> String? {
        if getuid() != 0 { return say.mtuNeedsRoot }
        guard let r = try? run(["ip", "netns", "list"], within: 5) else { return say.mtuNoIP }
        if r.status != 0 { return say.mtuNoNetns(r.err.trimmingSpaces()) }
        return nil
    }

    func create() throws {
        try must(["ip", "netns", "add", a])
        try must(["ip", "netns", "add", b])
        try must(["ip", "link", "add", vethA, "netns", a, "type", "veth", "peer", "name", vethB, "netns", b])
        for (ns, dev, addr) in [(a, vethA, "10.77.0.1/24"), (b, vethB, Self.serverAddress + "/24")] {
            try must(["ip", "-n", ns, "addr", "add", addr, "dev", dev])
            try must(["ip", "-n", ns, "link", "set", dev, "mtu", "1500", "up"])
            try must(["ip", "-n", ns, "link", "set", "lo", "up"])
            // Segments as the wire carries them: no TSO/GSO (the sender's kernel would hand the
            // capture 64 KB "segments"), no GRO (the receiver's would glue them again).
            if (try? Self.run(["ip", "netns", "exec", ns, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off"], within: 5))?.status != 0 {
                try must(["ip", "-n", ns, "link", "set", dev, "gso_max_size", "1500", "gro_max_size", "1500"])
            }
        }
    }

    func remove() {
        for ns in [a, b] { _ = try? Self.run(["ip", "netns", "del", ns], within: 5) }
    }

    private func must(_ args: [String]) throws {
        let r = try Self.run(args, within: 5)
        if r.status != 0 { throw DemoError("\(args.joined(separator: " ")): \(r.err.trimmingSpaces())") }
    }

    /// Runs a command to its end, at most `within` seconds (then it is killed).
    @discardableResult
    static func run(_ args: [String], within seconds: Double) throws -> (status: Int32, out: String, err: String) {
        let p = Helper(args)
        try p.start()
        let ended = p.wait(seconds)
        if !ended { p.stop() }
        return (ended ? p.process.terminationStatus : -1, p.stdout, p.stderr)
    }
}

/// A helper process with its output kept in memory (small: a port, a line of counters).
/// @unchecked Sendable: the output buffers are guarded by `lock`; the rest is set before start.
final class Helper: @unchecked Sendable {
    let process = Process()
    private let outPipe = Pipe(), errPipe = Pipe()
    private var outData = Data(), errData = Data()
    private let lock = NSLock()

    init(_ args: [String]) {
        process.executableURL = URL(fileURLWithPath: args[0].hasPrefix("/") ? args[0] : "/usr/bin/env")
        process.arguments = args[0].hasPrefix("/") ? Array(args.dropFirst()) : args
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        outPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.withLock { self?.outData.append(d) }
        }
        errPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.withLock { self?.errData.append(d) }
        }
    }

    func start() throws { try process.run() }
    var stdout: String { lock.withLock { String(decoding: outData, as: UTF8.self) } }
    var stderr: String { lock.withLock { String(decoding: errData, as: UTF8.self) } }

    /// Polls until the process ended; false after `seconds`.
    func wait(_ seconds: Double) -> Bool {
        let deadline = Deadline(after: seconds)
        while process.isRunning, !deadline.hasPassed { usleep(20_000) }
        if !process.isRunning { usleep(20_000) }  // the pipes' last bytes
        return !process.isRunning
    }

    /// Polls until `condition` holds; false after `seconds` or when the process ended first.
    func await(_ seconds: Double, _ condition: (Helper) -> Bool) -> Bool {
        let deadline = Deadline(after: seconds)
        while !deadline.hasPassed {
            if condition(self) { return true }
            if !process.isRunning { return condition(self) }
            usleep(20_000)
        }
        return false
    }

    /// SIGINT (a capture flushes its file, a server closes), then SIGKILL after 5 s.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGINT)
        if !wait(5) {
            kill(process.processIdentifier, SIGKILL)
            _ = wait(2)
        }
    }
}

extension DemoContext {
    func mtu() -> Bool {
        let sink = ByteSink()
        open(.mtu, text.mtuTitle, text.mtu, into: sink)
        if let why = NetnsLab.unavailable(text) {
            paragraph(text.mtuSkipped(why), into: sink)
            emit(sink)
            return true
        }
        let lab = NetnsLab(id: getpid())
        var helpers: [Helper] = []
        defer {
            for h in helpers.reversed() { h.stop() }
            lab.remove()
        }
        do {
            try lab.create()
            let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
            let server = Helper(["ip", "netns", "exec", lab.b, me, "serve", "framed", "--host", NetnsLab.serverAddress,
                                 "--port", "9000", "--max-message", "1048576", "--threads", "1", "--quiet"])
            try server.start()
            helpers.append(server)
            guard server.await(10, { $0.stdout.contains("\n") }) else { throw DemoError("serve framed did not start: \(server.stderr)") }
            let path = pcapPath(.mtu)
            let capture = Helper(["ip", "netns", "exec", lab.b, me, "live", "-i", lab.vethB, "tcp port 9000", "-w", path, "-q"])
            try capture.start()
            helpers.append(capture)
            guard capture.await(10, { $0.stderr.contains("listening on") }) else { throw DemoError("the capture did not start: \(capture.stderr)") }
            usleep(200_000)
            let body = String(String(repeating: "0123456789", count: mtuBytes / 10 + 1).prefix(mtuBytes))
            let chat = try NetnsLab.run(["ip", "netns", "exec", lab.a, me, "chat", "\(NetnsLab.serverAddress):9000", "--framing", "!I",
                                         "--allow-remote", "--timeout", "5", "--send", body, "Q"], within: 15)
            usleep(300_000)  // the last ACK and FIN reach the capture
            capture.stop()
            if chat.status != 0 { throw DemoError("framescope chat across the veth pair: \(chat.err.trimmingSpaces())") }
            var frames: [CapturedFrame] = []
            let reader = try PcapFileReader(path: path)
            while let raw = try reader.next(), frames.count < 10_000 { frames.append(CapturedFrame(raw)) }
            let c = DemoCapture(frames: frames, path: path)
            // The frames of the long message.
            let long = c.messages.first { $0.direction == .clientToServer && $0.frames.count > 1 }
            let data = long?.frames ?? []
            let sizes = data.map { c.payload($0).count }
            var lines = Array(data.prefix(3))
            if data.count > 4 { lines.append(data[data.count - 1]) }
            sink.write(text.frames + "\n")
            for (i, n) in lines.enumerated() {
                if i == 3 { sink.write("…\n") }
                c.renderFrames([n], words: words, style: style, into: sink)
            }
            sink.write("\n" + text.messages + "\n")
            c.renderMessages(style: style, into: sink)
            sink.write("\n" + text.capturedTo(c.frames.count, c.path) + "\n\n")
            guard !sizes.isEmpty else { throw DemoError("the capture holds no split message") }
            paragraph(text.mtuResult(sizes.count, histogram(sizes), sizes.max() ?? 0), into: sink)
            paragraph(text.mtuAfter, into: sink)
        } catch {
            emit(sink)
            return fail(.mtu, error)
        }
        emit(sink)
        return true
    }

    /// `1,448 bytes × 69, 88 bytes × 1`, sizes in the order they first came.
    func histogram(_ sizes: [Int]) -> String {
        var order: [Int] = [], count: [Int: Int] = [:]
        for s in sizes {
            if count[s] == nil { order.append(s) }
            count[s, default: 0] += 1
        }
        return order.map { "\($0.formatted) × \(count[$0]!)" }.joined(separator: ", ")
    }
}
