// framescope: the command line. `Framescope.swift` holds the root command and its subcommands;
// each subcommand has its own file (ReadCommand, LiveCommand, MessagesCommand, FollowCommand,
// StatsCommand, InterfacesCommand, ServeCommand, ChatCommand, FuzzCommand, ReplayCommand,
// DemoCommand), and the options several commands share are OptionGroups (OutputOptions,
// FramingOptions).
//
// The contract every file in this module keeps (docs/DESIGN.md "Commands", "Exit statuses"):
//
// 1. The CLI parses options, wires modules together, writes their bytes to the outside world, and
//    maps errors to exit statuses. Decoding, framing, judging and rendering belong to the
//    modules.
// 2. Errors say what happened and what to do, on standard error, after whatever was readable was
//    output. Exit status 0 success, 1 damaged input or a failed capture, 2 could not start, 64 a
//    usage error; fuzz, chat and replay have their own (docs/DESIGN.md "Exit statuses").
// 3. Colour only on a terminal, never with NO_COLOR set; progress only where it cannot get in the
//    way of the output (docs/DESIGN.md "Terminal output").
// 4. Every option appears in `framescope help COMMAND`, and docs/DESIGN.md "Commands" lists it.
//
// Not yet thin: the replay report and JSON, the fuzz replay tally and the case records are still
// rendered, loaded and saved here (docs/DESIGN.md "Not yet true").
//
// The demo (Demo*.swift) is a command of its own: the lesson, part by part, on the reference
// servers, captured live on lo and explained in English or Chinese.
