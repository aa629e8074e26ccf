// FuzzDriver: the fuzzer's I/O part. Playing cases on sockets, the probe oracle, starting and
// watching the target (--exec, --pid), and the run: baseline, limit learning, parallel lanes,
// judging suspects alone, recovery and restarts, minimisation, leak watch.
//
// The contract every file in this module keeps (docs/DESIGN.md "Fuzzer"):
//
// 1. Every wait is bounded: connects, reads, writes, probes, recovery, minimisation (tries and
//    seconds), the run itself (--cases, --duration).
// 2. A failing verdict counts only from the case judged alone on a recovered target (the
//    parallel lanes only make suspects): a failure is never blamed on its neighbour, and a
//    finding is confirmed by playing it again alone.
// 3. Targets are loopback addresses unless --allow-remote.
// 4. --exec runs `/bin/sh -c 'exec CMD'` in its own process group; a restart or the end of the run
//    stops the whole group, and its pipes are always drained.
// 5. The cases, the verdict and cause names and the report's shape come from the Fuzz module;
//    answers are cut into messages by the Framing module; with --from, the captured
//    conversation is planned, played and compared by the Replay module. This module plays and
//    observes.
//
// Not yet: it depends on Chat (and so on SwiftNIO) for its client sockets, and imports Foundation
// (docs/DESIGN.md "Not yet true").
//
// Files:
//   Engine.swift            configuration, baseline, the run loop
//   Engine+Judging.swift    parallel lanes, then judging alone
//   Engine+OnDemand.swift   one case on demand: replay, recording, minimisation
//   Engine+Recovery.swift   recovery, restarts, leak watch
//   Driver.swift            one case on the wire; the probe
//   Answers.swift           judging answers (--oracle echo|reply|connect|replay)
//   ReplayOracle.swift      --from: the seed from a captured conversation, the conversation as the probe
//   ExecTarget.swift        --exec: start, drain, signal, reap
//   ProcStats.swift         what /proc says about the target
