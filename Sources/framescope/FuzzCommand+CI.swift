import ArgumentParser
import Foundation
import Fuzz

// `fuzz`'s CI options: which verdicts fail the run (`--fail-on`), and what the SARIF report
// needs from the outside (the tool's page, the target's program file).

extension FuzzCommand {
    /// Where a SARIF reader learns about framescope (there is no web page of its own).
    static let informationURI = "man:framescope(1)"

    /// `--fail-on`: the verdicts that set exit status 1.
    func failingVerdicts() throws -> Set<Verdict> {
        guard let list = failOn else { return Set(Verdict.failing) }
        if list.trimmingCharacters(in: .whitespaces) == "none" { return [] }
        var out = Set<Verdict>()
        for name in list.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let v = Verdict(rawValue: name), v != .ok else {
                throw ValidationError("--fail-on: no failing verdict '\(name)'; the verdicts are \(Verdict.failing.map(\.rawValue).joined(separator: ", ")), or none")
            }
            out.insert(v)
        }
        return out
    }

    /// The file --exec runs, for SARIF results whose stderr names no line: the first word of the
    /// command that names a regular file under the working directory (`python3 srv.py 0`:
    /// srv.py), else the first that names one anywhere (`/opt/srv/server`).
    func targetProgram() -> String? {
        guard let command = exec else { return nil }
        let cwd = FileManager.default.currentDirectoryPath
        let files = command.split(separator: " ").map(String.init).filter { word in
            var isDir: ObjCBool = false
            return !word.hasPrefix("-") && FileManager.default.fileExists(atPath: word, isDirectory: &isDir) && !isDir.boolValue
        }.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 }
        return files.first { $0.hasPrefix(cwd + "/") } ?? files.first
    }
}
