import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

@main
struct Framescope: ParsableCommand {
    /// The one place the version is written: `--version` prints `framescope VERSION`, and
    /// tools/package.sh reads it from the built binary for the package names.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "framescope",
        abstract: "See what your socket programs put on the wire, layer by layer.",
        discussion: """
        framescope captures loopback traffic with libpcap (or reads pcap/pcapng files) and decodes \
        every frame in OSI order: layer 1 (the frame), 2 (Ethernet, VLAN, Linux cooked, BSD \
        loopback), 3 (IPv4, IPv6, ARP, ICMP), 4 (TCP, UDP), 5 (the TCP session, reassembled), \
        6 (the length header) and 7 (the chat messages): where each message falls against the \
        TCP segments — sticky (粘包), split (拆包), malformed.

        Exit status: 0 success; 1 the input was damaged or a capture failed (everything readable \
        was still output); 2 framescope could not run (no such file, bad filter, no permission, \
        no such interface, no such stream); 64 a usage error.
        """,
        version: "framescope \(version)",
        subcommands: [ReadCommand.self, LiveCommand.self, MessagesCommand.self, FollowCommand.self, StatsCommand.self,
                      InterfacesCommand.self, ServeCommand.self, ChatCommand.self, FuzzCommand.self, ReplayCommand.self, DemoCommand.self]
    )

    /// As ArgumentParser's, then one more check: output that could not be written (a full disk,
    /// `> /dev/full`) is an error, exit status 1 — unlike a reader that went away (`| head`),
    /// which ends the output quietly.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            Terminal.checkOutput()
            // fuzz's contract: every usage error is exit status 2, parse errors included.
            if CommandLine.arguments.dropFirst().first == "fuzz", exitCode(for: error) == .validationFailure {
                Terminal.error(message(for: error))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
        Terminal.checkOutput()
    }
}
