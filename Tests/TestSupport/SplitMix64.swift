// What several test targets share: a seeded generator for the property and fuzz tests (the same
// seed gives the same bytes on every machine), and blocking loopback sockets (LoopbackSocket.swift).

import Fuzz

/// SplitMix64 (Steele, Lea, Flood 2014): the fuzzer's seeded generator, also good enough to pick
/// test inputs.
public typealias SplitMix64 = SeededGenerator
