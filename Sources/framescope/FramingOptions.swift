import ArgumentParser
import Capture
import Dispatch
import Framing
import Inspect
import Render
import Streams
import Synchronization
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// `--framing` and friends, shared by the commands that split streams into messages.
struct FramingOptions: ParsableArguments {
    @Option(name: .customLong("framing"), help: ArgumentHelp(
        "Message framing: a struct-style length header ('!I', '<i', 'H', …), line, raw or auto; PORT=SPEC for one server port (repeatable, like Wireshark's Decode As).",
        valueName: "SPEC"))
    var framing: [String] = []

    @Option(help: "A declared length above this is reported as length_over_limit (bytes).")
    var maxMessage: Int = 1 << 20

    @Flag(help: "The length field counts the header too.")
    var lengthIncludesHeader = false

    @Option(help: "Reassembly: TCP streams tracked at once; past it the least recently active is ended (each costs ~2-5 KB).")
    var maxStreams = 20_000

    @Option(help: ArgumentHelp("Reassembly: out-of-order bytes held for all streams together.", valueName: "MB"))
    var maxBuffer = 24

    @Option(help: ArgumentHelp("Reassembly: out-of-order bytes held per stream direction.", valueName: "KB"))
    var maxOutOfOrder = 4096

    @Option(help: ArgumentHelp("Reassembly: a stream with no segment for this long (capture time) is ended.", valueName: "seconds"))
    var idleTimeout = 600

    /// The reassembly limits; whenever one is hit a warning goes to standard error.
    func limits() -> ReassemblyLimits {
        var l = ReassemblyLimits()
        l.maxLiveStreams = maxStreams
        l.maxBufferedBytesTotal = maxBuffer << 20
        l.maxOutOfOrderBytesPerDirection = maxOutOfOrder << 10
        l.idleTimeoutSeconds = Int64(idleTimeout)
        return l
    }

    /// The inspector these options describe: decoding, reassembly and framing (`framed: false`:
    /// the reading half only, for another thread's `MessageStage`). Checksums are verified only
    /// where they are shown.
    func inspector(framed: Bool = true, verifiesChecksums: Bool = false, reassembles: Bool = true,
                   keeps: MessageStage.Keeps = .all) throws -> Inspector {
        Inspector(framing: framed ? try choice() : nil, limits: limits(), verifiesTransportChecksums: verifiesChecksums,
                  reassembles: reassembles, keeps: keeps)
    }

    func choice() throws -> FramingChoice {
        do {
            return try FramingChoice(parsing: framing, maxMessage: maxMessage, lengthIncludesHeader: lengthIncludesHeader)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func validate() throws {
        if maxMessage < 1 { throw ValidationError("--max-message must be at least 1") }
        if maxStreams < 1 || maxBuffer < 1 || maxOutOfOrder < 1 || idleTimeout < 1 {
            throw ValidationError("--max-streams, --max-buffer, --max-out-of-order and --idle-timeout must be at least 1")
        }
        // (Bounds that keep the byte counts they become far from overflow.)
        if maxBuffer > 1 << 20 || maxOutOfOrder > 1 << 30 || idleTimeout > 1 << 40 {
            throw ValidationError("--max-buffer is at most 1048576 (MB), --max-out-of-order 1073741824 (KB), --idle-timeout 2^40 seconds")
        }
        _ = try choice()
    }
}
