// Capture: framescope's door to captured traffic. Live capture and BPF through libpcap, and
// capture files read and written in native Swift. Frames come out as `RawFrame`s: bytes, link
// type, lengths and a timestamp; decoding them is Wire's job.
//
// The contract every file in this module keeps (docs/DESIGN.md "Module map"):
//
// 1. Every libpcap call lives in Pcap.swift, behind small wrappers; the POSIX file calls live in
//    FileIO.swift, each with its EINTR loop. A `PcapError` keeps libpcap's or the C library's
//    text word for word and ends with what the user can do.
// 2. Files are hostile input. The reader checks magic, version, link type and snaplen, and each
//    record's length against what the file allows before it allocates; a cut or corrupt file
//    gives the record index and byte offset, and the frames before it are kept.
// 3. Constant memory: a file is streamed through one reusable buffer, never loaded whole. A
//    `RawFrame`'s bytes are borrowed until the next `next()`; copy them to keep them.
// 4. A live capture stops cleanly (SIGINT, SIGTERM, -c, --duration): what the kernel already
//    holds is read, the -w file is flushed, libpcap's counters are reported.
// 5. Nothing here decodes past layer 1 or renders text.
//
// Files:
//   Pcap.swift            every pcap_* call (configure, activate, filter, stats, offline filter)
//   LiveCapture.swift     a live capture on an interface
//   BPFFilter.swift       BPF filters for frames read from files (per link type)
//   PcapFileReader.swift  native pcap and pcapng reader
//   PcapWriter.swift      classic pcap writer, and a ring of files like tcpdump -C -W
//   RawFrame.swift        what every source hands out
//   Recording.swift       frames collected on `lo` while some work runs (replay -w, fuzz records, demo)
//   FileIO.swift          open/read/write/close with EINTR loops
//   PcapError.swift       the module's one error type
