// Framing — layers 6–7 of framescope: where one application message ends and the next begins
// in a TCP byte stream (or a UDP datagram), with one definition of the wire format shared by the
// decoder, the reference chat servers and the fuzzer. Pure Swift: no Foundation, no I/O.
//
// A `!I` frame (Python `struct.pack('!I', len(body)) + body`, docs/DESIGN.md "Framing specs"), e.g. the
// lesson's "hello":
//
//    stream offset  0         1         2         3         4                       4+N
//                  +---------+---------+---------+---------+-----------------------+
//                  |  0x00   |  0x00   |  0x00   |  0x05   |  h  e  l  l  o        |
//                  +---------+---------+---------+---------+-----------------------+
//                  |<--- length N, 4 bytes, big-endian --->|<--- body, N bytes --->|
//                  ^ FramedMessage.start                                           ^ .end
//                    .headerLength = 4, .headerValue = 5, .declaredLength = 5, .body = "hello"
//
// TCP cuts this anywhere: two frames in one segment (sticky), one frame over three segments
// (split), the 4 header bytes themselves split 1+3. `MessageFramer` gives the same messages for
// every cut. A length is checked (0...maxMessage) before any body byte is kept: `<i` -5 is
// `negative_length`, a claim of 2^31-1 is `length_over_limit` — findings, never a trap or a
// huge allocation.
//
// Files, one concept each:
//   FrameSpec.swift      spec grammar ([@=<>!]?[bBhHiIqQ], line, raw, auto), encoder, header reader
//   FramingChoice.swift  default + per-port specs (--framing 9000='!I')
//   FramedMessage.swift  one message, its offsets and problems
//   FramingStep.swift    the one framing step (need more / a message / a problem) and the
//                        end-of-stream issues, driven by MessageFramer and the servers' decoder
//   MessageFramer.swift  incremental framer for one stream direction (resync and gap rules)
//   Datagram.swift       UDP: one datagram, one message
//   AutoFraming.swift    `auto`: guess a stream's framing from its first bytes
//   FrameProblem.swift   what a message can have wrong (JSON `issues` names)
//   FrameError.swift     the module's error type (bad spec, body the encoder refuses)
