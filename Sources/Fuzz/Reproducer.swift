// The one-line command that plays a finding's case again, alone, against the same target
// (`fuzz … --replay CASE --times 3`): the report's `reproduce`. Pure: the CLI fills in its options.

/// The options of a run that a replay of one of its cases needs, as the user gave them.
public struct Reproducer: Sendable {
    /// HOST:PORT as given (port 0 with `--exec`), or the address the target was found at.
    public var address: String
    public var udp = false
    public var framing: String
    public var lengthIncludesHeader = false
    /// The limit the run used (given or learned).
    public var maxMessage: Int
    public var seed: UInt64
    public var oracle = "echo"
    public var probe = "probe"
    public var expect: String?
    public var timeout: Double?
    public var hold: Double
    public var exec: String?
    public var pid: Int32?
    public var allowRemote = false
    /// `--from FILE` and `--stream N`: the captured conversation the case ids are of.
    public var from: String?
    public var stream: Int?

    public init(address: String, framing: String, maxMessage: Int, seed: UInt64, hold: Double) {
        self.address = address
        self.framing = framing
        self.maxMessage = maxMessage
        self.seed = seed
        self.hold = hold
    }

    /// `framescope fuzz ADDRESS --tcp --framing … --replay CASE --times 3 …`, each word quoted
    /// for a POSIX shell where it needs it.
    public func command(for c: FuzzCase) -> String {
        var words = ["framescope", "fuzz", address, udp ? "--udp" : "--tcp", "--framing", shellQuoted(framing)]
        if let f = from { words += ["--from", shellQuoted(f)] + (stream.map { ["--stream", String($0)] } ?? []) }
        if lengthIncludesHeader { words.append("--length-includes-header") }
        words += ["--max-message", String(maxMessage), "--seed", String(seed), "--replay", shellQuoted(c.id), "--times", "3"]
        if oracle != "echo" { words += ["--oracle", oracle] }
        if probe != "probe" { words += ["--probe", shellQuoted(probe)] }
        if let e = expect { words += ["--expect", shellQuoted(e)] }
        if let t = timeout { words += ["--timeout", String(t)] }
        if c.close == .hold { words += ["--hold", String(hold)] }
        if let x = exec { words += ["--exec", shellQuoted(x)] }
        if let p = pid { words += ["--pid", String(p)] }
        if allowRemote { words.append("--allow-remote") }
        return words.joined(separator: " ")
    }
}

/// `s` as one word for a POSIX shell: as it is when it holds only letters, digits and
/// `-_./:=@,+`, else in single quotes (a quote inside written `'\''`).
public func shellQuoted(_ s: String) -> String {
    let safe = s.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@,+".contains($0) }
    return safe && !s.isEmpty ? s : "'" + s.replacing("'", with: "'\\''") + "'"
}
