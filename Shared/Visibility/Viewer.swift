/// Who is looking at records: a merchant (sees public records and its own) or an operator (sees
/// everything).
public enum Viewer: Hashable, Sendable {
    /// A merchant, by its id (``MerchantIdentity/merchantID(token:)``).
    case merchant(String)
    /// An operator: every record.
    case `operator`
}
