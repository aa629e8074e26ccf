// Where in the target's own source a crash happened, for the SARIF report: the place
// `Failure.crashLocation` reads from a traceback (Finding.swift), moved out of Python's standard
// library when it lies there, and written as a URI a code-scanning view can open.

/// A file and line a traceback names.
public struct SourceLocation: Sendable, Equatable {
    public var file: String
    public var line: Int
    public var function: String

    public init(file: String, line: Int, function: String) {
        self.file = file
        self.line = line
        self.function = function
    }

    /// The crash's place in the target's own code: `Failure.crashLocation` (Python's innermost
    /// frame, a sanitizer's first frame outside its runtime, UBSan's `file:N:C: runtime error`),
    /// except that a Python frame in the interpreter's standard library (`…/lib/python3.x/…`,
    /// `<frozen …>`) gives way to the innermost frame of the same traceback that is not there.
    public static func of(stderr: String) -> SourceLocation? {
        guard let at = Failure.crashLocation(stderr) else { return nil }
        let found = SourceLocation(file: at.file, line: at.line, function: at.function)
        var frames: [SourceLocation] = []
        var isPython = false
        for raw in stderr.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("Traceback (most recent call last)") {
                frames = []
            } else if let f = Failure.pythonFrame(line) {
                frames.append(SourceLocation(file: f.file, line: f.line, function: f.function))
                isPython = true
            } else if Failure.sanitizerFrame(line) != nil || line.contains(": runtime error:") {
                isPython = false
            }
        }
        guard isPython, frames.last == found, Self.isPythonLibrary(found.file) else { return found }
        return frames.last { !Self.isPythonLibrary($0.file) } ?? found
    }

    /// A file of the Python interpreter's own (`/usr/lib/python3.11/socket.py`,
    /// `<frozen importlib._bootstrap>`), not the server's.
    static func isPythonLibrary(_ file: String) -> Bool {
        if file.hasPrefix("<") { return true }
        guard let r = file.firstRange(of: "/lib/python") else { return false }
        return file[r.upperBound...].first?.isNumber == true
    }

    /// The file as a SARIF `artifactLocation.uri`: relative (to be resolved against `directory`)
    /// when it is a relative path or lies under `directory`, else an absolute `file://` URI;
    /// `relative` says which. Bytes other than letters, digits, `-._~/` are percent-encoded.
    public func uri(under directory: String) -> (uri: String, relative: Bool) {
        let dir = directory.hasSuffix("/") ? directory : directory + "/"
        if !file.hasPrefix("/") { return (Self.percentEncoded(file.hasPrefix("./") ? String(file.dropFirst(2)) : file), true) }
        if file.hasPrefix(dir), file.count > dir.count { return (Self.percentEncoded(String(file.dropFirst(dir.count))), true) }
        return ("file://" + Self.percentEncoded(file), false)
    }

    /// `directory` as a SARIF base URI: `file:///…/`.
    public static func directoryURI(_ directory: String) -> String {
        "file://" + percentEncoded(directory.hasSuffix("/") ? directory : directory + "/")
    }

    static func percentEncoded(_ path: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for b in path.utf8 {
            switch b {
            case UInt8(ascii: "a") ... UInt8(ascii: "z"), UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "0") ... UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.append(b)
            default:
                out += [UInt8(ascii: "%"), digits[Int(b >> 4)], digits[Int(b & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
