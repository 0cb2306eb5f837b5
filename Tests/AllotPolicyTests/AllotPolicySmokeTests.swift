import Testing
@testable import AllotPolicy

@Test func AllotPolicyBuilds() {
    #expect(Bool(true))
}
