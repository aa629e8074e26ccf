/// What can be wrong with one application message. The raw values are the `issues` names of
/// docs/DESIGN.md "Messages JSON", word for word.
///
/// Two kinds of verdict, never merged (STYLE §7.5):
/// - *missing bytes* — `truncatedHeader`, `truncatedBody` (the stream ended inside the message)
///   and `gap` (bytes were on the wire but not captured);
/// - *impossible values* — `negativeLength`, `lengthOverLimit`, `lengthMismatch` (UDP) and
///   `invalidUTF8`.
public enum FrameProblem: String, Sendable, Hashable, CaseIterable {
    /// A signed length field (or a `lengthIncludesHeader` value smaller than the header) below 0.
    case negativeLength = "negative_length"
    /// A declared length (or a line, or a raw segment) longer than `FrameSpec.maxMessage`.
    case lengthOverLimit = "length_over_limit"
    /// The stream (or datagram) ended inside the length header.
    case truncatedHeader = "truncated_header"
    /// The stream ended inside the body (for `line`: before the `\n`).
    case truncatedBody = "truncated_body"
    /// Bytes of this message were on the wire but are not in the capture.
    case gap
    /// The body is not empty and is not valid UTF-8 (`FramedMessage.text` is then nil).
    case invalidUTF8 = "invalid_utf8"
    /// UDP: the header's length disagrees with the datagram's size.
    case lengthMismatch = "length_mismatch"
}
