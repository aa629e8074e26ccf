import ArgumentParser
import Synchronization
import Capture
import Framing
import Inspect
import Render
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// Output choices shared by `read` and `live`.
struct OutputOptions: ParsableArguments {
    @Flag(name: [.customShort("V"), .long], help: "Print every frame as an OSI layer tree (layers 1 to 7, then the payload).")
    var verbose = false

    @Flag(name: [.customShort("x"), .long], help: "Add a hex and ASCII dump of each frame, marking where each layer starts.")
    var hex = false

    @Flag(name: .long, help: "One JSON object a frame, one a line (the schema: README, 'JSON output'; docs/DESIGN.md, 'Per-frame JSON', in the framescope repository).")
    var json = false

    @Option(name: [.customShort("c"), .long], help: "Stop after this many frames (after the filter).")
    var count: Int?

    @Flag(help: "Decode layers 1-4 only: no TCP reassembly, no message framing (fastest).")
    var noMessages = false

    @OptionGroup var framing: FramingOptions

    func validate() throws {
        if json && (verbose || hex) { throw ValidationError("--json cannot be combined with -V or -x") }
        if let c = count, c < 1 { throw ValidationError("-c must be at least 1") }
    }
}
