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

/// Message by message: the captured answers against the replayed ones, aligned on the longest
/// common run of identical messages (so one merged answer shows as one `different` and the
/// answers it swallowed as `missing`, and the ones after it still `same`). Between two identical
/// messages the rest pair up in order: `different`, then `missing` or `extra` for what is left.
/// Past 4 million pairs (huge streams) the alignment is by position alone.
///
/// With `ports` (the client's port in the capture and in the replay), answers are compared with
/// each side's own client port masked where it stands as decimal text (`127.0.0.1:54321`, a
/// nick made of it): a replay is a new connection with a new port, so an answer that differs
/// from the captured one only there is the same answer. `captured` and `replayed` in the
/// result keep the bytes as they were.
public func compareMessages(captured: [[UInt8]], replayed: [[UInt8]], ports: (captured: UInt16, replayed: UInt16)? = nil) -> [MessageComparison] {
    let n = captured.count, m = replayed.count
    let ck = ports.map { p in captured.map { maskingPort($0, p.captured) } } ?? captured
    let rk = ports.map { p in replayed.map { maskingPort($0, p.replayed) } } ?? replayed
    var matches: [(Int, Int)] = []
    if n > 0 && m > 0 && n * m <= 4_000_000 {
        // Longest common subsequence of equal messages, by dynamic programming from the end.
        var table = [Int32](repeating: 0, count: (n + 1) * (m + 1))
        let w = m + 1
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                table[i * w + j] = ck[i] == rk[j]
                    ? table[(i + 1) * w + j + 1] + 1 : max(table[(i + 1) * w + j], table[i * w + j + 1])
            }
        }
        var i = 0, j = 0
        while i < n && j < m {
            if ck[i] == rk[j] {
                matches.append((i, j)); i += 1; j += 1
            } else if table[(i + 1) * w + j] >= table[i * w + j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
    }
    var out: [MessageComparison] = []
    var i = 0, j = 0
    func unmatched(upTo ci: Int, _ rj: Int) {
        while i < ci && j < rj {
            let c = captured[i], r = replayed[j]
            let d = zip(c, r).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(c.count, r.count)
            out.append(MessageComparison(index: i + 1, verdict: .different, captured: c, replayed: r, firstDifference: d))
            i += 1; j += 1
        }
        while i < ci { out.append(MessageComparison(index: i + 1, verdict: .missing, captured: captured[i])); i += 1 }
        while j < rj { out.append(MessageComparison(index: j + 1, verdict: .extra, replayed: replayed[j])); j += 1 }
    }
    for (ci, rj) in matches {
        unmatched(upTo: ci, rj)
        out.append(MessageComparison(index: ci + 1, verdict: .same, captured: captured[ci], replayed: replayed[rj]))
        i = ci + 1; j = rj + 1
    }
    unmatched(upTo: n, m)
    return out
}

/// `bytes` with every run of ASCII digits that spells `port` (and is not part of a longer run)
/// replaced by one 0xFF byte, which no decimal text contains.
public func maskingPort(_ bytes: [UInt8], _ port: UInt16) -> [UInt8] {
    let digits = Array(String(port).utf8)
    func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
        guard isDigit(bytes[i]) else { out.append(bytes[i]); i += 1; continue }
        var end = i
        while end < bytes.count && isDigit(bytes[end]) { end += 1 }
        if bytes[i ..< end].elementsEqual(digits) { out.append(0xFF) } else { out += bytes[i ..< end] }
        i = end
    }
    return out
}
