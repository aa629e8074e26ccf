/// Which framing applies to which stream: a default plus per-port specs, like Wireshark's
/// "Decode As". Built from the `--framing` values as typed:
///
///     --framing '!I'                      every stream: !I
///     --framing 9000='!I' --framing 9001=line     port 9000 !I, port 9001 line, others auto
///     --framing line --framing 9000=H     port 9000 H, others line
///
/// A value is `PORT=SPEC` when it starts with digits and `=` (so `=I`, native order, stays a
/// spec); surrounding quotes around SPEC are removed. Without a default value, the default is
/// `auto`. The server's port is looked up first, then the client's.
public struct FramingChoice: Sendable, Hashable {
    public var defaultSpec: FrameSpec
    public var portSpecs: [UInt16: FrameSpec]

    public init(defaultSpec: FrameSpec, portSpecs: [UInt16: FrameSpec] = [:]) {
        self.defaultSpec = defaultSpec
        self.portSpecs = portSpecs
    }

    /// Throws `.badSpec` for an unreadable spec, a bad port (1–65535), a port given twice or two
    /// defaults, and `.badMaxMessage` for a negative limit.
    public init(parsing options: [String], maxMessage: Int = 1 << 20, lengthIncludesHeader: Bool = false) throws(FrameError) {
        guard maxMessage >= 0 else { throw .badMaxMessage(maxMessage) }
        var defaultSpec: FrameSpec?
        var defaultText = ""
        var ports: [UInt16: FrameSpec] = [:]
        for option in options {
            let digits = option.prefix(while: { $0.isASCII && $0.isNumber })
            let rest = option.dropFirst(digits.count)
            if !digits.isEmpty, rest.first == "=" {
                guard let port = UInt16(digits), port != 0 else {
                    throw .badSpec(option, reason: "port \(digits) is not 1-65535; expected PORT=SPEC like 9000='!I'")
                }
                let specText = Self.unquoted(String(rest.dropFirst()))
                let spec: FrameSpec
                do {
                    spec = try FrameSpec(parsing: specText, maxMessage: maxMessage, lengthIncludesHeader: lengthIncludesHeader)
                } catch {
                    if case let .badSpec(_, reason) = error { throw .badSpec(option, reason: reason) }
                    throw error
                }
                guard ports[port] == nil else { throw .badSpec(option, reason: "port \(port) was given a framing twice") }
                ports[port] = spec
            } else {
                let spec = try FrameSpec(parsing: Self.unquoted(option), maxMessage: maxMessage, lengthIncludesHeader: lengthIncludesHeader)
                guard defaultSpec == nil else {
                    throw .badSpec(option, reason: "a default framing was already given ('\(defaultText)'); give one default and PORT=SPEC for the others")
                }
                defaultSpec = spec
                defaultText = option
            }
        }
        self.defaultSpec = defaultSpec ?? FrameSpec(.auto, maxMessage: maxMessage, lengthIncludesHeader: lengthIncludesHeader)
        self.portSpecs = ports
    }

    /// The spec for a stream or flow: the server port's, else the client port's, else the
    /// default. (When the roles are unknown, pass either port as `serverPort`.)
    public func spec(serverPort: UInt16?, clientPort: UInt16?) -> FrameSpec {
        if let port = serverPort, let spec = portSpecs[port] { return spec }
        if let port = clientPort, let spec = portSpecs[port] { return spec }
        return defaultSpec
    }

    private static func unquoted(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first else { return text }
        return String(text.dropFirst().dropLast())
    }
}
