// Render: text for people and programs from decoded frames and messages. One line a frame, the
// OSI tree (-V), the hex dump (-x), JSON lines (--json), the messages view, and the ladder
// diagram (terminal, SVG, and row by row for follow --live).
//
// The contract every file in this module keeps (docs/DESIGN.md "Module map"):
//
// 1. Rendering is pure: every renderer appends to a `ByteSink`; the caller decides when and where
//    the bytes go. No file, terminal or clock is touched here.
// 2. Colour is the caller's decision (a terminal, and NO_COLOR unset), passed in as a
//    `TextStyle`; languages other than English are passed in as `FrameWords`.
// 3. The JSON renderers write exactly the schemas of docs/DESIGN.md "Per-frame JSON" and
//    "Messages JSON": names as written there, numbers as numbers, absent facts left out.
// 4. Any decoded frame renders without a trap, including cut and malformed headers: a field is
//    shown only when its bytes were captured.
//
// Files:
//   OneLine.swift        the default one line a frame
//   OSITree.swift        -V
//   HexDump.swift        -x
//   JSONLines.swift      --json, layers 1–4
//   LayerPrinter.swift   sends each layer of 2–4 to its protocol's printer; what they share
//   *Printer.swift       one protocol each (Ethernet, VLAN, LinuxSLL, LinuxSLL2, NullLoopback,
//                        ARP, IPv4, IPv6, ICMP, TCP, UDP, Data): its one-line part, its tree
//                        row and its JSON members
//   UpperLayers.swift    layers 5–7 in every mode (one-line summary, tree rows, JSON objects)
//   MessageLines.swift   `messages`, one line or one JSON object a message
//   StatsTables.swift    `stats`: protocol hierarchy, TCP conversations, message counts
//   Ladder.swift         follow --ladder and --svg
//   LadderLive.swift     follow --live rows
//   ByteSink.swift       the byte buffer every renderer writes into
//   FrameWords.swift     the per-frame words (English, written straight into the sink; the demo passes Chinese)
//   DisplayWidth.swift   terminal columns of text (wide CJK characters)
//   Style.swift          colour on or off
