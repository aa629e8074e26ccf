// swift-tools-version:6.0
// framescope — a packet inspector and fuzzer for the protocols of the first socket lesson.
import PackageDescription

let package = Package(
    name: "framescope",
    platforms: [.macOS(.v15)],  // Synchronization (Mutex, Atomic) needs macOS 15
    products: [
        .executable(name: "framescope", targets: ["framescope"]),
        .library(name: "Wire", targets: ["Wire"]),
        .library(name: "Capture", targets: ["Capture"]),
        .library(name: "Render", targets: ["Render"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The reference chat servers (Sources/Chat): channel pipelines, ByteToMessageDecoder.
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
        // ServerQuiescingHelper: the servers' graceful shutdown (stop accepting, let channels close).
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
        // The fuzzer's target control (--exec): start, drain, signal and reap the target.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.0"),
    ],
    targets: [
        // libpcap, found with pkg-config; Debian/Ubuntu: apt-get install libpcap-dev.
        .systemLibrary(
            name: "CPcap",
            path: "Sources/CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]
        ),
        // Cache hints (`fs_prefetch`: __builtin_prefetch in a static inline C function, inlined into
        // Swift, which has no prefetch of its own): the message stage asks for the state of the
        // events ahead of the one in hand. Pure: no I/O, no state, no memory changed.
        .target(name: "CPrefetch", path: "Sources/CPrefetch"),
        // Pure Swift decoder: bytes in, layers out. No libpcap, no sockets, no Foundation networking.
        .target(name: "Wire", path: "Sources/Wire"),
        // The only module that talks to libpcap (live capture, BPF) and reads/writes capture files.
        .target(name: "Capture", dependencies: ["CPcap", "Wire", "Sockets"], path: "Sources/Capture"),
        // Blocking loopback client sockets with every wait bounded: the chat client, the fuzzer and
        // replay share them, so FuzzDriver and Replay need no NIO.
        .target(name: "Sockets", path: "Sources/Sockets"),
        // Reference chat servers (text, UDP, framed; robust and naive) on SwiftNIO and the chat client.
        .target(
            name: "Chat",
            dependencies: [
                "Framing", "Sockets",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
            ],
            path: "Sources/Chat"
        ),
        // Pure functions from decoded frames and messages to bytes: one-line, OSI tree, hex, JSON
        // lines, messages, ladder diagram (text and SVG).
        .target(name: "Render", dependencies: ["Wire", "Streams", "Framing", "Inspect"], path: "Sources/Render"),
        // Framing specs, encoder and incremental framer (layers 6-7). Pure Swift, no I/O, no Foundation.
        .target(name: "Framing", path: "Sources/Framing"),
        // TCP connection table, reassembly with analysis, IP fragment reassembly, UDP flows (layer 5). Pure Swift, no I/O.
        .target(name: "Streams", dependencies: ["Wire"], path: "Sources/Streams"),
        // The layers 5-7 pipeline: decoded frames -> reassembled streams -> messages with their frames. No I/O.
        .target(name: "Inspect", dependencies: ["Wire", "Streams", "Framing", "CPrefetch"], path: "Sources/Inspect"),
        // The fuzzer's pure part: case catalogue, mutations, case identity, verdicts, the report.
        .target(name: "Fuzz", dependencies: ["Framing", "Render"], path: "Sources/Fuzz"),
        // The fuzzer's I/O part: playing cases on sockets, the oracle, target control, the run;
        // Replay plays a captured conversation as the oracle of `fuzz --from`.
        .target(
            name: "FuzzDriver",
            dependencies: ["Fuzz", "Framing", "Render", "Sockets", "Replay", .product(name: "Subprocess", package: "swift-subprocess")],
            path: "Sources/FuzzDriver"
        ),
        // Replay: a captured conversation's client side planned from decoded frames (pure), played
        // to a live server (blocking loopback sockets), its answers compared message by message
        // and reported (text and JSON, rendered with Render's helpers).
        .target(name: "Replay", dependencies: ["Wire", "Streams", "Framing", "Inspect", "Render", "Sockets"], path: "Sources/Replay"),
        .executableTarget(
            name: "framescope",
            dependencies: [
                "Wire", "Capture", "Render", "Chat", "Sockets", "Streams", "Framing", "Inspect", "Fuzz", "FuzzDriver", "Replay",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/framescope"
        ),
        // What the test targets share: a seeded generator, blocking loopback sockets (raw peers), bytes
        // through MessageFramer.
        .target(name: "TestSupport", dependencies: ["Fuzz", "Framing"], path: "Tests/TestSupport"),
        .testTarget(name: "WireTests", dependencies: ["Wire", "TestSupport"], path: "Tests/WireTests"),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "Wire"], path: "Tests/CaptureTests"),
        .testTarget(name: "RenderTests", dependencies: ["Render", "Wire", "Capture", "Framing", "Inspect", "Streams", "TestSupport"], path: "Tests/RenderTests", exclude: ["Golden"]),
        .testTarget(name: "FramingTests", dependencies: ["Framing", "TestSupport"], path: "Tests/FramingTests"),
        .testTarget(name: "StreamsTests", dependencies: ["Streams", "Wire", "TestSupport"], path: "Tests/StreamsTests"),
        .testTarget(name: "InspectTests", dependencies: ["Inspect", "Capture", "Framing", "Streams", "Wire", "TestSupport"], path: "Tests/InspectTests"),
        .testTarget(
            name: "ChatTests",
            dependencies: [
                "Chat", "Sockets", "Framing", .product(name: "NIOCore", package: "swift-nio"), "framescope", "TestSupport",
                // EmbeddedChannel and ByteToMessageDecoderVerifier: the servers' decoder without sockets.
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            path: "Tests/ChatTests"
        ),
        .testTarget(name: "FuzzTests", dependencies: ["Fuzz", "Framing", "TestSupport"], path: "Tests/FuzzTests"),
        .testTarget(name: "ReplayTests", dependencies: ["Replay", "Framing", "Render"], path: "Tests/ReplayTests"),
        .testTarget(
            name: "CLITests",
            dependencies: ["Wire", "Capture", "Render", "Chat", "Fuzz", "framescope", "TestSupport"],
            path: "Tests/CLITests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
