// Capture timestamps: whole seconds since the Unix epoch plus a nanosecond part, and the
// precision the source recorded (6 digits for classic pcap, 9 for nanosecond files).

public struct Timestamp: Hashable, Sendable, Comparable {
    /// Seconds since 1970-01-01T00:00:00Z (may be negative for odd files).
    public var seconds: Int64
    /// 0 ..< 1_000_000_000.
    public var nanoseconds: UInt32
    /// Number of fraction digits the source can express: 6 (µs) or 9 (ns).
    public var fractionDigits: UInt8
    /// A pcap record's fraction field as read, when it was impossible: a whole second or more
    /// in the file's unit (µs ≥ 10^6, ns ≥ 10^9). `seconds` and `nanoseconds` then hold the
    /// value carried into the seconds (what arithmetic and ordering use); renderers show the
    /// fields as read, as tcpdump and tshark do, and a warning says so.
    public var fractionAsRead: UInt32?

    public init(seconds: Int64, nanoseconds: UInt32, fractionDigits: UInt8 = 6) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.fractionDigits = fractionDigits
        self.fractionAsRead = nil
    }

    /// A pcap record's seconds and fraction fields (`fractionDigits` 6: µs, 9: ns), kept as
    /// read when the fraction is impossible.
    public init(recordSeconds: UInt32, fraction: UInt32, fractionDigits: UInt8) {
        let unit: UInt32 = fractionDigits >= 9 ? 1_000_000_000 : 1_000_000
        let scale: UInt32 = fractionDigits >= 9 ? 1 : 1000
        self.init(seconds: Int64(recordSeconds) + Int64(fraction / unit), nanoseconds: (fraction % unit) * scale,
                  fractionDigits: fractionDigits)
        if fraction >= unit { fractionAsRead = fraction }
    }

    /// The seconds as the record gave them (without the carry of an impossible fraction).
    public var secondsAsRead: Int64 {
        guard let raw = fractionAsRead else { return seconds }
        return seconds - Int64(raw / (fractionDigits >= 9 ? 1_000_000_000 : 1_000_000))
    }

    /// The warning for an impossible fraction, naming the frame; nil when the time is sound.
    public func impossibleFractionWarning(frame: Int) -> String? {
        guard let raw = fractionAsRead else { return nil }
        let unit = fractionDigits >= 9 ? "nanosecond" : "microsecond"
        let limit = fractionDigits >= 9 ? "1,000,000,000" : "1,000,000"
        return "frame \(frame): the timestamp's \(unit) field is \(raw), not below \(limit) (an impossible time, shown as read; durations count it as \(seconds - secondsAsRead) s more)"
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    /// Civil UTC date and time of `seconds` (proleptic Gregorian; Howard Hinnant's days→civil
    /// algorithm). Pure arithmetic: no time-zone file is read, ever.
    public var civil: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let secs = seconds
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d), Int(rem / 3600), Int(rem % 3600 / 60), Int(rem % 60))
    }
}
