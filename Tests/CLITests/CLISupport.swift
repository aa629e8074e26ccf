import Foundation
import XCTest

/// Runs the built `framescope` binary (next to the test bundle) and collects its output.
enum CLI {
    static var binary: URL {
        // The test bundle sits in the build products folder (on Linux, Bundle may already name
        // that folder).
        var products = Bundle(for: Marker.self).bundleURL
        if products.pathExtension == "xctest" { products.deleteLastPathComponent() }
        return products.appendingPathComponent("framescope")
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func capture(_ name: String) -> String {
        packageRoot.appendingPathComponent("captures").appendingPathComponent(name).path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutBytes: Data
    }

    /// Runs framescope with `arguments`; `stdin` is piped in when given. Killed after `timeout`.
    static func run(_ arguments: [String], stdin: Data? = nil, timeout: TimeInterval = 60,
                    environment: [String: String] = [:]) throws -> Result {
        try runProgram(binary, arguments, stdin: stdin, timeout: timeout, environment: environment)
    }

    static func runProgram(_ program: URL, _ arguments: [String], stdin: Data? = nil, timeout: TimeInterval = 60,
                           environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = program
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = stdin == nil ? FileHandle.nullDevice : inp
        // Read both pipes on background queues so a large output cannot block the child.
        let outData = DataBox(), errData = DataBox()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { outData.set(out.fileHandleForReading.readDataToEndOfFile()) }
        DispatchQueue.global().async(group: group) { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        try p.run()
        if let s = stdin {
            inp.fileHandleForWriting.write(s)
            try? inp.fileHandleForWriting.close()
        }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning {
            p.terminate()
            usleep(200_000)
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
        p.waitUntilExit()
        group.wait()
        let o = outData.get()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: errData.get(), as: UTF8.self), stdoutBytes: o)
    }

    /// A program on PATH, or nil.
    static func which(_ name: String) -> URL? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin:/usr/sbin").split(separator: ":") {
            let u = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        return nil
    }

    /// Oracles (tshark, tcpdump) are installed by the README's test command, which sets
    /// FRAMESCOPE_REQUIRE_ORACLES=1: there a missing oracle fails the test instead of skipping it.
    static func requireTool(_ name: String) throws -> URL {
        if let u = which(name) { return u }
        if ProcessInfo.processInfo.environment["FRAMESCOPE_REQUIRE_ORACLES"] == "1" {
            XCTFail("\(name) is not installed, but FRAMESCOPE_REQUIRE_ORACLES=1")
        }
        throw XCTSkip("\(name) is not installed (tools/test.sh installs it)")
    }

    static var isRoot: Bool { getuid() == 0 }

    static func temporaryDirectory() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("framescope-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }
}

private final class Marker {}

final class DataBox: @unchecked Sendable {
    // Guarded by `lock`.
    private var data = Data()
    private let lock = NSLock()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}

/// The JSON lines of a `--json` run, parsed.
func jsonLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not a JSON object: \($0)")
    }
}
