// Wire: framescope's packet decoder. Bytes in, layers out.
//
// The safety contract every file in this module keeps (after smoltcp's src/wire/mod.rs):
//
// 1. Every dissector is total over arbitrary bytes. Given any byte string it returns the layers it
//    could decode plus, on the last one, a `DecodeError`; it never traps, never reads outside the
//    buffer, never allocates in proportion to a length read from the packet, and never loops
//    without consuming bytes.
// 2. Packet bytes are read only through `ByteReader`, whose accessors return nil when the bytes are
//    not there; its `whole:` reads, which check nothing, serve only a fixed header the decoder has
//    just found whole (`r.count` ≥ its length). Arithmetic on lengths taken from packets stays in
//    `Int` (no narrowing conversions that could trap).
// 3. Two verdicts, never merged: *truncated* means the capture ran out of bytes (snaplen, or a
//    length field claiming more than was captured); *malformed* means the values are impossible,
//    and the message quotes them ("IPv4 total length 20 < header length 24").
// 4. Each layer hands on a payload bounded by its own length field, clipped to what was captured,
//    so padding never reaches the next layer.
// 5. Unknown next-protocol values end decoding with a `data` layer, not an error.
// 6. A header's field offsets are written once, in its field table (`Field.swift`); the decoder
//    and the printers use the names. Which decoder follows an EtherType or an IP protocol is
//    written once too, in `Registry.swift`.
//
// Nothing here imports libpcap, sockets or Foundation: the decoder can be tested on literal bytes
// and fuzzed in-process.
