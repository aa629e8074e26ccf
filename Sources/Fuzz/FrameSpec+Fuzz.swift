import Framing

extension FrameSpec {
    /// The frame `encode` writes for `body`, whatever `maxMessage` says: the fuzzer sends bodies
    /// at and past a server's limit. Nil when the field cannot declare the length (`B` and 300
    /// bytes) or the spec has no encoding (`auto`, a `line` body holding `\n`).
    public func frameIgnoringLimit(_ body: [UInt8]) -> [UInt8]? {
        var s = self
        s.maxMessage = max(s.maxMessage, body.count)
        return try? s.encode(body)
    }

    /// All ones over the header's width (0 for specs without a header).
    var fieldMask: UInt64 {
        let width = headerWidth ?? 0
        return width >= 8 ? .max : (UInt64(1) << UInt64(width * 8)) - 1
    }

    /// `field`'s header-width bytes in the other order: a length written with the wrong byte order.
    func byteSwapped(_ field: UInt64) -> UInt64 {
        let width = headerWidth ?? 0
        var out: UInt64 = 0
        for i in 0..<width { out |= ((field >> UInt64(i * 8)) & 0xff) << UInt64((width - 1 - i) * 8) }
        return out
    }
}
