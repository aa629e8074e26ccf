// Sockets: blocking client sockets on loopback (or, when allowed, elsewhere), every wait bounded
// with poll(2) — a client has one conversation and nothing else to do while it waits. The chat
// client, the fuzzer's driver and replay use it; the servers, which juggle many peers, use
// SwiftNIO in Chat. It also keeps the one clock (`Clock.swift`: `monotonicSeconds`, `Deadline`)
// that every module touching the outside world measures its waits with.
//
// Never: NIO, Foundation, threads of its own, an unbounded wait, the wall clock, or a
// non-loopback address unless the caller says `allowRemote` (docs/DESIGN.md "Module map").
