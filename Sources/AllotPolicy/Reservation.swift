/// A ticket for one routed request: its number in the request sequence (from 1). Hand it back to `settle`.
public struct Ticket: Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}

/// What became of a reported cost.
public enum SettleResult: Sendable, Equatable {
    /// The reservation was outstanding; its estimate is now replaced by the actual cost.
    case settled
    /// This ticket was already settled: nothing changed (reports are idempotent).
    case duplicate
    /// Unknown, expired, or too old to remember.
    case notFound
}

/// One slot of the reservation ring.
struct Reservation: Sendable, Equatable {
    enum State: UInt8, Sendable {
        case empty = 0
        case outstanding = 1
        case settled = 2
        case expired = 3
    }
    var ticket: UInt64 = 0
    var action: Int32 = 0
    var state: State = .empty
    /// Estimate as counted (after clamping), then the actual cost once settled.
    var cost: Double = 0
    var at: Double = 0
    /// Time bucket the cost was counted in (rate budgets).
    var bucket: Int64 = 0
}
