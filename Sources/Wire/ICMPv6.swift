// ICMPv6 (RFC 4443). Same shape as ICMP (see ICMP.swift, which decodes both), but the checksum
// covers an IPv6 pseudo-header (RFC 8200 §8.1), echo is 128/129 and errors are types 1–4.

extension ICMPHeader {
    public static func typeNameV6(_ type: UInt8, code: UInt8) -> String {
        switch type {
        case 1:
            switch code {
            case 0: return "no route to destination"
            case 1: return "administratively prohibited"
            case 3: return "address unreachable"
            case 4: return "port unreachable"
            default: return "destination unreachable (code \(code))"
            }
        case 2: return "packet too big"
        case 3: return "time exceeded"
        case 4: return "parameter problem"
        case 128: return "echo request"
        case 129: return "echo reply"
        case 133: return "router solicitation"
        case 134: return "router advertisement"
        case 135: return "neighbor solicitation"
        case 136: return "neighbor advertisement"
        case 143: return "multicast listener report v2"
        default: return "type \(type) code \(code)"
        }
    }
}
