import Capture
import Framing
import Foundation
@testable import Inspect
import Streams
import Wire
import XCTest

/// `messages` on a file runs the pipeline in two halves on two threads: an `Inspector` without a
/// message stage decodes and reassembles (its stream stage keeps the events), a `MessageStage`
/// frames them. The halves must give exactly the messages, finished streams and warnings one
/// inspector gives, however the events are batched.
final class SplitPipelineTests: XCTestCase {
    static let captures: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("captures")

    struct Outcome: Equatable {
        var messages: [ChatMessage] = []
        var finished: [Int] = []
        var warnings: [String] = []
    }

    func frames(_ name: String) throws -> [RawFrameCopy] {
        let reader = try PcapFileReader(path: Self.captures.appendingPathComponent(name).path)
        defer { reader.close() }
        var out: [RawFrameCopy] = []
        while let raw = try reader.next() {
            out.append(RawFrameCopy(timestamp: raw.timestamp, linkType: raw.linkType, bytes: Array(raw.bytes)))
        }
        return out
    }

    struct RawFrameCopy {
        var timestamp: Timestamp
        var linkType: LinkType
        var bytes: [UInt8]
    }

    func whole(_ frames: [RawFrameCopy], _ choice: FramingChoice, limits: ReassemblyLimits) -> Outcome {
        let inspector = Inspector(framing: choice, limits: limits)
        let stage = inspector.messages!
        var out = Outcome()
        var f = DecodedFrame()
        for (i, raw) in frames.enumerated() {
            raw.bytes.withUnsafeBytes { b in
                inspector.inspect(b, linkType: raw.linkType, wireLength: nil, number: i + 1, timestamp: raw.timestamp, into: &f)
            }
            out.messages += stage.takeMessages()
            out.finished += stage.takeFinishedStreams()
            out.warnings += stage.takeWarnings()
        }
        inspector.finish { out.messages += $0 }
        out.messages += stage.takeMessages()
        out.finished += stage.takeFinishedStreams()
        out.warnings += stage.takeWarnings()
        return out
    }

    /// `lends`: the batch is consumed as `messages` consumes it, lent with the message stage's
    /// look-ahead (`consume(lending:after:)`), what became ready taken after each event; the
    /// batch must come back as it went, event by event.
    func split(
        _ frames: [RawFrameCopy], _ choice: FramingChoice, limits: ReassemblyLimits, batch: Int, lends: Bool = false
    ) -> Outcome {
        let front = Inspector(framing: nil, limits: limits)
        XCTAssertNil(front.messages)
        let back = MessageStage(framing: choice)
        var out = Outcome()
        var f = DecodedFrame()
        func take() {
            out.messages += back.takeMessages()
            out.finished += back.takeFinishedStreams()
            out.warnings += back.takeWarnings()
        }
        func hand() {
            guard lends else {
                back.consume(front.streams.takeEvents())
                take()
                return
            }
            var events = front.streams.takeEvents()
            let before = events.map { "\($0)" }
            var calls = 0
            back.consume(lending: &events) {
                calls += 1
                take()
            }
            XCTAssertEqual(calls, before.count)
            XCTAssertEqual(events.map { "\($0)" }, before, "the batch comes back as it went")
        }
        for (i, raw) in frames.enumerated() {
            raw.bytes.withUnsafeBytes { b in
                front.inspect(b, linkType: raw.linkType, wireLength: nil, number: i + 1, timestamp: raw.timestamp, into: &f)
            }
            if front.streams.eventCount >= batch { hand() }
        }
        front.finish()
        hand()
        back.finish { out.messages += $0 }
        out.messages += back.takeMessages()
        out.finished += back.takeFinishedStreams()
        out.warnings += back.takeWarnings()
        return out
    }

    func testEveryCaptureEveryFramingSameMessages() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.captures.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
        XCTAssertGreaterThan(names.count, 10)
        var checked = 0
        for name in names {
            let fs = try frames(name)
            for spec in [["auto"], ["!I"], ["<i"], ["line"], ["raw"]] {
                let choice = try FramingChoice(parsing: spec)
                let one = whole(fs, choice, limits: .init())
                for (batch, lends) in [(1, false), (3, false), (1000, false), (3, true), (1000, true)] {
                    let two = split(fs, choice, limits: .init(), batch: batch, lends: lends)
                    let what = "\(name) \(spec) batch \(batch)\(lends ? " lent" : "")"
                    XCTAssertEqual(two.messages, one.messages, what)
                    XCTAssertEqual(two.finished.sorted(), one.finished.sorted(), what)
                    XCTAssertEqual(two.warnings, one.warnings, what)
                }
                checked += one.messages.count
            }
        }
        XCTAssertGreaterThan(checked, 100, "the captures carry messages")
    }

    /// `read` on a file splits at the same seam, frame by frame: the reading half keeps each
    /// frame's session facts and where its events end; the other half begins the frame, consumes
    /// its events and ends it. Every frame's view, note and warning must be one inspector's.
    func testEveryCaptureEveryFramingSameFrameViews() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.captures.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
        var viewsWithMessages = 0
        for name in names {
            let fs = try frames(name)
            for spec in [["auto"], ["!I"], ["line"], ["raw"]] {
                let choice = try FramingChoice(parsing: spec)
                // One thread.
                let whole = Inspector(framing: choice, keeps: [])
                var oneViews: [FrameView?] = [], oneSaid: [[String]] = []
                var f = DecodedFrame()
                for (i, raw) in fs.enumerated() {
                    let view = raw.bytes.withUnsafeBytes { b in
                        whole.inspect(b, linkType: raw.linkType, wireLength: nil, number: i + 1, timestamp: raw.timestamp,
                                      into: &f, view: true).view
                    }
                    oneViews.append(view)
                    oneSaid.append(whole.messages!.takeNotices() + whole.messages!.takeWarnings())
                }
                whole.finish()
                oneSaid.append(whole.messages!.takeNotices() + whole.messages!.takeWarnings())
                // Two halves, the events handed over in batches of a few frames.
                let front = Inspector(framing: nil), back = MessageStage(framing: choice, keeps: [])
                var twoViews: [FrameView?] = [], twoSaid: [[String]] = []
                var sessions: [SessionInfo?] = [], ends: [Int] = [], numbers: [Int] = []
                func hand(last: Bool) {
                    let events = front.streams.takeEvents()
                    var e = 0
                    for (k, number) in numbers.enumerated() {
                        back.beginFrame(number)
                        while e < ends[k] { back.consume(events[e]); e += 1 }
                        twoViews.append(back.endFrame(session: sessions[k]))
                        twoSaid.append(back.takeNotices() + back.takeWarnings())
                    }
                    if last {
                        back.consume(events[e...])
                        back.finish()
                        twoSaid.append(back.takeNotices() + back.takeWarnings())
                    }
                    sessions = []; ends = []; numbers = []
                }
                for (i, raw) in fs.enumerated() {
                    sessions.append(raw.bytes.withUnsafeBytes { b in
                        front.inspect(b, linkType: raw.linkType, wireLength: nil, number: i + 1, timestamp: raw.timestamp, into: &f).session
                    })
                    ends.append(front.streams.eventCount)
                    numbers.append(i + 1)
                    if numbers.count == 5 { hand(last: false) }
                }
                front.finish()
                hand(last: true)
                XCTAssertEqual(twoViews, oneViews, "\(name) \(spec)")
                XCTAssertEqual(twoSaid, oneSaid, "\(name) \(spec)")
                viewsWithMessages += oneViews.filter { !($0?.messages.isEmpty ?? true) }.count
            }
        }
        XCTAssertGreaterThan(viewsWithMessages, 100, "the captures' frames carry messages")
    }

    /// A receiver gets each message as the stage completes it, and the stage then gives the
    /// message's body back to its `BodyPool` for a later message. Whether the receiver keeps
    /// the messages (their bodies then shared when given back) or only reads them, it sees
    /// exactly the messages one inspector gives, and the bodies it kept never change.
    func testAReceiverSeesTheSameMessagesWhileBodiesAreRecycled() throws {
        final class Receiver: MessageReceiver {
            let keeps: Bool
            var kept: [ChatMessage] = []
            /// What was read: each message with a copy of its body (own storage).
            var read: [(message: ChatMessage, body: [UInt8])] = []
            init(keeps: Bool) { self.keeps = keeps }
            override func receive(_ m: ChatMessage) {
                if keeps { kept.append(m) } else { read.append((m, m.message.body.withUnsafeBytes { [UInt8]($0) })) }
            }
        }
        var recycled = 0
        for name in ["tcp-chat-ipv4.pcap", "sticky.pcap", "split.pcap", "line-chat.pcap", "many-clients.pcap", "udp-chat.pcap"] {
            let fs = try frames(name)
            for spec in [["auto"], ["!I"], ["line"], ["raw"]] {
                let choice = try FramingChoice(parsing: spec)
                let one = whole(fs, choice, limits: .init())
                for keeps in [true, false] {
                    let front = Inspector(framing: nil)
                    let back = MessageStage(framing: choice)
                    let receiver = Receiver(keeps: keeps)
                    var f = DecodedFrame()
                    func hand() {
                        back.receiver = Unmanaged.passUnretained(receiver)
                        back.consume(front.streams.takeEvents())
                        back.receiver = nil
                        back.drainMessages { receiver.receive($0) }
                    }
                    for (i, raw) in fs.enumerated() {
                        raw.bytes.withUnsafeBytes { b in
                            front.inspect(b, linkType: raw.linkType, wireLength: nil, number: i + 1, timestamp: raw.timestamp, into: &f)
                        }
                        if front.streams.eventCount >= 4 { hand() }
                    }
                    front.finish()
                    hand()
                    back.finish { $0.forEach(receiver.receive) }
                    back.drainMessages { receiver.receive($0) }
                    if keeps {
                        XCTAssertEqual(receiver.kept, one.messages, "\(name) \(spec)")
                    } else {
                        XCTAssertEqual(receiver.read.map(\.message.message.index), one.messages.map(\.message.index), "\(name) \(spec)")
                        XCTAssertEqual(receiver.read.map(\.body), one.messages.map(\.message.body), "\(name) \(spec)")
                        if back.bodies.hasSpare { recycled += 1 }
                    }
                }
            }
        }
        XCTAssertGreaterThan(recycled, 10, "the stage's pool holds a body given back")
    }

    /// Limits hit in the reassembling half surface as warnings of the framing half.
    func testLimitWarningsCrossTheSplit() throws {
        var limits = ReassemblyLimits()
        limits.maxLiveStreams = 1
        // Interleave two captures' frames: two streams open at once, one too many.
        let a = try frames("tcp-chat-ipv4.pcap"), b = try frames("tcp-chat-ipv6.pcap")
        var fs: [RawFrameCopy] = []
        for i in 0 ..< max(a.count, b.count) {
            if i < a.count { fs.append(a[i]) }
            if i < b.count { fs.append(b[i]) }
        }
        let one = whole(fs, try FramingChoice(parsing: ["auto"]), limits: limits)
        let two = split(fs, try FramingChoice(parsing: ["auto"]), limits: limits, batch: 7)
        XCTAssertFalse(one.warnings.isEmpty, "the stream limit was hit")
        XCTAssertEqual(two.messages, one.messages)
        XCTAssertEqual(two.warnings, one.warnings)
    }
}
