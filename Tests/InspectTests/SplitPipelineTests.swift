import Capture
import Framing
import Foundation
import Inspect
import Streams
import Wire
import XCTest

/// `messages` on a file runs the pipeline in two halves on two threads: one decodes and
/// reassembles and exports its events, the other frames them. The halves must give exactly the
/// messages, finished streams and warnings one pipeline gives, however the events are batched.
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
        let p = MessagePipeline(framing: choice, limits: limits)
        var d = Dissector(), f = DecodedFrame(), out = Outcome()
        for (i, raw) in frames.enumerated() {
            raw.bytes.withUnsafeBytes { b in
                d.decode(b, linkType: raw.linkType, into: &f)
                _ = p.process(number: i + 1, timestamp: raw.timestamp, frame: &f, bytes: b, dissector: &d)
            }
            out.messages += p.takeMessages()
            out.finished += p.takeFinishedStreams()
            out.warnings += p.takeWarnings()
        }
        p.finish { out.messages += $0 }
        out.messages += p.takeMessages()
        out.finished += p.takeFinishedStreams()
        out.warnings += p.takeWarnings()
        return out
    }

    func split(_ frames: [RawFrameCopy], _ choice: FramingChoice, limits: ReassemblyLimits, batch: Int) -> Outcome {
        let front = MessagePipeline(framing: choice, limits: limits)
        front.exportsEvents = true
        let back = MessagePipeline(framing: choice, limits: limits)
        var d = Dissector(), f = DecodedFrame(), out = Outcome()
        func hand() {
            back.consume(front.takeExported())
            out.messages += back.takeMessages()
            out.finished += back.takeFinishedStreams()
            out.warnings += back.takeWarnings()
        }
        for (i, raw) in frames.enumerated() {
            raw.bytes.withUnsafeBytes { b in
                d.decode(b, linkType: raw.linkType, into: &f)
                _ = front.process(number: i + 1, timestamp: raw.timestamp, frame: &f, bytes: b, dissector: &d)
            }
            XCTAssertTrue(front.takeMessages().isEmpty, "the exporting half frames nothing")
            if front.exportedCount >= batch { hand() }
        }
        front.finishExport(hand: hand)
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
                for batch in [1, 3, 1000] {
                    let two = split(fs, choice, limits: .init(), batch: batch)
                    XCTAssertEqual(two.messages, one.messages, "\(name) \(spec) batch \(batch)")
                    XCTAssertEqual(two.finished.sorted(), one.finished.sorted(), "\(name) \(spec) batch \(batch)")
                    XCTAssertEqual(two.warnings, one.warnings, "\(name) \(spec) batch \(batch)")
                }
                checked += one.messages.count
            }
        }
        XCTAssertGreaterThan(checked, 100, "the captures carry messages")
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
