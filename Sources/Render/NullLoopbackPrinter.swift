import Wire

// BSD loopback (NULL) and OpenBSD loopback (LOOP) in every output mode:
//   one line  ` null af 2` / ` loop af 24`
//   tree      `BSD loopback (NULL), address family 2 (IPv4)`
//   JSON      `"family":2`

enum NullLoopbackPrinter {
    static func oneLine(_ h: NullHeader, _ out: ByteSink) {
        out.write(h.isLoop ? " loop af " as StaticString : " null af ")
        out.decimal(h.family)
    }

    static func tree(_ h: NullHeader, into row: inout TreeRow) {
        let fam = h.family == 2 ? "IPv4" : NullHeader.isIPv6Family(h.family) ? "IPv6" : "unknown"
        row.headline = "\(h.isLoop ? "OpenBSD loopback (LOOP)" : "BSD loopback (NULL)"), address family \(h.family) (\(fam))"
    }

    static func json(_ h: NullHeader, into out: ByteSink) {
        out.write(",\"family\":")
        out.decimal(h.family)
    }
}
