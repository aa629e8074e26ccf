// `fuzz --sarif FILE.sarif` (docs/DESIGN.md "Fuzz CI reports"): the run's findings as SARIF 2.1.0
// (OASIS), the format code-scanning views read. One rule per failing verdict; one result per
// distinct finding, located at the target's own source line when its standard error shows a
// traceback (SourceLocation.swift). Pure: the CLI writes the bytes.

/// The tool as SARIF names it (`runs[].tool.driver`).
public struct SARIFTool: Sendable {
    public var name: String
    public var version: String
    public var informationURI: String

    public init(name: String, version: String, informationURI: String) {
        self.name = name
        self.version = version
        self.informationURI = informationURI
    }
}

extension Verdict {
    /// The verdicts a finding can have: SARIF's rules, in this order.
    public static var failing: [Verdict] { allCases.filter { $0 != .ok } }

    /// The SARIF rule's name (an identifier, as the standard suggests).
    var ruleName: String {
        switch self {
        case .ok: return "Ok"
        case .crash: return "TargetCrashed"
        case .hang: return "TargetHung"
        case .blocksOthers: return "TargetBlocksOthers"
        case .wrong: return "WrongAnswer"
        case .slow: return "TargetSlowed"
        case .leak: return "TargetLeaked"
        }
    }
}

extension FuzzReport {
    static let sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    /// The base a relative location is resolved against: the directory framescope ran in.
    static let sourceRoot = "%SRCROOT%"

    /// The SARIF log. `directory`: the working directory (locations under it are relative to it,
    /// given as `%SRCROOT%`); `program`: a file of the target's to locate a finding whose
    /// standard error names no line (at its line 1), if there is one. `failOn`: a finding that
    /// fails the run is `error`; a confirmed one whose verdict is not in it `warning`; an
    /// unconfirmed one `note`.
    public func sarif(tool: SARIFTool, directory: String, program: String?, failOn: Set<Verdict>,
                      reproduce: (Failure) -> String) -> [UInt8] {
        let rules: [JSONValue] = Verdict.failing.map { v in
            .object([
                ("id", .string(v.rawValue)), ("name", .string(v.ruleName)),
                ("shortDescription", .object([("text", .string("The fuzzed server's verdict: \(v.rawValue)."))])),
                ("fullDescription", .object([("text", .string("\(v.rawValue): \(v.summary).")) ])),
                ("defaultConfiguration", .object([("level", .string(failOn.contains(v) ? "error" : "warning"))])),
            ])
        }
        var results: [JSONValue] = []
        for g in distinctFindings {
            let f = g.first
            let confirmed = isConfirmed(g)
            let level = !confirmed ? "note" : failOn.contains(g.verdict) ? "error" : "warning"
            let command = reproduce(f)
            var text = "\(g.verdict.rawValue)\(g.cause.map { " (\($0.rawValue))" } ?? ""): \(g.signature)"
            text += " — reached by \(g.families.map(\.rawValue).joined(separator: ", ")), first by case \(f.fuzzCase.id)"
            text += confirmed ? "." : " (unconfirmed: it did not come back when played again)."
            text += " \(f.explained(in: language).text)\nReproduce: \(command)"
            var result: [(String, JSONValue)] = [
                ("ruleId", .string(g.verdict.rawValue)),
                ("ruleIndex", .int(Verdict.failing.firstIndex(of: g.verdict) ?? 0)),
                ("level", .string(level)),
                ("message", .object([("text", .string(text))])),
            ]
            if let location = sarifLocation(f.stderrTail, directory: directory, program: program) {
                result.append(("locations", .array([location])))
            }
            result.append(("partialFingerprints", .object([("framescopeFinding/v1", .string("\(g.verdict.rawValue) \(g.signature)"))])))
            var properties: [(String, JSONValue)] = [
                ("verdict", .string(g.verdict.rawValue)), ("signature", .string(g.signature)),
                ("families", .array(g.families.map { .string($0.rawValue) })), ("cases", .array(g.cases.map(JSONValue.string))),
            ]
            if let c = g.cause { properties.append(("cause", .string(c.rawValue))) }
            if let c = evidence[f.fuzzCase.id]?.confirmed { properties.append(("confirmed", .array([.int(c.cameBack), .int(c.played)]))) }
            properties += [("detail", .string(f.detail)), ("reproduce", .string(command)), ("stderr_tail", .string(f.stderrTail))]
            result.append(("properties", .object(properties)))
            results.append(.object(result))
        }
        let run: JSONValue = .object([
            ("tool", .object([("driver", .object([
                ("name", .string(tool.name)), ("version", .string(tool.version)),
                ("informationUri", .string(tool.informationURI)), ("rules", .array(rules)),
            ]))])),
            ("originalUriBaseIds", .object([(Self.sourceRoot, .object([("uri", .string(SourceLocation.directoryURI(directory)))]))])),
            ("results", .array(results)),
            ("properties", .object([
                ("target", .string(target)), ("transport", .string(transport)), ("format", .string(format)),
                ("seed", .string(String(seed))), ("cases", .int(cases)), ("duration_s", .double(Double(Self.seconds(duration)) ?? 0)),
            ])),
        ])
        let log: JSONValue = .object([("$schema", .string(Self.sarifSchema)), ("version", .string("2.1.0")), ("runs", .array([run]))])
        return Array((log.prettyText() + "\n").utf8)
    }

    /// The result's location: the traceback's line, else line 1 of the target's program.
    private func sarifLocation(_ stderr: String, directory: String, program: String?) -> JSONValue? {
        let at = SourceLocation.of(stderr: stderr) ?? program.map { SourceLocation(file: $0, line: 1, function: "?") }
        guard let at else { return nil }
        let (uri, relative) = at.uri(under: directory)
        var artifact: [(String, JSONValue)] = [("uri", .string(uri))]
        if relative { artifact.append(("uriBaseId", .string(Self.sourceRoot))) }
        var location: [(String, JSONValue)] = [
            ("physicalLocation", .object([("artifactLocation", .object(artifact)), ("region", .object([("startLine", .int(max(1, at.line)))]))])),
        ]
        if at.function != "?" && !at.function.isEmpty {
            location.append(("logicalLocations", .array([.object([("name", .string(at.function)), ("kind", .string("function"))])])))
        }
        return .object(location)
    }
}
