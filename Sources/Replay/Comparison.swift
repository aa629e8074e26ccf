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
public func compareMessages(captured: [[UInt8]], replayed: [[UInt8]]) -> [MessageComparison] {
    let n = captured.count, m = replayed.count
    var matches: [(Int, Int)] = []
    if n > 0 && m > 0 && n * m <= 4_000_000 {
        // Longest common subsequence of equal messages, by dynamic programming from the end.
        var table = [Int32](repeating: 0, count: (n + 1) * (m + 1))
        let w = m + 1
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                table[i * w + j] = captured[i] == replayed[j]
                    ? table[(i + 1) * w + j + 1] + 1 : max(table[(i + 1) * w + j], table[i * w + j + 1])
            }
        }
        var i = 0, j = 0
        while i < n && j < m {
            if captured[i] == replayed[j] {
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
