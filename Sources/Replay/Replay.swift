// Replay: the client side of a captured conversation played to a live server, and its answers
// compared with the captured ones message by message (`framescope replay`).
//
// The contract every file in this module keeps (docs/DESIGN.md "Replay"):
//
// 1. Planning is pure: ReplayPlan builds each conversation from decoded frames (through Inspect)
//    in one pass: the client's writes as captured (retransmitted bytes once, bytes never captured
//    skipped and counted), the client's and the server's messages.
// 2. Playing uses blocking loopback sockets, and every wait is bounded by --timeout: a server
//    that refuses, dies or stays silent is a line in the report, never a hang.
// 3. The comparison is message by message, aligned on the longest run of identical messages:
//    `same`, `different` (with the first differing byte), `missing`, `extra`.
// 4. Targets are loopback addresses unless --allow-remote.
// 5. The report (text, and JSON as docs/DESIGN.md "Replay JSON" says) is rendered here into a
//    `ByteSink`; the CLI writes it and maps the outcomes to an exit status.
//
// Never: SwiftNIO (the sockets and the clock are the Sockets module's), a wait without a bound.
//
// Files:
//   ReplayPlan.swift     conversations from a capture's frames
//   ReplayPlayer.swift   a conversation played to a server
//   Comparison.swift     captured answers against replayed ones
//   ReplayReport.swift   the outcomes as text or JSON lines
