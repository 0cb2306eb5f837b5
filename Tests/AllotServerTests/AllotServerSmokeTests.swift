import Testing
@testable import AllotServer

@Test func AllotServerBuilds() {
    #expect(Bool(true))
}
