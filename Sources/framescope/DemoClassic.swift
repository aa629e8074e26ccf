import ArgumentParser
import Capture
import Chat
import Framing
import Render
#if canImport(Glibc)
import Glibc
#endif

extension DemoCommand {
    /// The parts sticky and split: one exchange with the framed ('!I') and text servers — a
    /// message and its answer, three messages in ONE write, a 100,000-byte message, Q — captured
    /// to demo.pcap and shown with the OSI layers of the sticky and of the split segment, the
    /// messages and the ladder. False when the exchange failed.
    func runClassic(_ ctx: DemoContext, showing parts: Set<DemoPart>) throws -> Bool {
        let say = ctx.say
        let bang = FrameSpec.lessonDefault

        // 1. The servers, as `serve` runs them (a larger message limit for the long message).
        var framedConfig = ChatServerConfig(kind: .framed(bang, .echo))
        framedConfig.limits.maxMessage = 1 << 20
        framedConfig.threads = 1
        var textConfig = ChatServerConfig(kind: .text(.echo))
        textConfig.threads = 1
        let framed: ChatServer, text: ChatServer
        do {
            framed = try ChatServer.start(framedConfig)
            text = try ChatServer.start(textConfig)
        } catch {
            Terminal.error("cannot start the demo's servers on 127.0.0.1: \(error)")
            throw ExitCode(2)
        }
        defer {
            framed.shutdown()
            text.shutdown()
        }

        // 2. The capture, filtered to the two servers.
        let capture: LiveCapture
        do {
            capture = try LiveCapture(interface: "lo", bufferSize: 32 << 20, filter: "tcp port \(framed.port) or tcp port \(text.port)")
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        defer { capture.close() }
        let pcapPath = ctx.out + "/demo.pcap", svgPath = ctx.out + "/ladder.svg"
        let writer: PcapWriter
        do {
            writer = try PcapWriter(path: pcapPath, linkType: capture.linkType, snaplen: capture.snaplen)
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }

        // 3. The clients, on another thread while this one captures.
        let clients = DemoClients.start(framedPort: framed.port, textPort: text.port, spec: bang)
        let frames = collectFrames(from: capture, settle: 0.3, giveUp: 20, stop: { StopSignal.requested }) { clients.isFinished }
        if !clients.isFinished { Terminal.error("the demo's clients did not finish within 20 s") }
        if let e = clients.error { Terminal.error("the demo exchange failed: \(e)") }

        var failed = clients.error != nil || !clients.isFinished
        do {
            for f in frames { try f.withRaw { try writer.write($0) } }
            try writer.close()
        } catch {
            Terminal.error("\(error)")
            failed = true
        }

        // 4. Everything framescope shows about it.
        let report = DemoReport(frames: frames, framedPort: UInt16(framed.port), textPort: UInt16(text.port))
        let sink = ByteSink()
        report.render(say: say, parts: parts, ctx: ctx, pcapPath: pcapPath, svgPath: svgPath, into: sink)
        ctx.emit(sink)
        if let svg = report.ladderSVG(title: "framescope demo: the framed conversation"), !writeFile(svgPath, svg) {
            Terminal.error("cannot write \(svgPath)")
            failed = true
        }
        return !failed
    }
}

/// The MTU of `interface` as the kernel reports it (65536 for lo), if it can be read.
func interfaceMTU(_ interface: String) -> Int? {
    let fd = open("/sys/class/net/\(interface)/mtu", O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 32)
    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 31) }
    guard n > 0 else { return nil }
    return Int(String(decoding: buffer[0..<n], as: UTF8.self).filter(\.isNumber))
}
