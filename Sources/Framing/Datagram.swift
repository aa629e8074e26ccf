/// UDP: one datagram is one message, whatever the spec says about streams.
///
/// - length formats: the header must agree with the datagram's size (`width + declared ==
///   bytes.count`); otherwise `length_mismatch`, after `negative_length` or
///   `length_over_limit` when the value itself is bad, and after `truncated_header` when the
///   datagram is shorter than the header. `body` is everything after the header (what a receiver
///   of the whole datagram gets), at most `maxMessage` bytes.
/// - `line`: one trailing `\n` or `\r\n` is not part of the body; a datagram without one is fine.
/// - `raw` (and `auto`, which callers should resolve first): the whole datagram is the body.
///
/// A datagram longer than `maxMessage` (after its header) is `length_over_limit` and its body is
/// cut to `maxMessage` bytes. `index` is the caller's per-flow count; `offset` is whatever
/// position the caller wants in `start`/`end` (e.g. the sum of earlier datagram sizes).
public func frameDatagram(_ bytes: [UInt8], spec: FrameSpec, index: Int, offset: UInt64) -> FramedMessage {
    let end = offset &+ UInt64(bytes.count)
    var problems: [FrameProblem] = []
    var body: ArraySlice<UInt8> = bytes[...]
    var field: FrameSpec.Field?
    var headerLength = 0

    switch spec.kind {
    case .raw, .auto:
        break
    case .line:
        if body.last == 0x0A {
            body = body.dropLast()
            if body.last == 0x0D { body = body.dropLast() }
        }
    case let .length(width, _, _, _):
        guard let f = spec.readField(bytes) else {
            return FramedMessage.make(index: index, start: offset, headerLength: bytes.count, field: nil, body: [],
                                      end: end, problems: [.truncatedHeader, .lengthMismatch])
        }
        field = f
        headerLength = width
        body = bytes.dropFirst(width)
        if f.declared < 0 {
            problems.append(.negativeLength)
        } else if f.declared > Int64(spec.maxMessage) {
            problems.append(.lengthOverLimit)
        }
        if f.declared != Int64(body.count) { problems.append(.lengthMismatch) }
    }
    if body.count > spec.maxMessage {
        body = body.prefix(spec.maxMessage)
        if !problems.contains(.lengthOverLimit) { problems.append(.lengthOverLimit) }
    }
    // The whole datagram (raw, the usual guess) is the body as it is: no copy.
    let whole = body.count == bytes.count
    return FramedMessage.make(index: index, start: offset, headerLength: headerLength, field: field,
                              body: whole ? bytes : Array(body), end: end, problems: problems)
}
