// Whole files the commands write beside their output (`follow --svg`, the demo's report and
// ladder, a fuzz case record), in one place for every command.

#if canImport(Glibc)
import Glibc
#endif

/// Writes `text` to `path` (created or truncated); false if it could not be written whole.
func writeFile(_ path: String, _ text: String) -> Bool {
    guard let f = fopen(path, "w") else { return false }
    defer { fclose(f) }
    let bytes = Array(text.utf8)
    return fwrite(bytes, 1, bytes.count, f) == bytes.count
}
