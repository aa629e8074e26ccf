// Why decoding stopped. Two verdicts, never merged (tcpdump's `[|proto]` versus `(invalid)`).

public enum DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The capture ran out: `needed` bytes were required for this layer, `available` were captured.
    case truncated(layer: Proto, needed: Int, available: Int)
    /// The values are impossible; the reason quotes them.
    case malformed(layer: Proto, reason: String)

    public var isTruncation: Bool {
        if case .truncated = self { return true }
        return false
    }

    public var layer: Proto {
        switch self {
        case .truncated(let l, _, _), .malformed(let l, _): return l
        }
    }

    public var description: String {
        switch self {
        case .truncated(let l, let needed, let available):
            return "\(l.displayName) truncated: needed \(needed) bytes, \(available) captured"
        case .malformed(_, let reason):
            return reason
        }
    }
}
