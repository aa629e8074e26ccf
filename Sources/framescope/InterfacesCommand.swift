import ArgumentParser
import Capture

struct InterfacesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interfaces",
        abstract: "List the interfaces libpcap can capture on."
    )

    func run() throws {
        let list: [InterfaceInfo]
        do { list = try listInterfaces() } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        var text = ""
        for i in list {
            var flags: [String] = []
            if i.isLoopback { flags.append("loopback") }
            flags.append(i.isUp ? "up" : "down")
            if i.isRunning { flags.append("running") }
            text += i.name + String(repeating: " ", count: max(0, 12 - i.name.count)) + " [" + flags.joined(separator: ", ") + "]"
            if !i.addresses.isEmpty { text += " " + i.addresses.joined(separator: " ") }
            if let d = i.description, !d.isEmpty { text += " — \(d)" }
            text += "\n"
        }
        _ = Terminal.writeAll(fd: 1, Array(text.utf8))
    }
}
