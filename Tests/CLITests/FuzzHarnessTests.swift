import Foundation
import XCTest

/// The libFuzzer harnesses (tools/fuzz-decoder.sh): a short bounded run of each, when this
/// toolchain builds `-sanitize=fuzzer`; and the inputs kept from earlier runs decode in every
/// output mode without trapping.
final class FuzzHarnessTests: XCTestCase {
    func testEachHarnessRunsBriefly() throws {
        // Does this toolchain link libFuzzer? A one-line probe decides, and the skip says why.
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let probe = dir.appendingPathComponent("probe.swift")
        try "@_cdecl(\"LLVMFuzzerTestOneInput\") public func f(_ d: UnsafePointer<UInt8>, _ n: Int) -> CInt { 0 }\n"
            .write(to: probe, atomically: true, encoding: .utf8)
        let swiftc = try CLI.requireTool("swiftc")
        let p = try CLI.runProgram(swiftc, ["-sanitize=fuzzer", "-parse-as-library", probe.path, "-o", dir.appendingPathComponent("probe").path], timeout: 120)
        guard p.status == 0 else { throw XCTSkip("this toolchain does not build -sanitize=fuzzer: \(p.stderr.prefix(300))") }
        let script = CLI.packageRoot.appendingPathComponent("tools/fuzz-decoder.sh")
        for harness in ["framer", "streams", "frame", "file"] {
            let r = try CLI.runProgram(URL(fileURLWithPath: "/bin/bash"), [script.path, harness, "3"], timeout: 400)
            XCTAssertEqual(r.status, 0, "\(harness): \(r.stdout)\n\(r.stderr)")
            XCTAssertTrue(r.stdout.contains("stat::number_of_executed_units"), "\(harness): \(r.stdout)")
            XCTAssertTrue(r.stdout.contains("crashes kept: 0"), "\(harness): \(r.stdout)")
        }
    }

    func testKeptRegressionInputsDecodeInEveryMode() throws {
        let dir = CLI.packageRoot.appendingPathComponent("Tests/FuzzRegressions")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("frame-") }
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let links: [UInt32] = [1, 113, 276, 0, 108, 101, 228, 229]
        for name in files {
            let input = try Data(contentsOf: dir.appendingPathComponent(name))
            guard let first = input.first else { continue }
            // The harness's input as a one-frame capture of its link type.
            func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
            let body = Array(input.dropFirst())
            var pcap = le32(0xa1b2_c3d4) + [2, 0, 4, 0] + le32(0) + le32(0) + le32(262_144) + le32(links[Int(first) % links.count])
            pcap += le32(1) + le32(0) + le32(UInt32(body.count)) + le32(UInt32(body.count)) + body
            let path = tmp.appendingPathComponent(name + ".pcap").path
            try Data(pcap).write(to: URL(fileURLWithPath: path))
            for args in [["read", path], ["read", path, "-V", "-x"], ["read", path, "--json"], ["messages", path], ["stats", path]] {
                let r = try CLI.run(args)
                XCTAssertTrue([0, 1].contains(r.status), "\(name) \(args): \(r.stderr)")
                XCTAssertFalse(r.stderr.contains("Fatal error"), "\(name) \(args): \(r.stderr)")
            }
        }
    }
}
