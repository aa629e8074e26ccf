import Capture
import Inspect
import Render
import Streams
import Wire

/// One TCP stream of a capture, read for `follow` and for the fuzz report's ladder: its
/// segments (for the ladder), its messages in order, and the stream's summary.
struct TCPConversation {
    var summary: StreamSummary
    var messages: [ChatMessage]
    var segments: [LadderSegment]

    var client: String { Ladder.endpoint(summary.endpoints.client, summary.endpoints.clientPort) }
    var server: String { Ladder.endpoint(summary.endpoints.server, summary.endpoints.serverPort) }

    /// Reads `input` to its end (or to a damaged record: `failure`) and keeps stream `stream`;
    /// nil when the capture has no such stream.
    static func read(_ input: CaptureInput, stream: Int, inspector: Inspector) -> (conversation: TCPConversation?, failure: PcapError?) {
        guard let stage = inspector.messages else { return (nil, nil) }
        var segments: [LadderSegment] = []
        var (messages, failure) = input.inspectAll(inspector, keep: { $0.transport == .tcp && $0.stream == stream }) { raw, session, frame in
            if session?.stream == stream,
               let segment = LadderSegment(frame: input.frameNumber, timestamp: raw.timestamp, session: session, decoded: frame) {
                segments.append(segment)
            }
        }
        guard let summary = stage.summaries.first(where: { $0.stream == stream && $0.transport == .tcp }) else { return (nil, failure) }
        messages.sort { ($0.frames.first ?? 0, $0.message.index) < ($1.frames.first ?? 0, $1.message.index) }
        return (TCPConversation(summary: summary, messages: messages, segments: segments), failure)
    }
}
