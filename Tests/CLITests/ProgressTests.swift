@testable import framescope
import XCTest

/// The progress line of long reads on a terminal (docs/DESIGN.md "Terminal output": long work on a TTY shows
/// progress"); when it is shown depends on isatty, checked by hand (see the README).
final class ProgressTests: XCTestCase {
    func testLine() {
        XCTAssertEqual(Progress.line(name: "big.pcap", offset: 37 << 20, total: 100 << 20, frames: 1_234_567),
                       "framescope: big.pcap 37% (37 of 100 MB), 1,234,567 frames")
        XCTAssertEqual(Progress.line(name: "x", offset: 0, total: 0, frames: 0), "framescope: x 0% (0 of 0 MB), 0 frames")
        XCTAssertEqual(Progress.line(name: "x", offset: 200, total: 100, frames: 999), "framescope: x 100% (0 of 0 MB), 999 frames")
        XCTAssertEqual(Progress.grouped(1000), "1,000")
        XCTAssertEqual(Progress.grouped(100), "100")
    }

    /// Not for standard input, small files, or when standard error is not a terminal (as here).
    func testOnlyWhenItHelps() {
        XCTAssertNil(Progress.make(path: "-", outputAtEnd: true))
        XCTAssertNil(Progress.make(path: CLI.capture("sticky.pcap"), outputAtEnd: true))
    }
}
