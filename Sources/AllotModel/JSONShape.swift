import AllotJSON

/// Whether action params and the model card are JSON objects, by the same parser `allotd` serves them with: a
/// file the reader accepts is one the daemon can serve (a lighter check of its own once passed lone surrogate
/// escapes, and params the daemon then served as `{}`).
package enum JSONShape {
    /// Nesting allowed in params and the card; `allotd` parses params to the same depth.
    package static let maxDepth = 64

    static func isObject(_ text: String) -> Bool {
        guard case .object? = try? JSONParser.parse(Array(text.utf8), maxDepth: maxDepth) else { return false }
        return true
    }
}
