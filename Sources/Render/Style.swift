import Wire

/// How text output looks. Colour is decided by the caller (a TTY, and `NO_COLOR` unset).
public struct TextStyle: Sendable {
    public var colour: Bool
    public init(colour: Bool) { self.colour = colour }
    public static let plain = TextStyle(colour: false)

    enum Tone { case proto, error, warning, dim, address }

    func open(_ tone: Tone, _ out: ByteSink) {
        guard colour else { return }
        switch tone {
        case .proto: out.write("\u{1b}[1;36m")
        case .error: out.write("\u{1b}[1;31m")
        case .warning: out.write("\u{1b}[33m")
        case .dim: out.write("\u{1b}[2m")
        case .address: out.write("\u{1b}[32m")
        }
    }

    func close(_ out: ByteSink) {
        if colour { out.write("\u{1b}[0m") }
    }

    /// A section heading (bold on a colour terminal), then a blank line.
    public func heading(_ text: String, into out: ByteSink) {
        if colour { out.write("\u{1b}[1m") }
        out.write(text)
        close(out)
        out.write("\n\n")
    }
}
