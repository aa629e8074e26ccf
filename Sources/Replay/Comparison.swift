/// What one message of the replay was, against the capture.
public enum MessageVerdict: String, Sendable, CaseIterable {
    /// The same bytes as captured.
    case same
    /// Both have a message here, with other bytes (`firstDifference` says where).
    case different
    /// The capture has it; the replay did not get it.
    case missing
    /// The replay got it; the capture has no message here.
    case extra
}

public struct MessageComparison: Sendable {
    public var index: Int
    public var verdict: MessageVerdict
    public var captured: [UInt8]?
    public var replayed: [UInt8]?
    /// Offset of the first differing byte (`different` only; a shorter side differs at its end).
    public var firstDifference: Int?
}

/// Message by message, in order: the captured answers against the replayed ones.
public func compareMessages(captured: [[UInt8]], replayed: [[UInt8]]) -> [MessageComparison] {
    var out: [MessageComparison] = []
    for i in 0 ..< max(captured.count, replayed.count) {
        let c = i < captured.count ? captured[i] : nil
        let r = i < replayed.count ? replayed[i] : nil
        switch (c, r) {
        case let (c?, r?):
            if c == r {
                out.append(MessageComparison(index: i + 1, verdict: .same, captured: c, replayed: r))
            } else {
                let d = zip(c, r).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(c.count, r.count)
                out.append(MessageComparison(index: i + 1, verdict: .different, captured: c, replayed: r, firstDifference: d))
            }
        case let (c?, nil):
            out.append(MessageComparison(index: i + 1, verdict: .missing, captured: c))
        case let (nil, r?):
            out.append(MessageComparison(index: i + 1, verdict: .extra, replayed: r))
        default:
            break
        }
    }
    return out
}
