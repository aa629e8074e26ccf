// Judging answers: the probe's, and those to the valid messages inside a case. The answers are
// cut into messages with the Framing module, the same definition of the wire format the
// servers and the decoder use.

import Framing
import Fuzz
import Render
import Replay

/// `--oracle`: what counts as a right answer.
public enum OracleMode: String, Sendable, CaseIterable {
    /// The same body back, framed the same way (the reference servers' echo). (With `--from`,
    /// and with `replay`, a case's `expected` are the answers themselves: the capture's.)
    case echo
    /// Any well-formed message back (one per message sent); with `--expect`, that text.
    case reply
    /// Only that connections are accepted.
    case connect
    /// `--from`: the captured conversation replayed on a fresh connection gets the captured
    /// answers (the default with `--from`).
    case replay
}

/// What a right answer to `body` is.
struct AnswerRule: Sendable {
    var mode: OracleMode
    /// `--expect`: the answer's text, `{probe}` standing for the body sent.
    var expect: String?

    /// The exact answer wanted, or nil when any well-formed message will do.
    func wanted(for body: [UInt8]) -> [UInt8]? {
        if let e = expect {
            var out: [UInt8] = []
            let marker = Array("{probe}".utf8)
            let t = Array(e.utf8)
            var i = 0
            while i < t.count {
                if i + marker.count <= t.count, Array(t[i..<i + marker.count]) == marker {
                    out += body
                    i += marker.count
                } else {
                    out.append(t[i])
                    i += 1
                }
            }
            return out
        }
        return mode == .echo || mode == .replay ? body : nil
    }
}

/// Reads the answers to `expected` bodies off one connection (or one UDP socket), in order.
struct AnswerReader {
    enum State: Equatable {
        case pending
        case done
        case mismatch(String)
    }

    let rule: AnswerRule
    let expected: [[UInt8]]
    let udp: Bool
    private var framer: MessageFramer?
    private let spec: FrameSpec
    private var offset: UInt64 = 0
    private var rawBuffer: [UInt8] = []
    private(set) var matched = 0
    private(set) var state: State = .pending
    /// The body of the last answer judged, right or wrong.
    private(set) var lastAnswer: [UInt8]?
    /// With `--from`: the client's port in the capture and this connection's. A framed answer
    /// that carries the client's own port as text is compared with it masked on each side, as
    /// `replay` compares (`maskingPort`); raw TCP answers are compared as they are.
    var ownPorts: (captured: UInt16, connection: UInt16)?

    init(spec: FrameSpec, rule: AnswerRule, expected: [[UInt8]], udp: Bool) {
        var s = spec
        s.maxMessage = max(s.maxMessage, 1 << 24)
        self.spec = s
        self.rule = rule
        self.expected = expected
        self.udp = udp
        if !udp, s.kind != .raw, s.kind != .auto { framer = MessageFramer(spec: s) }
        if expected.isEmpty { state = .done }
    }

    /// Feeds bytes from the stream (TCP) or one whole datagram (UDP).
    mutating func feed(_ bytes: [UInt8]) -> State {
        guard state == .pending else { return state }
        if udp {
            judge(frameDatagram(bytes, spec: spec, index: matched + 1, offset: offset))
            offset &+= UInt64(bytes.count)
        } else if var f = framer {
            let messages = f.feed(bytes, at: offset)
            framer = f
            offset &+= UInt64(bytes.count)
            for m in messages where state == .pending { judge(m) }
        } else {
            // raw TCP: no boundaries to cut at; the answers must be the wanted bytes in order.
            rawBuffer += bytes
            let wanted = expected.compactMap { rule.wanted(for: $0) }.flatMap { $0 }
            if wanted.isEmpty && rule.expect == nil && rule.mode == .reply {
                state = .done
            } else if !wanted.starts(with: rawBuffer.prefix(wanted.count)) {
                state = .mismatch("expected \(preview(wanted)), got \(preview(rawBuffer))")
            } else if rawBuffer.count >= wanted.count {
                matched = expected.count
                state = .done
            }
        }
        return state
    }

    private mutating func judge(_ m: FramedMessage) {
        lastAnswer = m.body
        let n = matched
        guard n < expected.count else { return }
        if !m.complete || !m.problems.isEmpty {
            state = .mismatch("answer \(n + 1) is malformed (\(m.problems.map(\.rawValue).joined(separator: ", "))): \(preview(m.body))")
            return
        }
        if let want = rule.wanted(for: expected[n]), want != m.body,
           ownPorts.map({ maskingPort(want, $0.captured) != maskingPort(m.body, $0.connection) }) ?? true {
            state = .mismatch("answer \(n + 1) of \(expected.count): expected \(preview(want)), got \(preview(m.body))")
            return
        }
        matched += 1
        if matched == expected.count { state = .done }
    }
}

/// Up to 48 characters as quoted text (Render's quoting: escapes, \xNN for what is not text),
/// with the total length when cut.
func preview(_ bytes: [UInt8]) -> String {
    MessageLines.quoted(bytes, limit: 48) + (bytes.count > 48 ? " (\(bytes.count) bytes)" : "")
}
