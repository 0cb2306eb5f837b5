import Testing
@testable import AllotModel

@Test func AllotModelBuilds() {
    #expect(Bool(true))
}
