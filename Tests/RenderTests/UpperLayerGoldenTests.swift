import Capture
import Foundation
import Framing
import Inspect
import Render
import Wire
import XCTest

/// Goldens for layers 5–7: every committed capture under every framing, rendered one-line and as
/// the OSI tree with the pipeline's per-frame views (the plain goldens have none). And each is
/// checked against the `messages` view, an independent path: every message a frame carries
/// appears in that frame's view, with its index, and completes on the frame that ends it.
final class UpperLayerGoldenTests: XCTestCase {
    static let framings = ["auto", "!I", "line", "raw"]

    struct Run {
        var text = ""
        var views: [Int: FrameView] = [:]
    }

    /// One capture through an inspector, rendered with its views in `mode`.
    func render(_ file: String, framing: String, mode: String) throws -> Run {
        let reader = try PcapFileReader(path: RenderTests.root.appendingPathComponent("captures/\(file)").path)
        defer { reader.close() }
        let inspector = Inspector(framing: try FramingChoice(parsing: [framing]), keeps: [])
        let out = ByteSink()
        var run = Run()
        var frame = DecodedFrame()
        while let raw = try reader.next() {
            let n = reader.framesRead
            let view = inspector.inspect(raw.bytes, linkType: raw.linkType, wireLength: raw.len, number: n, timestamp: raw.timestamp, into: &frame, view: true).view
            run.views[n] = view
            let info = FrameInfo(number: n, timestamp: raw.timestamp, capturedLength: raw.caplen,
                                 wireLength: raw.len, linkType: raw.linkType, interfaceIndex: raw.interfaceIndex)
            if mode == "oneline" {
                OneLine.render(info, frame, view: view, into: out)
            } else {
                OSITree.render(info, frame, payload: raw.bytes, view: view, into: out)
            }
        }
        run.text = out.string
        return run
    }

    /// The `messages` path: the same capture through an inspector whose frames are not viewed.
    func messages(_ file: String, framing: String) throws -> [ChatMessage] {
        let reader = try PcapFileReader(path: RenderTests.root.appendingPathComponent("captures/\(file)").path)
        defer { reader.close() }
        let inspector = Inspector(framing: try FramingChoice(parsing: [framing]), verifiesTransportChecksums: false)
        var out: [ChatMessage] = []
        var frame = DecodedFrame()
        while let raw = try reader.next() {
            inspector.inspect(raw.bytes, linkType: raw.linkType, wireLength: raw.len, number: reader.framesRead, timestamp: raw.timestamp, into: &frame)
            out += inspector.messages!.takeMessages()
        }
        inspector.finish { out += $0 }
        out += inspector.messages!.takeMessages()
        return out
    }

    func testUpperLayersOfEveryCaptureAndFraming() throws {
        let update = ProcessInfo.processInfo.environment["FRAMESCOPE_UPDATE_GOLDEN"] == "1"
        let captures = try FileManager.default.contentsOfDirectory(atPath: RenderTests.root.appendingPathComponent("captures").path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
        var pieces = 0
        for framing in Self.framings {
            for mode in ["oneline", "tree"] {
                var text = ""
                for file in captures {
                    let run = try render(file, framing: framing, mode: mode)
                    text += "== \(file)\n" + run.text
                    if mode == "oneline" { pieces += try check(file, framing: framing, views: run.views) }
                }
                let name = framing == "!I" ? "bang-I" : framing
                try RenderTests.checkGolden(text, name: "layers5-7.\(name).\(mode)", update: update)
            }
        }
        XCTAssertGreaterThan(pieces, 300, "the views were checked against the messages")
    }

    /// Every message of the `messages` path in the views of its frames: a piece with its index on
    /// each of its frames, complete (whole or ends) on the last one exactly when the message is.
    func check(_ file: String, framing: String, views: [Int: FrameView]) throws -> Int {
        var checked = 0
        for m in try messages(file, framing: framing) {
            // A message completed by the end of the capture (or of its stream) has no frame that
            // ended it; a gap placeholder carries no bytes of any frame.
            guard let last = m.frames.last, !m.message.problems.contains(.gap) else { continue }
            let what = "\(file) \(framing): \(m.transport) \(m.stream) \(m.direction) #\(m.message.index) frames \(m.frames)"
            if m.transport == .udp {
                // A datagram is shown whole on the frame that completed it (its fragments before
                // show only their layer 3, the first also its transport header).
                let p = try XCTUnwrap(views[last]?.messages.first { $0.index == m.message.index }, what)
                XCTAssertEqual(p.kind, .whole, what)
                XCTAssertEqual(p.complete, m.message.complete, what)
                XCTAssertEqual(p.problems, m.message.problems, what)
                checked += 1
                continue
            }
            for f in m.frames {
                let view = try XCTUnwrap(views[f], what)
                let mine = view.messages.filter { $0.index == m.message.index }
                guard !mine.isEmpty else {
                    // Bytes not framed on their own frame: held out of order until a later frame
                    // filled the hole, or held while `auto` had not yet chosen a format.
                    let held = view.session?.analysis.contains(.outOfOrder) == true || view.format == nil
                    // Or ended by the stream's end (FIN, or the end of the capture), not by a frame.
                    let endedByStream = f == last && (!m.message.problems.isEmpty || !m.message.complete)
                    if !held && !endedByStream { XCTFail("\(what): frame \(f) does not show it: \(view.messages)") }
                    continue
                }
                checked += 1
                if f == last, let p = mine.last, p.kind == .whole || p.kind == .ends {
                    XCTAssertEqual(p.complete, m.message.complete, what)
                    XCTAssertEqual(p.problems, m.message.problems, what)
                    XCTAssertEqual(p.parts, m.frames.count > 1 ? m.frames.count : nil, what)
                }
            }
        }
        return checked
    }
}
