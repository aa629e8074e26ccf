/// The Framing module's one error type: a spec the user typed that cannot work, or a body the
/// honest encoder refuses to frame. Problems *found in traffic* are never errors; they are
/// `FrameProblem`s on a `FramedMessage`.
public enum FrameError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text given to `--framing` (first value) could not be read; `reason` says why and what
    /// is accepted.
    case badSpec(String, reason: String)
    /// The encoder cannot frame a body of `length` bytes: the largest body that fits both the
    /// length field (signedness and `lengthIncludesHeader` included) and `maxMessage` is `limit`.
    case bodyTooLong(length: Int, limit: Int)
    /// `line` framing cannot carry a body that itself contains `\n`: the reader would see two
    /// messages.
    case newlineInLineBody
    /// `--max-message` must be 0 or more.
    case badMaxMessage(Int)

    public var description: String {
        switch self {
        case let .badSpec(spec, reason):
            return "bad framing spec '\(spec)': \(reason)"
        case let .bodyTooLong(length, limit):
            return "a body of \(length) bytes cannot be framed: at most \(limit) bytes fit"
        case .newlineInLineBody:
            return "a body framed with 'line' cannot contain a newline (\\n)"
        case let .badMaxMessage(value):
            return "bad maximum message size \(value): it must be 0 or more"
        }
    }
}
