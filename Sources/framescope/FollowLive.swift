import ArgumentParser
import Capture
import Inspect
import Render
import Wire

/// `follow --live`: frames from a live capture through the inspector, each TCP segment's ladder
/// row written and flushed as it arrives (a stream's header before its first row), the
/// conversations listed at the stop.
struct FollowLive {
    var interface: String
    var filter: [String]
    var stream: Int?
    var duration: Double?
    var count: Int?
    var bufferMegabytes: Int
    var framing: FramingOptions

    func run() throws {
        let inspector = try framing.inspector(keeps: .messages)
        guard let stage = inspector.messages else { return }
        let input = try FrameSource.live(interface: interface, filter: filter, duration: duration, bufferMegabytes: bufferMegabytes)
        defer { input.close() }
        let style = TextStyle(colour: Terminal.colourWanted(fd: 1))
        let log = ConversationLog()
        let out = ByteSink()
        var frame = DecodedFrame()
        var failure: PcapError? = nil
        var outputOpen = true
        // Streams are numbered in order of their first frame: a higher index is a new stream.
        var lastOpened = -1
        let limit = count ?? .max
        func flush() {
            if outputOpen && out.count > 0 && !out.withBytes({ Terminal.writeAll(fd: 1, $0) }) { outputOpen = false }
            out.removeAll()
        }
        while outputOpen && input.frameNumber < limit {
            do {
                guard let raw = try input.next() else { break }
                let n = input.frameNumber
                let (session, view) = inspector.inspect(raw.bytes, linkType: raw.linkType, wireLength: raw.len, number: n,
                                                        timestamp: raw.timestamp, into: &frame, view: true)
                if let s = session, stream == nil || s.stream == stream,
                   let segment = LadderSegment(frame: n, timestamp: raw.timestamp, session: s, decoded: frame) {
                    if s.stream > lastOpened {
                        lastOpened = s.stream
                        let endpoints = stage.summaries.first { $0.stream == s.stream && $0.transport == .tcp }?.endpoints
                        log.opened(stream: s.stream, endpoints: endpoints)
                        Ladder.liveHeader(stream: s.stream, endpoints: endpoints, style: style, into: out)
                    }
                    Ladder.liveRow(stream: s.stream, segment: segment, view: view ?? FrameView(), style: style, into: out)
                }
                for m in stage.takeMessages() where m.transport == .tcp { log.add(m) }
                Terminal.warnings(stage)
                flush()
            } catch {
                failure = error
                break
            }
        }
        inspector.finish()
        for m in stage.takeMessages() where m.transport == .tcp { log.add(m) }
        Terminal.warnings(stage)
        input.reportEnd()
        out.write("\n")
        log.render(style: style, into: out)
        flush()
        if let e = failure {
            Terminal.error(e.description)
            throw ExitCode(e.isBadFilter ? 2 : 1)
        }
    }
}
