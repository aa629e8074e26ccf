// BPF filters for frames read from files: compiled by libpcap for a link type, run with
// pcap_offline_filter (see Pcap.swift for the C calls).

import Wire

/// A compiled BPF filter for one link type (`pcap_open_dead` + `pcap_compile`), applied to
/// frames with `pcap_offline_filter`.
///
/// Sendable: immutable after init, and `pcap_offline_filter` only reads the program, so one
/// filter may be used from several threads at once.
public final class BPFFilter: @unchecked Sendable {
    /// The filter expression as given (pcap-filter(7) syntax).
    public let expression: String
    /// The link type the program was compiled for.
    public let linkType: LinkType
    private let compiled: CompiledFilter

    /// Compiles `expression` for frames of `linkType`. An empty expression accepts everything.
    /// Throws ``PcapError/badFilter(expression:message:)`` with libpcap's message when the
    /// expression does not compile for this link type.
    public init(expression: String, linkType: LinkType, snaplen: Int = 262_144) throws(PcapError) {
        self.expression = expression
        self.linkType = linkType
        self.compiled = try CompiledFilter(expression: expression, linkType: linkType, snaplen: snaplen)
    }

    /// True when the filter accepts the frame. The frame's link type is not checked: use
    /// ``FrameFilter`` for sources with several link types.
    @inline(__always)
    public func matches(_ frame: RawFrame) -> Bool {
        compiled.matches(frame.bytes, originalLength: frame.len)
    }

    /// True when the filter accepts these captured bytes of a packet `originalLength` long.
    public func matches(_ bytes: UnsafeRawBufferPointer, originalLength: Int) -> Bool {
        compiled.matches(bytes, originalLength: originalLength)
    }
}

/// A filter for sources whose frames have several link types (pcapng): compiles one
/// ``BPFFilter`` per link type the first time a frame of that type is seen.
///
/// Not thread-safe (it fills its cache as it goes): use one per thread.
public final class FrameFilter {
    /// The filter expression as given.
    public let expression: String
    private var filters: [LinkType: Result<BPFFilter, PcapError>] = [:]
    private var lastLinkType: LinkType?
    private var lastFilter: BPFFilter?

    /// Creates the filter; nothing is compiled until the first frame (or ``validate(for:)``).
    public init(expression: String) {
        self.expression = expression
    }

    /// Compiles the expression for `linkType` now, so a bad filter is reported before any
    /// frame is read.
    public func validate(for linkType: LinkType) throws(PcapError) {
        _ = try filter(for: linkType)
    }

    /// True when the filter accepts the frame. Throws ``PcapError/badFilter(expression:message:)``
    /// when the expression does not compile for the frame's link type (for example `ether host`
    /// on raw IP).
    @inline(__always)
    public func matches(_ frame: RawFrame) throws(PcapError) -> Bool {
        if frame.linkType == lastLinkType, let lastFilter { return lastFilter.matches(frame) }
        return try filter(for: frame.linkType).matches(frame)
    }

    private func filter(for linkType: LinkType) throws(PcapError) -> BPFFilter {
        let result: Result<BPFFilter, PcapError>
        if let cached = filters[linkType] {
            result = cached
        } else {
            do throws(PcapError) {
                result = .success(try BPFFilter(expression: expression, linkType: linkType))
            } catch {
                result = .failure(error)
            }
            filters[linkType] = result
        }
        switch result {
        case .success(let filter):
            lastLinkType = linkType
            lastFilter = filter
            return filter
        case .failure(let error):
            throw error
        }
    }
}
