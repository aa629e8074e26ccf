import Wire

// An 802.1Q / 802.1ad tag in every output mode:
//   one line  ` vlan 100`
//   tree      `802.1Q VLAN id 100, priority 0, DEI 0, type IPv4 (0x0800)`
//   JSON      `"id":100,"pcp":0,"dei":0,"ethertype":2048`

enum VLANPrinter {
    static func oneLine(_ t: VLANTag, _ out: ByteSink) {
        out.write(" vlan ")
        out.decimal(t.id)
    }

    static func tree(_ t: VLANTag, into row: inout TreeRow) {
        row.headline = "802.1Q VLAN id \(t.id), priority \(t.priority), DEI \(t.dropEligible ? 1 : 0), type \(TreeText.etherType(t.etherType))"
    }

    static func json(_ t: VLANTag, into out: ByteSink) {
        out.write(",\"id\":")
        out.decimal(t.id)
        out.write(",\"pcp\":")
        out.decimal(t.priority)
        out.write(",\"dei\":")
        out.decimal(t.dropEligible ? 1 : 0)
        out.write(",\"ethertype\":")
        out.decimal(t.etherType)
    }
}
