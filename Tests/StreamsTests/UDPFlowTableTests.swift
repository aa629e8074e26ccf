import Streams
import Wire
import XCTest

/// UDP flows: both directions of a 4-tuple are one flow (the `FlowKey` TCP's table uses), the
/// first sender is the client, flows are numbered by their first datagram, and past `maxFlows`
/// the least recently seen tenth is forgotten and named.
final class UDPFlowTableTests: XCTestCase {
    let a = IPAddress.v4(IPv4Address(127, 0, 0, 1))
    let b = IPAddress.v4(IPv4Address(127, 0, 0, 2))
    let six = IPAddress.v6(IPv6Address(high: 0, low: 1))

    func testBothDirectionsAreOneFlowAndTheFirstSenderIsTheClient() {
        var table = UDPFlowTable()
        let first = table.flow(src: b, sp: 50000, dst: a, dp: 9001, frame: 1)
        XCTAssertEqual(first.flow.index, 0)
        XCTAssertEqual(first.direction, .clientToServer)
        XCTAssertEqual(first.flow.client, b)
        XCTAssertEqual(first.flow.clientPort, 50000)
        XCTAssertEqual(first.flow.serverPort, 9001)
        XCTAssertEqual(first.forgotten, [])

        // The answer, from the lower address: the same flow, the other direction.
        let answer = table.flow(src: a, sp: 9001, dst: b, dp: 50000, frame: 2)
        XCTAssertEqual(answer.flow.index, 0)
        XCTAssertEqual(answer.direction, .serverToClient)
        XCTAssertEqual(answer.flow.last, 2)

        // Another port, another address family: new flows, numbered in order.
        XCTAssertEqual(table.flow(src: b, sp: 50001, dst: a, dp: 9001, frame: 3).flow.index, 1)
        XCTAssertEqual(table.flow(src: six, sp: 7, dst: six, dp: 9001, frame: 4).flow.index, 2)
        XCTAssertEqual(table.flow(src: six, sp: 9001, dst: six, dp: 7, frame: 5).direction, .serverToClient)
        XCTAssertEqual(table.flow(src: b, sp: 50000, dst: a, dp: 9001, frame: 6).flow.index, 0)
    }

    func testPastTheLimitTheLeastRecentlySeenTenthIsForgotten() {
        var table = UDPFlowTable()
        table.maxFlows = 20
        for port in 0..<20 { XCTAssertEqual(table.flow(src: a, sp: UInt16(1000 + port), dst: b, dp: 9001, frame: port + 1).forgotten, []) }
        // Flow 0 is seen again, so flows 1 and 2 are now the least recently seen.
        _ = table.flow(src: b, sp: 9001, dst: a, dp: 1000, frame: 21)
        let new = table.flow(src: a, sp: 2000, dst: b, dp: 9001, frame: 22)
        XCTAssertEqual(new.forgotten, [1, 2])
        XCTAssertEqual(new.flow.index, 20)
        // A forgotten flow seen again gets a new index; a kept one keeps its own.
        XCTAssertEqual(table.flow(src: a, sp: 1001, dst: b, dp: 9001, frame: 23).flow.index, 21)
        XCTAssertEqual(table.flow(src: a, sp: 1003, dst: b, dp: 9001, frame: 24).flow.index, 3)
    }
}
