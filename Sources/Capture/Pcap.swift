// Every libpcap call of framescope lives in this file, behind small Swift wrappers (swift-system
// style; gopacket pcap/pcap.go for the configure → activate split and the named return codes).
// Errors carry the C function's name and libpcap's text (pcap_geterr or errbuf) word for word.

import CPcap
import Wire
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Helpers

/// Calls `body` with a PCAP_ERRBUF_SIZE error buffer; returns its result and the buffer's text.
private func withErrorBuffer<T>(_ body: (UnsafeMutablePointer<CChar>) -> T) -> (T, String) {
    let size = Int(PCAP_ERRBUF_SIZE) + 1
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
    buffer.initialize(repeating: 0, count: size)
    defer { buffer.deallocate() }
    let result = body(buffer)
    buffer[size - 1] = 0
    return (result, String(cString: buffer))
}

/// libpcap's last error on `handle` (`pcap_geterr`), or the generic text for `status`
/// (`pcap_statustostr`) when libpcap left it empty.
private func lastError(_ handle: OpaquePointer, status: Int32? = nil) -> String {
    let text = pcap_geterr(handle).map { String(cString: $0) } ?? ""
    if text.isEmpty, let status, let generic = pcap_statustostr(status) { return String(cString: generic) }
    return text
}

/// The C name of a pcap_activate / pcap_next_ex status code.
func pcapStatusName(_ status: Int32) -> String {
    switch status {
    case 0: return "0"
    case PCAP_ERROR: return "PCAP_ERROR"
    case PCAP_ERROR_BREAK: return "PCAP_ERROR_BREAK"
    case PCAP_ERROR_NOT_ACTIVATED: return "PCAP_ERROR_NOT_ACTIVATED"
    case PCAP_ERROR_ACTIVATED: return "PCAP_ERROR_ACTIVATED"
    case PCAP_ERROR_NO_SUCH_DEVICE: return "PCAP_ERROR_NO_SUCH_DEVICE"
    case PCAP_ERROR_RFMON_NOTSUP: return "PCAP_ERROR_RFMON_NOTSUP"
    case PCAP_ERROR_NOT_RFMON: return "PCAP_ERROR_NOT_RFMON"
    case PCAP_ERROR_PERM_DENIED: return "PCAP_ERROR_PERM_DENIED"
    case PCAP_ERROR_IFACE_NOT_UP: return "PCAP_ERROR_IFACE_NOT_UP"
    case PCAP_ERROR_CANTSET_TSTAMP_TYPE: return "PCAP_ERROR_CANTSET_TSTAMP_TYPE"
    case PCAP_ERROR_PROMISC_PERM_DENIED: return "PCAP_ERROR_PROMISC_PERM_DENIED"
    case PCAP_ERROR_TSTAMP_PRECISION_NOTSUP: return "PCAP_ERROR_TSTAMP_PRECISION_NOTSUP"
    case PCAP_WARNING: return "PCAP_WARNING"
    case PCAP_WARNING_PROMISC_NOTSUP: return "PCAP_WARNING_PROMISC_NOTSUP"
    case PCAP_WARNING_TSTAMP_TYPE_NOTSUP: return "PCAP_WARNING_TSTAMP_TYPE_NOTSUP"
    default: return "status \(status)"
    }
}

/// LINKTYPE_* (file value, what ``LinkType`` holds) → this platform's DLT_* (what libpcap's
/// compiler and pcap_open_dead take). They differ for RAW (101 vs 12/14) and LOOP on OpenBSD.
func dataLinkValue(for linkType: LinkType) -> Int32 {
    if !linkType.name.hasPrefix("LINKTYPE_") {
        let value = pcap_datalink_name_to_val(linkType.name)
        if value >= 0 { return value }
    }
    return Int32(bitPattern: linkType.rawValue)
}

/// DLT_* value from pcap_datalink → LINKTYPE_* as files and ``LinkType`` use it.
func linkType(forDataLink dlt: Int32) -> LinkType {
    let name = pcap_datalink_val_to_name(dlt).map { String(cString: $0) }
    switch name {
    case "RAW": return .raw
    case "LOOP": return .loop
    default: return LinkType(rawValue: UInt32(bitPattern: dlt))
    }
}

// MARK: - Inactive handle (configure, then activate)

/// A `pcap_t` between `pcap_create` and `pcap_activate`. Configuring methods map to
/// `pcap_set_*`; `activate()` consumes it and returns the active handle. If it is dropped
/// without activating, `deinit` calls `pcap_close`.
struct InactivePcapHandle: ~Copyable {
    private let pointer: OpaquePointer

    /// The corresponding C function is `pcap_create`.
    init(device: String) throws(PcapError) {
        let (handle, message) = withErrorBuffer { pcap_create(device, $0) }
        guard let handle else { throw .libpcap(function: "pcap_create", message: message) }
        self.pointer = handle
    }

    deinit { pcap_close(pointer) }

    private func check(_ status: Int32, _ function: String) throws(PcapError) {
        if status != 0 {
            throw .libpcap(function: function, message: "\(pcapStatusName(status)): \(lastError(pointer, status: status))")
        }
    }

    /// The corresponding C function is `pcap_set_snaplen`.
    func setSnaplen(_ snaplen: Int) throws(PcapError) {
        try check(pcap_set_snaplen(pointer, Int32(clamping: snaplen)), "pcap_set_snaplen")
    }

    /// The corresponding C function is `pcap_set_promisc`.
    func setPromiscuous(_ on: Bool) throws(PcapError) {
        try check(pcap_set_promisc(pointer, on ? 1 : 0), "pcap_set_promisc")
    }

    /// The corresponding C function is `pcap_set_immediate_mode`.
    func setImmediateMode(_ on: Bool) throws(PcapError) {
        try check(pcap_set_immediate_mode(pointer, on ? 1 : 0), "pcap_set_immediate_mode")
    }

    /// The corresponding C function is `pcap_set_timeout`.
    func setTimeout(milliseconds: Int) throws(PcapError) {
        try check(pcap_set_timeout(pointer, Int32(clamping: milliseconds)), "pcap_set_timeout")
    }

    /// The corresponding C function is `pcap_set_buffer_size`.
    func setBufferSize(_ bytes: Int) throws(PcapError) {
        try check(pcap_set_buffer_size(pointer, Int32(clamping: bytes)), "pcap_set_buffer_size")
    }

    /// Asks for nanosecond timestamps; false when the platform cannot give them.
    /// The corresponding C function is `pcap_set_tstamp_precision`.
    func requestNanosecondPrecision() -> Bool {
        pcap_set_tstamp_precision(pointer, Int32(PCAP_TSTAMP_PRECISION_NANO)) == 0
    }

    /// Activates the handle. Returns it with libpcap's warning text, if `pcap_activate`
    /// returned a warning; maps each error code to a ``PcapError`` case.
    /// The corresponding C function is `pcap_activate`.
    consuming func activate(device: String) throws(PcapError) -> (handle: PcapHandle, warning: String?) {
        let pointer = self.pointer
        discard self
        let active = PcapHandle(pointer)  // owns pcap_close from here on, on every path
        let status = pcap_activate(pointer)
        if status < 0 {
            let message = lastError(pointer, status: status)
            active.close()
            switch status {
            case PCAP_ERROR_NO_SUCH_DEVICE:
                let available = (try? findAllDevices().map(\.name)) ?? []
                throw .noSuchInterface(name: device, available: available)
            case PCAP_ERROR_PERM_DENIED:
                throw .permissionDenied(interface: device, message: message)
            case PCAP_ERROR_PROMISC_PERM_DENIED:
                throw .permissionDenied(interface: device, message: "promiscuous mode: \(message)")
            case PCAP_ERROR_IFACE_NOT_UP:
                throw .interfaceNotUp(interface: device, message: message)
            default:
                // PCAP_ERROR, PCAP_ERROR_ACTIVATED, PCAP_ERROR_RFMON_NOTSUP, …
                throw .libpcap(function: "pcap_activate", message: "\(pcapStatusName(status)): \(message)")
            }
        }
        let warning = status > 0 ? "\(pcapStatusName(status)): \(lastError(pointer, status: status))" : nil
        return (active, warning)
    }
}

// MARK: - Active handle

/// An activated `pcap_t`. `close()` (also run by `deinit`) calls `pcap_close` once.
/// `close()` and `breakLoop()` take `lock`, so `breakLoop()` may come from another thread;
/// every other method must be called from one thread at a time.
final class PcapHandle {
    private var pointer: OpaquePointer?
    private let lock = Mutex<Void>(())

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    deinit { close() }

    /// The corresponding C function is `pcap_close`. Safe to call twice.
    func close() {
        lock.withLock { _ in
            if let pointer { pcap_close(pointer) }
            pointer = nil
        }
    }

    /// The corresponding C function is `pcap_breakloop`: it sets a flag (and on Linux writes
    /// to an eventfd) so that a blocked or later `pcap_next_ex` returns PCAP_ERROR_BREAK.
    func breakLoop() {
        lock.withLock { _ in
            if let pointer { pcap_breakloop(pointer) }
        }
    }

    /// Puts the handle in non-blocking mode, so `pcap_next_ex` returns 0 at once when nothing
    /// is buffered. The corresponding C function is `pcap_setnonblock`.
    func setNonblocking() throws(PcapError) {
        guard let pointer else { throw .closed }
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        if pcap_setnonblock(pointer, 1, &errbuf) != 0 {
            throw .libpcap(function: "pcap_setnonblock", message: String(decoding: errbuf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    /// Waits up to `milliseconds` for the capture to become readable (`poll` on
    /// `pcap_get_selectable_fd`). False on timeout or when a signal interrupted the wait.
    func waitReadable(milliseconds: Int) -> Bool {
        guard let pointer else { return false }
        let fd = pcap_get_selectable_fd(pointer)
        guard fd >= 0 else { return true }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, Int32(clamping: milliseconds)) > 0
    }

    /// The corresponding C function is `pcap_datalink`.
    func dataLink() -> LinkType {
        guard let pointer else { return LinkType(rawValue: 0xFFFF_FFFF) }
        return linkType(forDataLink: pcap_datalink(pointer))
    }

    /// The corresponding C function is `pcap_snapshot`.
    func snapshot() -> Int {
        guard let pointer else { return 0 }
        return Int(pcap_snapshot(pointer))
    }

    /// Compiles `expression` for this handle and installs it. The corresponding C functions are
    /// `pcap_compile`, `pcap_setfilter` and `pcap_freecode`.
    func setFilter(_ expression: String) throws(PcapError) {
        guard let pointer else { throw .closed }
        var program = bpf_program()
        if pcap_compile(pointer, &program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0 {
            throw .badFilter(expression: expression, message: lastError(pointer))
        }
        defer { pcap_freecode(&program) }
        if pcap_setfilter(pointer, &program) != 0 {
            throw .libpcap(function: "pcap_setfilter", message: lastError(pointer))
        }
    }

    /// What `pcap_next_ex` returned, one case per return code.
    enum NextResult {
        /// 1: a packet; the pointers stay valid until the next call.
        case packet(UnsafePointer<pcap_pkthdr>, UnsafePointer<UInt8>)
        /// 0: the read timeout expired with no packet.
        case timeout
        /// PCAP_ERROR_BREAK: pcap_breakloop was called (or, offline, the end of the file).
        case broken
        /// PCAP_ERROR: libpcap's message.
        case error(String)
    }

    /// The corresponding C function is `pcap_next_ex`.
    func next() -> NextResult {
        guard let pointer else { return .broken }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let status = pcap_next_ex(pointer, &header, &data)
        switch status {
        case 1:
            guard let header, let data else { return .error("pcap_next_ex returned 1 without a packet") }
            return .packet(UnsafePointer(header), data)
        case 0: return .timeout
        case PCAP_ERROR_BREAK: return .broken
        default: return .error("\(pcapStatusName(status)): \(lastError(pointer, status: status))")
        }
    }

    /// The corresponding C function is `pcap_stats`.
    func statistics() throws(PcapError) -> CaptureStats {
        guard let pointer else { throw .closed }
        var counters = pcap_stat()
        if pcap_stats(pointer, &counters) != 0 {
            throw .libpcap(function: "pcap_stats", message: lastError(pointer))
        }
        return CaptureStats(
            received: UInt64(counters.ps_recv), droppedByKernel: UInt64(counters.ps_drop),
            droppedByInterface: UInt64(counters.ps_ifdrop))
    }
}

// MARK: - Compiled filters for offline use

/// A BPF program compiled on a dead handle (`pcap_open_dead` + `pcap_compile`); freed with
/// `pcap_freecode` in deinit. Immutable after init.
final class CompiledFilter {
    private let program: UnsafeMutablePointer<bpf_program>

    /// The corresponding C functions are `pcap_open_dead`, `pcap_compile` and `pcap_close`.
    init(expression: String, linkType: LinkType, snaplen: Int) throws(PcapError) {
        guard let dead = pcap_open_dead(dataLinkValue(for: linkType), Int32(clamping: snaplen)) else {
            throw .libpcap(function: "pcap_open_dead", message: "could not create a handle for link type \(linkType.name)")
        }
        defer { pcap_close(dead) }
        let program = UnsafeMutablePointer<bpf_program>.allocate(capacity: 1)
        program.initialize(to: bpf_program())
        if pcap_compile(dead, program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0 {
            let message = lastError(dead)
            program.deallocate()
            throw .badFilter(expression: expression, message: message)
        }
        self.program = program
    }

    deinit {
        pcap_freecode(program)
        program.deallocate()
    }

    /// Runs the program over the bytes; true when it accepts the packet.
    /// The corresponding C function is `pcap_offline_filter`.
    @inline(__always)
    func matches(_ bytes: UnsafeRawBufferPointer, originalLength: Int) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var header = pcap_pkthdr()
        header.caplen = UInt32(truncatingIfNeeded: bytes.count)
        header.len = UInt32(clamping: max(originalLength, bytes.count))
        return pcap_offline_filter(program, &header, base.assumingMemoryBound(to: UInt8.self)) != 0
    }
}

// MARK: - Interfaces

/// The corresponding C functions are `pcap_findalldevs` and `pcap_freealldevs`.
func findAllDevices() throws(PcapError) -> [InterfaceInfo] {
    var list: UnsafeMutablePointer<pcap_if_t>?
    let (status, message) = withErrorBuffer { pcap_findalldevs(&list, $0) }
    guard status == 0 else { throw .libpcap(function: "pcap_findalldevs", message: message) }
    defer { if let list { pcap_freealldevs(list) } }
    var result: [InterfaceInfo] = []
    var cursor = list
    while let device = cursor {
        let entry = device.pointee
        var addresses: [String] = []
        var address = entry.addresses
        while let current = address {
            if let text = socketAddressText(current.pointee.addr) { addresses.append(text) }
            address = current.pointee.next
        }
        result.append(
            InterfaceInfo(
                name: entry.name.map { String(cString: $0) } ?? "",
                description: entry.description.map { String(cString: $0) },
                addresses: addresses,
                isLoopback: entry.flags & UInt32(PCAP_IF_LOOPBACK) != 0,
                isUp: entry.flags & UInt32(PCAP_IF_UP) != 0,
                isRunning: entry.flags & UInt32(PCAP_IF_RUNNING) != 0))
        cursor = entry.next
    }
    return result
}

/// IPv4 or IPv6 address in presentation form (`inet_ntop`); nil for other families.
private func socketAddressText(_ address: UnsafeMutablePointer<sockaddr>?) -> String? {
    guard let address else { return nil }
    let size = Int(INET6_ADDRSTRLEN) + 1
    let text = UnsafeMutablePointer<CChar>.allocate(capacity: size)
    text.initialize(repeating: 0, count: size)
    defer { text.deallocate() }
    let family = Int32(address.pointee.sa_family)
    let ok: Bool
    switch family {
    case AF_INET:
        ok = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
            var raw = v4.pointee.sin_addr
            return inet_ntop(AF_INET, &raw, text, socklen_t(size)) != nil
        }
    case AF_INET6:
        ok = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
            var raw = v6.pointee.sin6_addr
            return inet_ntop(AF_INET6, &raw, text, socklen_t(size)) != nil
        }
    default:
        return nil
    }
    return ok ? String(cString: text) : nil
}

// MARK: - libpcap's own offline reader (tests cross-check the native reader and writer with it)

/// One record as libpcap's `pcap_next_ex` returned it, copied.
struct LibpcapRecord: Equatable {
    var seconds: Int
    var nanoseconds: Int
    var caplen: Int
    var len: Int
    var bytes: [UInt8]
}

/// Reads a whole file with `pcap_open_offline_with_tstamp_precision` (nanosecond precision)
/// and `pcap_next_ex`. For tests: it holds every record in memory.
func libpcapReadAll(path: String) throws(PcapError) -> (linkType: LinkType, records: [LibpcapRecord]) {
    let (opened, message) = withErrorBuffer {
        pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), $0)
    }
    guard let handle = opened else { throw .libpcap(function: "pcap_open_offline", message: message) }
    let owner = PcapHandle(handle)
    var records: [LibpcapRecord] = []
    while true {
        switch owner.next() {
        case .packet(let header, let data):
            let caplen = Int(header.pointee.caplen)
            records.append(
                LibpcapRecord(
                    seconds: Int(header.pointee.ts.tv_sec), nanoseconds: Int(header.pointee.ts.tv_usec),
                    caplen: caplen, len: Int(header.pointee.len),
                    bytes: Array(UnsafeBufferPointer(start: data, count: caplen))))
        case .timeout:
            continue
        case .broken:
            return (owner.dataLink(), records)
        case .error(let text):
            throw .libpcap(function: "pcap_next_ex", message: text)
        }
    }
}
