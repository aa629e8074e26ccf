// Length headers written from a value: the honest one for a body (`lengthHeader`) and any
// field value at all (`header(field:)`), with the spec's width and byte order.

extension FrameSpec {
    /// The length header `encode` would put before a body of `bodyLength` bytes, for writers that
    /// send the body from their own buffer instead of copying it into an array: `encode(body)` ==
    /// `lengthHeader(bodyLength: body.count) + body` for length formats. Throws like `encode`
    /// (`.bodyTooLong`), and `.badSpec` for `line`, `raw` and `auto`, which have no header.
    public func lengthHeader(bodyLength: Int) throws(FrameError) -> [UInt8] {
        guard case let .length(width, _, _, _) = kind else {
            throw .badSpec(description, reason: "only length formats have a header")
        }
        let limit = largestBody ?? 0
        guard bodyLength >= 0, bodyLength <= limit else { throw .bodyTooLong(length: bodyLength, limit: max(limit, 0)) }
        return header(field: UInt64(bodyLength) + (lengthIncludesHeader ? UInt64(width) : 0)) ?? []
    }
}

extension FrameSpec {
    /// A length header holding any `field` value, honest or not: the low `headerWidth` bytes of
    /// `field` in the spec's byte order (a negative signed value is its two's complement). The
    /// fuzzer's way to write lying, negative and byte-swapped lengths with the same definition of
    /// width and order as `encode`. Nil for `line`, `raw` and `auto`.
    public func header(field: UInt64) -> [UInt8]? {
        guard case let .length(width, _, order, _) = kind else { return nil }
        return (0..<width).map { i in
            UInt8(truncatingIfNeeded: field >> UInt64(order == .big ? (width - 1 - i) * 8 : i * 8))
        }
    }

    /// The field value that declares a body of `length` bytes (`lengthIncludesHeader` added),
    /// wrapped to 64 bits like a C cast: the fuzzer's declared lengths, negative ones included.
    public func field(declaring length: Int64) -> UInt64 {
        UInt64(bitPattern: length &+ (lengthIncludesHeader ? Int64(headerWidth ?? 0) : 0))
    }
}
