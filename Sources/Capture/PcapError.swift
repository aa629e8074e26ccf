// The one error type of the Capture module. Every case keeps the text that the C library or the
// file gave us word for word, and every description ends with what the user can do about it.

/// An error from capturing, reading or writing packets.
///
/// Messages from libpcap (`pcap_geterr` or the `errbuf` of a call) and from the C library
/// (`strerror`) are kept word for word; ``description`` adds what to do about them.
public enum PcapError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A file could not be opened (`open(2)` failed); `message` is `strerror(errno)`.
    case open(path: String, message: String)
    /// Reading a capture file or pipe failed (`read(2)`); `message` is `strerror(errno)`.
    case read(path: String, message: String)
    /// The file or pipe ended before a capture-file header: there is nothing to read.
    case emptyFile(path: String)
    /// The first four bytes are none of the pcap or pcapng magic numbers.
    case notACaptureFile(magic: UInt32)
    /// A pcap or pcapng header carries a major version this reader does not know.
    case unsupportedVersion(format: CaptureFileFormat, major: Int, minor: Int)
    /// Frame number `frame` (1-based), whose record or block starts at byte `offset`, holds
    /// impossible values. The frames before it were returned normally.
    case corrupt(frame: Int, offset: Int64, reason: String)
    /// The file ends inside frame number `frame` (1-based), whose record or block starts at byte
    /// `offset`. The frames before it were returned normally. Frame 0 means the file header.
    case truncated(frame: Int, offset: Int64, reason: String)
    /// `pcap_compile` rejected a filter; `message` is libpcap's text.
    case badFilter(expression: String, message: String)
    /// `pcap_activate` said PCAP_ERROR_PERM_DENIED or PCAP_ERROR_PROMISC_PERM_DENIED.
    case permissionDenied(interface: String, message: String)
    /// `pcap_activate` said PCAP_ERROR_NO_SUCH_DEVICE; `available` lists what `pcap_findalldevs`
    /// offers instead (empty if that failed too).
    case noSuchInterface(name: String, available: [String])
    /// `pcap_activate` said PCAP_ERROR_IFACE_NOT_UP.
    case interfaceNotUp(interface: String, message: String)
    /// Any other libpcap failure: the C function that failed and libpcap's text.
    case libpcap(function: String, message: String)
    /// Writing a capture file failed (`write(2)`, `close(2)`, or a value pcap cannot store).
    case write(path: String, message: String)
    /// The reader, writer or capture was used after `close()`.
    case closed

    public var description: String {
        switch self {
        case let .open(path, message):
            return "cannot open \(path): \(message) (check the path and its permissions)"
        case let .read(path, message):
            return "cannot read \(path): \(message)"
        case let .emptyFile(path):
            return "\(path) is empty: it contains no pcap or pcapng header (was the capture ever written?)"
        case let .notACaptureFile(magic):
            return "not a pcap or pcapng file (magic 0x\(hex(magic, width: 8))); "
                + "give a file written by tcpdump, Wireshark/dumpcap or framescope"
        case let .unsupportedVersion(format, major, minor):
            return "unsupported \(format) version \(major).\(minor) (this reader knows pcap 2.x and pcapng 1.x)"
        case let .corrupt(frame, offset, reason):
            return "record \(frame) at byte offset \(offset): \(reason) (file corrupt?); "
                + "\(max(frame - 1, 0)) frame(s) before it were read"
        case let .truncated(0, _, reason):
            return "file ends inside its capture-file header: \(reason) (file cut short?)"
        case let .truncated(frame, offset, reason):
            return "file ends inside record \(frame) at byte offset \(offset): \(reason) "
                + "(file cut short?); \(max(frame - 1, 0)) frame(s) before it were read"
        case let .badFilter(expression, message):
            return "bad capture filter \"\(expression)\": \(message) (see man 7 pcap-filter)"
        case let .permissionDenied(interface, message):
            return "no permission to capture on \(interface): \(message); run as root, or grant the "
                + "capability: setcap cap_net_raw,cap_net_admin=eip $(which framescope)"
        case let .noSuchInterface(name, available):
            let list = available.isEmpty ? "none found" : available.joined(separator: ", ")
            return "no such interface \"\(name)\"; interfaces that exist: \(list) "
                + "(see `framescope interfaces`)"
        case let .interfaceNotUp(interface, message):
            return "interface \(interface) is not up: \(message) (bring it up: ip link set \(interface) up)"
        case let .libpcap(function, message):
            return "\(function) failed: \(message)"
        case let .write(path, message):
            return "cannot write \(path): \(message) (check free space and permissions)"
        case .closed:
            return "the capture source was already closed (internal error: report it)"
        }
    }
}

/// Lower-case hexadecimal, zero-padded to `width` digits.
func hex<T: BinaryInteger>(_ value: T, width: Int) -> String {
    let digits = String(value, radix: 16)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
