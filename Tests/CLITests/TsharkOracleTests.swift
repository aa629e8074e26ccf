import Foundation
import TestSupport
import XCTest

/// The JSON of every frame of every committed capture agrees with tshark's decoding of the same
/// file, field by field, for every layer 2–4 field of the schema. tshark is the oracle here, not a
/// snapshot of our own output: a disagreement is a bug on one side, to be explained or fixed.
///
/// Known, deliberate differences (each is a rule of docs/DESIGN.md "Per-frame JSON", not tshark's):
/// - a SACK option whose length is not 2 + 8n: tshark lists no option after it (its SACK
///   dissector throws on the half block); framescope, like tcpdump, lists the ones its length
///   delimits.
/// - a timestamp fraction too large for tshark's 32-bit nanoseconds (it wraps): not compared.
/// - `frag_offset` is in bytes in our schema; tshark 4.0 gives the 13-bit field (× 8 here).
final class TsharkOracleTests: XCTestCase {
    /// (tshark field, our proto, our key, how to compare)
    enum Kind { case int, hexInt, string, bool(String), times8, tcpFlags, optionKinds }
    static let fields: [(String, String, String, Kind)] = [
        ("eth.src", "eth", "src", .string), ("eth.dst", "eth", "dst", .string), ("eth.type", "eth", "ethertype", .hexInt),
        ("sll.pkttype", "sll*", "packet_type", .int), ("sll.hatype", "sll*", "arphrd_type", .int),
        ("sll.etype", "sll*", "protocol", .hexInt), ("sll.ifindex", "sll2", "ifindex", .int),
        ("null.family", "null*", "family", .int),
        ("ip.version", "ipv4", "version", .int), ("ip.hdr_len", "ipv4", "header_length", .int),
        ("ip.dsfield.dscp", "ipv4", "dscp", .int), ("ip.dsfield.ecn", "ipv4", "ecn", .int),
        ("ip.len", "ipv4", "total_length", .int), ("ip.id", "ipv4", "id", .hexInt),
        ("ip.flags.df", "ipv4", "flags", .bool("DF")), ("ip.flags.mf", "ipv4", "flags", .bool("MF")),
        ("ip.frag_offset", "ipv4", "frag_offset", .times8), ("ip.ttl", "ipv4", "ttl", .int),
        ("ip.proto", "ipv4", "protocol", .int), ("ip.checksum", "ipv4", "checksum", .hexInt),
        ("ip.src", "ipv4", "src", .string), ("ip.dst", "ipv4", "dst", .string),
        ("ipv6.tclass", "ipv6", "traffic_class", .hexInt), ("ipv6.flow", "ipv6", "flow_label", .hexInt),
        ("ipv6.plen", "ipv6", "payload_length", .int), ("ipv6.nxt", "ipv6", "next_header", .int),
        ("ipv6.hlim", "ipv6", "hop_limit", .int), ("ipv6.src", "ipv6", "src", .string), ("ipv6.dst", "ipv6", "dst", .string),
        ("arp.opcode", "arp", "opcode", .int), ("arp.src.hw_mac", "arp", "sender_mac", .string),
        ("arp.src.proto_ipv4", "arp", "sender_ip", .string), ("arp.dst.hw_mac", "arp", "target_mac", .string),
        ("arp.dst.proto_ipv4", "arp", "target_ip", .string),
        ("icmp.type", "icmp", "type", .int), ("icmp.code", "icmp", "code", .int),
        ("icmp.ident", "icmp", "id", .int), ("icmp.seq", "icmp", "seq", .int),
        ("icmpv6.type", "icmpv6", "type", .int), ("icmpv6.code", "icmpv6", "code", .int),
        ("icmpv6.echo.identifier", "icmpv6", "id", .hexInt), ("icmpv6.echo.sequence_number", "icmpv6", "seq", .int),
        ("tcp.srcport", "tcp", "src_port", .int), ("tcp.dstport", "tcp", "dst_port", .int),
        ("tcp.seq_raw", "tcp", "seq", .int), ("tcp.ack_raw", "tcp", "ack", .int),
        ("tcp.hdr_len", "tcp", "header_length", .int), ("tcp.flags", "tcp", "flags", .tcpFlags),
        ("tcp.window_size_value", "tcp", "window", .int), ("tcp.checksum", "tcp", "checksum", .hexInt),
        ("tcp.urgent_pointer", "tcp", "urgent_pointer", .int), ("tcp.len", "tcp", "payload_length", .int),
        ("tcp.options.mss_val", "tcp", "mss", .int), ("tcp.options.wscale.shift", "tcp", "window_scale", .int),
        ("tcp.options.timestamp.tsval", "tcp", "ts_val", .int), ("tcp.options.timestamp.tsecr", "tcp", "ts_ecr", .int),
        ("tcp.option_kind", "tcp", "options", .optionKinds),
        ("udp.srcport", "udp", "src_port", .int), ("udp.dstport", "udp", "dst_port", .int),
        ("udp.length", "udp", "length", .int), ("udp.checksum", "udp", "checksum", .hexInt),
    ]

    static let frameFields = ["frame.number", "frame.len", "frame.cap_len", "frame.time_epoch",
                              "vlan.id", "vlan.priority", "vlan.dei", "vlan.etype", "ieee8021ad.id",
                              "ip.opt.type", "ipv6.fraghdr.offset", "ipv6.fraghdr.more", "ipv6.fraghdr.ident"]

    func testEveryCommittedCaptureAgreesWithTshark() throws {
        let tshark = try CLI.requireTool("tshark")
        let dir = CLI.packageRoot.appendingPathComponent("captures")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 8)
        var compared = 0
        for file in files {
            compared += try compare(file: dir.appendingPathComponent(file).path, tshark: tshark)
        }
        // Make sure the comparison really looked at something.
        XCTAssertGreaterThan(compared, 1000, "field comparisons made")
    }

    /// The classes of damage found on captures from the wild (WildFrames: headers cut at every
    /// byte, bad options, lengths past the wire, first fragments, impossible timestamps), written
    /// to a capture: every field tshark shows, framescope shows with the same value.
    func testDamagedFramesAgreeWithTshark() throws {
        let tshark = try CLI.requireTool("tshark")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("framescope-wild-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("wild.pcap")
        let frames = WildFrames.all
        try Data(WildFrames.pcap(frames)).write(to: file)
        let compared = try compare(file: file.path, tshark: tshark, names: frames.map(\.name))
        XCTAssertGreaterThan(compared, 5000, "field comparisons made")
    }

    /// Returns the number of field comparisons made. `names` (one per frame) name the frames in
    /// failure messages.
    func compare(file: String, tshark: URL, names frameNames: [String]? = nil) throws -> Int {
        let ours = try CLI.run(["read", file, "--json"])
        XCTAssertEqual(ours.status, 0, "\(file): \(ours.stderr)")
        let frames = try jsonLines(ours.stdout)

        let names = Self.frameFields + Self.fields.map(\.0)
        var args = ["-n", "-r", file, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
                    "-o", "tcp.desegment_tcp_streams:FALSE", "-T", "fields", "-E", "separator=\t",
                    "-E", "occurrence=a", "-E", "aggregator=;"]
        for n in names { args += ["-e", n] }
        let t = try CLI.runProgram(tshark, args)
        XCTAssertEqual(t.status, 0, "tshark on \(file): \(t.stderr)")
        let rows = t.stdout.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        XCTAssertEqual(rows.count, frames.count, "\(file): frame count")
        var comparisons = 0
        for (row, frame) in zip(rows, frames) {
            let cols = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count == names.count else { XCTFail("\(file): tshark row has \(cols.count) columns"); continue }
            var value: [String: String] = [:]
            for (n, c) in zip(names, cols) where !c.isEmpty { value[n] = c }
            let n = value["frame.number"] ?? "?"
            var where_ = "\(URL(fileURLWithPath: file).lastPathComponent) frame \(n)"
            if let names = frameNames, let i = Int(n), i >= 1, i <= names.count { where_ += " (\(names[i - 1]))" }

            // Layer 1.
            XCTAssertEqual(frame["len"] as? Int, Int(value["frame.len"] ?? ""), where_)
            XCTAssertEqual(frame["caplen"] as? Int, Int(value["frame.cap_len"] ?? ""), where_)
            // An impossible fraction (≥ 1 s) is shown as read by both: tshark as nanoseconds.
            let impossible = (frame["warnings"] as? [String] ?? []).first { $0.contains("impossible time") }
            let ourEpoch = epoch(frame["time"] as? String ?? "", microsecondField: impossible?.contains("microsecond") == true)
            if ourEpoch != "(tshark wraps)" { XCTAssertEqual(ourEpoch, value["frame.time_epoch"], "\(where_): time") }
            comparisons += 3

            let layers = flatten(frame["layers"] as? [[String: Any]] ?? [])
            let ipv4 = layers.first { $0["proto"] as? String == "ipv4" }
            for (field, proto, key, kind) in Self.fields {
                guard let raw = value[field] else { continue }
                let first = String(raw.split(separator: ";").first ?? "")
                if field == "ip.version" && first == "6" { continue }  // tshark fills ip.version for IPv6 too
                let layer = layers.first { l in
                    let p = l["proto"] as? String ?? ""
                    return proto.hasSuffix("*") ? p.hasPrefix(String(proto.dropLast())) || (proto == "null*" && p == "loop") : p == proto
                }
                guard let l = layer else {
                    XCTFail("\(where_): tshark has \(field)=\(raw) but framescope has no \(proto) layer")
                    continue
                }
                comparisons += 1
                let ourValue = l[key]
                switch kind {
                case .int:
                    XCTAssertEqual(ourValue as? Int, Int(first), "\(where_): \(field)")
                case .hexInt:
                    XCTAssertEqual(ourValue as? Int, parseInt(first), "\(where_): \(field)=\(first)")
                case .times8:
                    XCTAssertEqual(ourValue as? Int, (Int(first) ?? -1) * 8, "\(where_): \(field)")
                case .string:
                    XCTAssertEqual(ourValue as? String, first, "\(where_): \(field)")
                case .bool(let flag):
                    let set = first == "True" || first == "1"
                    XCTAssertEqual((ourValue as? [String] ?? []).contains(flag), set, "\(where_): \(field)")
                case .tcpFlags:
                    let bits = (parseInt(first) ?? -1) & 0xff
                    let names = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"]
                    let expected = names.enumerated().filter { bits & (1 << $0.offset) != 0 }.map(\.element)
                    XCTAssertEqual(ourValue as? [String], expected, "\(where_): \(field)=\(first)")
                case .optionKinds:
                    let kinds = raw.split(separator: ";").compactMap { Int($0) }
                    let expected = kinds.map { k -> String in
                        switch k {
                        case 0: return "EOL"
                        case 1: return "NOP"
                        case 2: return "MSS"
                        case 3: return "WS"
                        case 4: return "SACK_PERM"
                        case 5: return "SACK"
                        case 8: return "TS"
                        default: return "kind:\(k)"
                        }
                    }
                    let ours = ourValue as? [String] ?? []
                    if (l["error"] as? String ?? "").hasPrefix("TCP option SACK length"), expected.last == "SACK",
                       Array(ours.prefix(expected.count)) == expected {
                        // tshark's SACK dissector throws on a half block and lists nothing after
                        // it; tcpdump, like framescope, goes on to the options the length delimits.
                        break
                    }
                    XCTAssertEqual(ours, expected, "\(where_): \(field)=\(raw)")
                }
            }

            // VLAN tags: tshark names an 802.1ad outer tag ieee8021ad, the 802.1Q tag vlan.
            let vlans = layers.filter { $0["proto"] as? String == "vlan" }
            if let id = value["ieee8021ad.id"] {
                XCTAssertEqual(vlans.first?["id"] as? Int, Int(id), "\(where_): ieee8021ad.id")
                comparisons += 1
            }
            if let id = value["vlan.id"] {
                let inner = vlans.last
                XCTAssertEqual(inner?["id"] as? Int, Int(id), "\(where_): vlan.id")
                XCTAssertEqual(inner?["pcp"] as? Int, Int(value["vlan.priority"] ?? ""), "\(where_): vlan.priority")
                XCTAssertEqual(inner?["dei"] as? Int, Int(value["vlan.dei"] ?? "") ?? ((value["vlan.dei"] == "True") ? 1 : 0), "\(where_): vlan.dei")
                XCTAssertEqual(inner?["ethertype"] as? Int, parseInt(value["vlan.etype"] ?? ""), "\(where_): vlan.etype")
                comparisons += 4
            }
            // IPv4 options: tshark lists type numbers.
            if let types = value["ip.opt.type"] {
                let ours = (ipv4?["options"] as? [String]) ?? []
                let names = types.split(separator: ";").compactMap { Int($0) }.map { t -> String in
                    [0: "EOL", 1: "NOP", 7: "RR", 68: "TS", 131: "LSRR", 137: "SSRR", 148: "RA", 130: "SEC"][t] ?? "type:\(t)"
                }
                XCTAssertEqual(ours, names, "\(where_): ip.opt.type")
                comparisons += 1
            }
            // IPv6 fragment header.
            if let off = value["ipv6.fraghdr.offset"] {
                let ipv6 = layers.first { $0["proto"] as? String == "ipv6" }
                let frag = (ipv6?["extensions"] as? [[String: Any]] ?? []).first { $0["type"] as? String == "fragment" }
                XCTAssertEqual(frag?["offset"] as? Int, (Int(off) ?? -1) * 8, "\(where_): ipv6.fraghdr.offset")
                XCTAssertEqual(frag?["more"] as? Bool, value["ipv6.fraghdr.more"] == "True" || value["ipv6.fraghdr.more"] == "1", "\(where_): more")
                XCTAssertEqual(frag?["id"] as? Int, parseInt(value["ipv6.fraghdr.ident"] ?? ""), "\(where_): ident")
                comparisons += 3
            }
        }
        return comparisons
    }

    /// The frame's layers, then the layers each ICMP error quotes (tshark lists both).
    func flatten(_ layers: [[String: Any]]) -> [[String: Any]] {
        var out = layers
        for l in layers { if let q = l["quoted"] as? [[String: Any]] { out += q } }
        return out
    }

    func parseInt(_ s: String) -> Int? {
        s.hasPrefix("0x") ? Int(s.dropFirst(2), radix: 16) : Int(s)
    }

    /// RFC 3339 UTC → "seconds.nnnnnnnnn", tshark's frame.time_epoch form.
    func epoch(_ t: String, microsecondField: Bool = false) -> String {
        let parts = t.split(whereSeparator: { "-T:Z".contains($0) })
        guard parts.count == 6, let y = Int(parts[0]), let mo = Int(parts[1]), let d = Int(parts[2]),
              let h = Int(parts[3]), let mi = Int(parts[4]) else { return "?" }
        let sec = parts[5].split(separator: ".")
        guard let s = Int(sec[0]) else { return "?" }
        var frac = sec.count > 1 ? String(sec[1]) : ""
        if microsecondField, let us = Int(frac) {
            // tshark's "%09d" of its nanoseconds, a 32-bit int: beyond that it wraps, and there
            // is nothing to agree with.
            guard us * 1000 <= Int(Int32.max) else { return "(tshark wraps)" }
            frac = String(us * 1000)
        }
        // days from civil (Howard Hinnant)
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = days * 86_400 + h * 3600 + mi * 60 + s
        return "\(seconds).\(frac.count >= 9 ? frac : frac.padding(toLength: 9, withPad: "0", startingAt: 0))"
    }
}
