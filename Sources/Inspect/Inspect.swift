// Inspect: the pipeline every command's frames go through, layers 5–7. `Inspector` is the one
// entry point: it decodes a frame (Wire), hands it to the stream stage, then the message stage,
// and gives back the decoded frame with its `FrameView`.
//
//   bytes ──► Dissector ──► StreamStage ──PipelineEvent──► MessageStage ──► ChatMessage, FrameView
//
// The contract every file in this module keeps (docs/DESIGN.md "Module map"):
//
// 1. No I/O, no Foundation, no clocks. Held output that outgrows memory goes to a `SpillStore`
//    the caller provides (StreamOrder); the module never opens a file itself.
// 2. A stage belongs to one reading loop: not shared between threads. `PipelineEvent` is the
//    seam where `messages` on a file hands work to a second thread, and both ways give the same
//    messages.
// 3. Memory is bounded on any capture: the stream stage by Streams' limits (UDP flows by its
//    `UDPFlowTable`'s bound), held output by `StreamOrder`'s bound and the spill store.
// 4. Framing comes from the Framing module only (`MessageFramer`, `AutoFraming`); this module
//    decides which spec applies where and what each frame shows, never how bytes are cut.
// 5. The words and orders it produces are contracts: messages in stream order, `auto`'s
//    provisional `raw` and its switch, each message's frames (docs/DESIGN.md "Messages JSON",
//    "Framing specs").
//
// Files:
//   Inspector.swift           the one entry point: dissector + both stages
//   StreamStage.swift         fragments, TCP reassembly, UDP flows → PipelineEvent
//   PipelineEvent.swift       the seam between the stages
//   MessageStage.swift        events framed into messages; each frame's layers 5–7 pieces
//   MessageStage+Auto.swift   `auto`: the guess, provisional raw messages, the switch
//   MessageStage+Emit.swift   each message as the framer cuts it: its frames, to the receiver
//   FrameView.swift           layers 5–7 of one frame
//   ChatMessage.swift         one message with where it was captured (FrameList: its frames)
//   StreamOrder.swift         stream order while streaming, bounded, with a spill store
