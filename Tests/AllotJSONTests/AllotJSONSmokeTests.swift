import Testing
@testable import AllotJSON

@Test func AllotJSONBuilds() {
    #expect(Bool(true))
}
