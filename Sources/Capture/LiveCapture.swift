// Live capture on an interface with libpcap (C calls in Pcap.swift): configure, activate,
// filter, then read frames one at a time.

import Wire
import Synchronization

/// libpcap's counters for a live capture (`pcap_stats`).
public struct CaptureStats: Sendable, Hashable {
    /// Packets the capture received (on Linux: that passed the filter, whether read or not).
    public var received: UInt64
    /// Packets dropped because the buffer was full (the kernel's count).
    public var droppedByKernel: UInt64
    /// Packets dropped by the interface or its driver (not counted on every platform).
    public var droppedByInterface: UInt64

    public init(received: UInt64, droppedByKernel: UInt64, droppedByInterface: UInt64) {
        self.received = received
        self.droppedByKernel = droppedByKernel
        self.droppedByInterface = droppedByInterface
    }
}

/// One interface libpcap can capture on (`pcap_findalldevs`).
public struct InterfaceInfo: Sendable, Hashable {
    /// The name to pass to ``LiveCapture`` (e.g. "lo", "eth0", "any").
    public var name: String
    /// libpcap's human description, if it has one.
    public var description: String?
    /// IPv4 and IPv6 addresses, in presentation form.
    public var addresses: [String]
    public var isLoopback: Bool
    public var isUp: Bool
    public var isRunning: Bool

    public init(
        name: String, description: String?, addresses: [String], isLoopback: Bool, isUp: Bool,
        isRunning: Bool
    ) {
        self.name = name
        self.description = description
        self.addresses = addresses
        self.isLoopback = isLoopback
        self.isUp = isUp
        self.isRunning = isRunning
    }
}

/// The interfaces that can be captured on. The corresponding C function is `pcap_findalldevs`.
public func listInterfaces() throws(PcapError) -> [InterfaceInfo] {
    try findAllDevices()
}

/// A live capture on one interface.
///
/// Threads: ``next()``, ``stats()`` and ``close()`` must be called from one thread at a time
/// (the capture loop), and ``close()`` not while a ``next()`` is running. ``breakLoop()`` may be
/// called from any thread at any time (it and `close()` share a lock); that is why the class is
/// `@unchecked Sendable`.
public final class LiveCapture: @unchecked Sendable {
    /// The interface name given.
    public let interface: String
    /// Link type of the interface (Linux `lo` is ``LinkType/ethernet``).
    public let linkType: LinkType
    /// The snapshot length in force (`pcap_snapshot`).
    public let snaplen: Int
    /// True when frames carry nanosecond timestamps (asked for and granted).
    public let nanosecond: Bool
    /// libpcap's warning when `pcap_activate` succeeded with one (e.g. PCAP_WARNING_PROMISC_NOTSUP).
    public let warning: String?
    /// Frames are handed over as they arrive (see init).
    public let immediate: Bool
    private let handle: PcapHandle
    private let timeoutMilliseconds: Int
    // Set by breakLoop(); guarded by `breakLock`. libpcap's own break flag is not looked at by a
    // non-blocking pcap_next_ex, and our poll does not watch libpcap's wake-up fd, so next()
    // checks this flag itself between short waits.
    private var breakRequested = false
    private let breakLock = Mutex<Void>(())

    /// Opens and activates a capture:
    /// `pcap_create` → `pcap_set_snaplen` → `pcap_set_promisc(0)` → `pcap_set_immediate_mode(1)`
    /// → `pcap_set_timeout` → `pcap_set_buffer_size` (if given) → `pcap_set_tstamp_precision`
    /// (if nanosecond timestamps are asked for) → `pcap_activate` → `pcap_compile` +
    /// `pcap_setfilter` (if a filter is given).
    ///
    /// - Parameters:
    ///   - bufferSize: kernel buffer in bytes; nil keeps libpcap's default (2 MiB on Linux).
    ///   - timeoutMilliseconds: the longest ``next()`` waits before returning `.timeout`.
    ///   - nanosecondTimestamps: ask for nanosecond timestamps; falls back to microseconds.
    /// - Throws: ``PcapError/permissionDenied(interface:message:)``,
    ///   ``PcapError/noSuchInterface(name:available:)``, ``PcapError/interfaceNotUp(interface:message:)``,
    ///   ``PcapError/badFilter(expression:message:)`` or ``PcapError/libpcap(function:message:)``.
    public init(
        interface: String, snaplen: Int = 262_144, bufferSize: Int? = nil, timeoutMilliseconds: Int = 100,
        filter: String? = nil, nanosecondTimestamps: Bool = false, immediate: Bool = true
    ) throws(PcapError) {
        let inactive = try InactivePcapHandle(device: interface)
        try inactive.setSnaplen(snaplen)
        try inactive.setPromiscuous(false)
        // Immediate mode hands over every frame at once, which someone watching needs. Its cost:
        // on Linux (TPACKET_V3) the kernel then retires a ring block every millisecond however
        // little it holds, so a 32 MB ring of 512 KB blocks holds only 64 ms of traffic. Without
        // it a block is handed over when full or after the read timeout, and the same ring holds
        // seconds — what a capture that only writes a file wants (tcpdump -w does the same).
        try inactive.setImmediateMode(immediate)
        try inactive.setTimeout(milliseconds: timeoutMilliseconds)
        if let bufferSize { try inactive.setBufferSize(bufferSize) }
        let nano = nanosecondTimestamps && inactive.requestNanosecondPrecision()
        let (handle, warning) = try inactive.activate(device: interface)
        if let filter { try handle.setFilter(filter) }
        // libpcap 1.10's blocking pcap_next_ex on Linux (TPACKET_V3, immediate mode) does not
        // return when the read timeout expires — it polls again — so a quiet interface would
        // hold the caller forever and Ctrl-C could not stop it. Read non-blocking and do the
        // bounded wait ourselves.
        try handle.setNonblocking()
        self.timeoutMilliseconds = timeoutMilliseconds
        self.immediate = immediate
        self.interface = interface
        self.handle = handle
        self.warning = warning
        self.nanosecond = nano
        self.linkType = handle.dataLink()
        self.snaplen = handle.snapshot()
    }

    deinit { handle.close() }

    /// What ``next()`` found.
    public enum Next {
        /// A frame; its bytes belong to libpcap and are valid until the next call.
        case frame(RawFrame)
        /// The read timeout expired with no frame: check stop flags, then call again.
        case timeout
    }

    /// Waits for the next frame (`pcap_next_ex`), at most about the read timeout.
    /// Returns nil once ``breakLoop()`` was called (each call of `breakLoop` ends one wait) or
    /// after ``close()``; throws ``PcapError/libpcap(function:message:)`` on a capture error
    /// (e.g. the interface went down).
    public func next() throws(PcapError) -> Next? {
        if consumeBreak() { return nil }
        var result = handle.next()
        if case .timeout = result {
            // Nothing buffered: wait in short slices (bounded; a signal or breakLoop() also ends
            // the wait), then look once more.
            var waited = 0
            var readable = false
            while waited < timeoutMilliseconds && !readable {
                let slice = min(50, timeoutMilliseconds - waited)
                readable = handle.waitReadable(milliseconds: slice)
                waited += slice
                if consumeBreak() { return nil }
            }
            guard readable else { return .timeout }
            result = handle.next()
        }
        switch result {
        case .packet(let header, let data):
            let caplen = Int(header.pointee.caplen)
            let seconds = Int64(header.pointee.ts.tv_sec)
            let fraction = Int64(header.pointee.ts.tv_usec)
            let timestamp: Timestamp
            if nanosecond {
                timestamp = Timestamp(
                    seconds: seconds + fraction / 1_000_000_000,
                    nanoseconds: UInt32(truncatingIfNeeded: fraction % 1_000_000_000), fractionDigits: 9)
            } else {
                timestamp = Timestamp(
                    seconds: seconds + fraction / 1_000_000,
                    nanoseconds: UInt32(truncatingIfNeeded: fraction % 1_000_000 * 1000), fractionDigits: 6)
            }
            let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(data), count: caplen)
            return .frame(
                RawFrame(timestamp: timestamp, len: Int(header.pointee.len), linkType: linkType, bytes: bytes))
        case .timeout:
            return .timeout
        case .broken:
            return nil
        case .error(let message):
            throw .libpcap(function: "pcap_next_ex", message: message)
        }
    }

    /// Makes a ``next()`` that is waiting (or the next one) return nil (`pcap_breakloop`).
    ///
    /// Safe from any thread. It takes a lock (so it cannot race ``close()``), which makes it
    /// unsuitable for a raw POSIX signal handler: on SIGINT/SIGTERM, either handle the signal
    /// with `DispatchSource.makeSignalSource` (or a thread in `sigwait`) and call this from
    /// there, or only set a flag in the handler and check it when ``next()`` returns
    /// `.timeout` (at least every `timeoutMilliseconds`).
    public func breakLoop() {
        breakLock.withLock { _ in breakRequested = true }
        handle.breakLoop()
    }

    /// True (once) when breakLoop() was called since the last check.
    private func consumeBreak() -> Bool {
        breakLock.withLock { _ in
            defer { breakRequested = false }
            return breakRequested
        }
    }

    /// libpcap's counters since the capture started (`pcap_stats`).
    public func stats() throws(PcapError) -> CaptureStats {
        try handle.statistics()
    }

    /// Closes the capture (`pcap_close`). Safe to call twice; also done by deinit.
    public func close() {
        handle.close()
    }
}
