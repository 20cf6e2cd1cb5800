import Foundation

/// Which event families a topic appears in: `PRICEWARS_TOPICS_REGEX` and `SOLAR_TOPICS_REGEX`
/// (searched anywhere in the name, as Python's `re.search`; nil matches every topic).
///
/// `NSRegularExpression` is immutable once built and safe to use from any thread.
public final class TopicFamilyScope: @unchecked Sendable {
    private let families: Set<APIFamily>
    private let priceWars: NSRegularExpression?
    private let solar: NSRegularExpression?

    /// The scope of `configuration`; a pattern that does not compile (validation rejects it first)
    /// matches every topic.
    public init(configuration: RealtimeConfiguration) {
        families = configuration.apiFamilies
        priceWars = configuration.priceWarsTopicsRegex.flatMap { try? NSRegularExpression(pattern: $0) }
        solar = configuration.solarTopicsRegex.flatMap { try? NSRegularExpression(pattern: $0) }
    }

    /// The families `topic` appears in.
    public func families(of topic: String) -> Set<APIFamily> {
        var result = Set<APIFamily>()
        if families.contains(.pricewars), Self.search(priceWars, topic) { result.insert(.pricewars) }
        if families.contains(.solar), Self.search(solar, topic) { result.insert(.solar) }
        return result
    }

    /// Whether `pattern` is found anywhere in `text` (nil: always).
    static func search(_ pattern: NSRegularExpression?, _ text: String) -> Bool {
        guard let pattern else { return true }
        return pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
