/// The inflated payload: a sequence of tagged sections `(u16 tag, u32 length, body)`.
///
/// Readers skip sections whose tag they do not know, so a later minor version can add sections; every known
/// section appears at most once, and all but the model card are required.
package enum ModelPayload {
    package enum Tag: UInt16, CaseIterable {
        case features = 1, actions = 2, bins = 3, heads = 4, lambdas = 5, card = 6

        var name: String {
            switch self {
            case .features: "feature spec"
            case .actions: "actions"
            case .bins: "bins"
            case .heads: "heads"
            case .lambdas: "lambda table"
            case .card: "model card"
            }
        }
    }

    // Limits on untrusted strings and counts (bytes / items).
    static let maxNameBytes = 256
    static let maxParamsBytes = 64 << 10
    static let maxCardBytes = 1 << 20
    static let maxSignals = 4096
    static let maxActions = 4096
    static let maxLambdaPoints = 1 << 16
    static let maxFeatures = 1 << 16
    /// Bounds `Σ leaves` of a head to `maxTrees · 32767 < 2^31`, so the evaluator's Int32 sum cannot overflow.
    static let maxTrees = 1 << 16

    @inline(__always) package static func zigzag(_ q: Int16) -> UInt16 {
        UInt16(bitPattern: (q << 1) ^ (q >> 15))
    }

    @inline(__always) static func unzigzag(_ z: UInt16) -> Int16 {
        Int16(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
    }
}
