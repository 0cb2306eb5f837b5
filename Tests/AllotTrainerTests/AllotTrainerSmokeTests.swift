import Testing
@testable import AllotTrainer

@Test func AllotTrainerBuilds() {
    #expect(Bool(true))
}
