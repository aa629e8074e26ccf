extension FrameSpec {
    /// The length header `encode` would put before a body of `bodyLength` bytes, for writers that
    /// send the body from their own buffer instead of copying it into an array: `encode(body)` ==
    /// `lengthHeader(bodyLength: body.count) + body` for length formats. Throws like `encode`
    /// (`.bodyTooLong`), and `.badSpec` for `line`, `raw` and `auto`, which have no header.
    public func lengthHeader(bodyLength: Int) throws(FrameError) -> [UInt8] {
        guard case let .length(width, _, order, _) = kind else {
            throw .badSpec(description, reason: "only length formats have a header")
        }
        let limit = largestBody ?? 0
        guard bodyLength >= 0, bodyLength <= limit else { throw .bodyTooLong(length: bodyLength, limit: max(limit, 0)) }
        let field = UInt64(bodyLength) + (lengthIncludesHeader ? UInt64(width) : 0)
        return (0..<width).map { i in
            UInt8(truncatingIfNeeded: field >> UInt64(order == .big ? (width - 1 - i) * 8 : i * 8))
        }
    }
}
