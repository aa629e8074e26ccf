// Chat: the lesson's peers done right. The reference servers (`serve text|udp|framed`, robust by
// default, naive on purpose with --naive) on SwiftNIO, and the client (`chat`) and its load
// client on blocking sockets with poll(2) deadlines.
//
// The contract every file in this module keeps (docs/DESIGN.md "Chat servers", "Safety"):
//
// 1. A robust server never lets one client affect another: a client that breaks a rule gets one
//    error message framed like the server's others, then a half-close; nothing is buffered
//    beyond header + --max-message; a client that does not read its replies is not read from.
// 2. Every read, write, buffer and wait is bounded (ServerLimits); a peer that went away is an
//    error on its connection, never a signal (the commands ignore SIGPIPE).
// 3. The wire format comes from the Framing module's `FrameSpec`, the definition the decoder and
//    the fuzzer use, and so does every framing decision: FrameCodec's decoder drives
//    `FrameSpec.step`, as `MessageFramer` does (docs/DESIGN.md "Framing specs").
// 4. --naive breaks the rules on purpose, and only the rules the lesson breaks.
// 5. Servers bind 127.0.0.1 unless told otherwise; the client refuses non-loopback addresses
//    unless --allow-remote.
//
// Files:
//   ChatServer.swift         start and stop: event-loop group, listening channel, shutdown
//   TextChatServer.swift     serve text
//   UDPChatServer.swift      serve udp
//   FramedChatServer.swift   serve framed (echo, room)
//   RobustHandler.swift      what the robust TCP handlers share
//   FrameCodec.swift         the servers' decoder and writer in a NIO pipeline
//   ServerLimits.swift       the limits and the one error message
//   ClientSocket.swift       blocking client sockets, endpoints, addresses
//   ChatClient.swift         `chat`
//   ChatLoad.swift           `chat --load`
