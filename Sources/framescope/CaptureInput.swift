import ArgumentParser
import Capture
import Wire

/// A capture file opened for a command, with its BPF filter compiled and checked before any
/// output (so a bad filter or a missing file fails with status 2 and nothing printed).
struct CaptureInput {
    let reader: PcapFileReader
    let filter: FrameFilter?

    init(file: String, filter words: [String]) throws {
        do { reader = try PcapFileReader(path: file) } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        let expression = words.joined(separator: " ")
        filter = expression.isEmpty ? nil : FrameFilter(expression: expression)
        do { try filter?.validate(for: reader.linkType) } catch {
            reader.close()
            Terminal.error(error.description)
            throw ExitCode(2)
        }
    }

    /// The next frame that passes the filter; nil at the end of the file.
    func next() throws(PcapError) -> RawFrame? {
        while let raw = try reader.next() {
            if let f = filter, try !f.matches(raw) { continue }
            return raw
        }
        return nil
    }

    /// The 1-based position in the file of the frame last returned.
    var frameNumber: Int { reader.framesRead }

    func close() { reader.close() }
}
