import Render

// A JSON document as a value, for the fuzzer's files that are read back or pretty-printed: a
// record folder's case.json (written, and read by `--replay DIR`) and the SARIF report. The
// streamed reports (Report.swift) write straight into a ByteSink instead.
//
// `prettyText` writes what Foundation's JSONSerialization writes with `.prettyPrinted` and
// `.withoutEscapingSlashes` on Linux, byte for byte (case.json was written with it before it
// moved here, and the CLI tests hold the two side by side): two-space indents, `"key" : value`,
// an empty array as `[`, a blank line, `]`; numbers as Swift prints them with a trailing `.0`
// dropped; `\b \f \n \r \t` and `\u00xx` (lower-case hex) for the other control characters.

/// A JSON value whose objects keep their keys in the order given.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The member `key` of an object (the first, if the text repeats it).
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var string: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// An integer, or a number with no fraction that fits in an Int.
    public var int: Int? {
        switch self {
        case let .int(n): return n
        case let .double(d) where d.rounded() == d && abs(d) < 9.2e18: return Int(d)
        default: return nil
        }
    }

    public var double: Double? {
        switch self {
        case let .int(n): return Double(n)
        case let .double(d): return d
        default: return nil
        }
    }

    public var array: [JSONValue]? {
        if case let .array(a) = self { return a }
        return nil
    }

    /// Every number in the document is finite (JSON has no NaN or infinity).
    public var isFinite: Bool {
        switch self {
        case let .double(d): return d.isFinite
        case let .array(a): return a.allSatisfy(\.isFinite)
        case let .object(o): return o.allSatisfy { $0.1.isFinite }
        default: return true
        }
    }

    // MARK: - writing

    /// The document indented by two spaces a level, with no newline at the end.
    public func prettyText() -> String {
        let out = ByteSink()
        write(to: out, indent: 0)
        return out.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    private func write(to out: ByteSink, indent: Int) {
        func newline(_ level: Int) {
            out.byte(0x0a)
            for _ in 0 ..< level { out.write("  ") }
        }
        switch self {
        case .null: out.write("null")
        case let .bool(b): out.write(b ? "true" : "false")
        case let .int(n): out.decimal(n)
        case let .double(d):
            var text = d.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            out.write(text)
        case let .string(s): Self.writeString(s, to: out)
        case let .array(items):
            out.byte(UInt8(ascii: "["))
            if items.isEmpty { out.byte(0x0a) }
            for (i, item) in items.enumerated() {
                if i > 0 { out.byte(UInt8(ascii: ",")) }
                newline(indent + 1)
                item.write(to: out, indent: indent + 1)
            }
            newline(indent)
            out.byte(UInt8(ascii: "]"))
        case let .object(members):
            out.byte(UInt8(ascii: "{"))
            if members.isEmpty { out.byte(0x0a) }
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.byte(UInt8(ascii: ",")) }
                newline(indent + 1)
                Self.writeString(key, to: out)
                out.write(" : ")
                value.write(to: out, indent: indent + 1)
            }
            newline(indent)
            out.byte(UInt8(ascii: "}"))
        }
    }

    private static func writeString(_ s: String, to out: ByteSink) {
        let digits = Array("0123456789abcdef".utf8)
        out.byte(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.write("\\\"")
            case UInt8(ascii: "\\"): out.write("\\\\")
            case 0x08: out.write("\\b")
            case 0x0c: out.write("\\f")
            case 0x0a: out.write("\\n")
            case 0x0d: out.write("\\r")
            case 0x09: out.write("\\t")
            case 0 ..< 0x20:
                out.write("\\u00")
                out.byte(digits[Int(b >> 4)])
                out.byte(digits[Int(b & 15)])
            default: out.byte(b)
            }
        }
        out.byte(UInt8(ascii: "\""))
    }

    // MARK: - reading

    /// Parses one JSON text (RFC 8259; nesting at most 256 deep); nil when it is not one.
    public static func parse(_ bytes: [UInt8]) -> JSONValue? {
        var p = Parser(bytes: bytes)
        guard let v = p.value(depth: 0) else { return nil }
        p.skipSpace()
        return p.at == bytes.count ? v : nil
    }

    private struct Parser {
        let bytes: [UInt8]
        var at = 0

        mutating func skipSpace() {
            while at < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[at]) { at += 1 }
        }

        mutating func literal(_ word: String) -> Bool {
            let w = Array(word.utf8)
            guard bytes.count - at >= w.count, Array(bytes[at ..< at + w.count]) == w else { return false }
            at += w.count
            return true
        }

        mutating func value(depth: Int) -> JSONValue? {
            skipSpace()
            guard at < bytes.count, depth < 256 else { return nil }
            switch bytes[at] {
            case UInt8(ascii: "{"):
                at += 1
                var members: [(String, JSONValue)] = []
                skipSpace()
                if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard let key = string() else { return nil }
                    skipSpace()
                    guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { return nil }
                    at += 1
                    guard let v = value(depth: depth + 1) else { return nil }
                    members.append((key, v))
                    skipSpace()
                    guard at < bytes.count else { return nil }
                    at += 1
                    if bytes[at - 1] == UInt8(ascii: "}") { return .object(members) }
                    guard bytes[at - 1] == UInt8(ascii: ",") else { return nil }
                }
            case UInt8(ascii: "["):
                at += 1
                var items: [JSONValue] = []
                skipSpace()
                if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
                while true {
                    guard let v = value(depth: depth + 1) else { return nil }
                    items.append(v)
                    skipSpace()
                    guard at < bytes.count else { return nil }
                    at += 1
                    if bytes[at - 1] == UInt8(ascii: "]") { return .array(items) }
                    guard bytes[at - 1] == UInt8(ascii: ",") else { return nil }
                }
            case UInt8(ascii: "\""): return string().map(JSONValue.string)
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            default: return number()
            }
        }

        mutating func number() -> JSONValue? {
            let start = at
            var integral = true
            if at < bytes.count, bytes[at] == UInt8(ascii: "-") { at += 1 }
            let digitsStart = at
            while at < bytes.count, (0x30 ... 0x39).contains(bytes[at]) { at += 1 }
            guard at > digitsStart, !(bytes[digitsStart] == 0x30 && at - digitsStart > 1) else { return nil }
            if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
                integral = false
                at += 1
                let f = at
                while at < bytes.count, (0x30 ... 0x39).contains(bytes[at]) { at += 1 }
                guard at > f else { return nil }
            }
            if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
                integral = false
                at += 1
                if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
                let e = at
                while at < bytes.count, (0x30 ... 0x39).contains(bytes[at]) { at += 1 }
                guard at > e else { return nil }
            }
            let text = String(decoding: bytes[start ..< at], as: UTF8.self)
            if integral, let n = Int(text) { return .int(n) }
            return Double(text).map(JSONValue.double)
        }

        /// A string literal at `at` (the opening quote), its escapes decoded.
        mutating func string() -> String? {
            guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { return nil }
            at += 1
            var out: [UInt8] = []
            while at < bytes.count {
                let b = bytes[at]
                at += 1
                switch b {
                case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard at < bytes.count else { return nil }
                    let e = bytes[at]
                    at += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0c)
                    case UInt8(ascii: "n"): out.append(0x0a)
                    case UInt8(ascii: "r"): out.append(0x0d)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard var unit = hex4() else { return nil }
                        if (0xD800 ..< 0xDC00).contains(unit), literal("\\u"), let low = hex4(), (0xDC00 ..< 0xE000).contains(low) {
                            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        }
                        out.append(contentsOf: Array(String(Unicode.Scalar(unit) ?? "\u{FFFD}").utf8))
                    default: return nil
                    }
                case 0 ..< 0x20: return nil
                default: out.append(b)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard bytes.count - at >= 4, let v = UInt32(String(decoding: bytes[at ..< at + 4], as: UTF8.self), radix: 16) else { return nil }
            at += 4
            return v
        }
    }
}
