/// A publisher's count of its subscribers' subscriptions, from the subscription messages its
/// XPUB socket passes up, and from it whether every subscriber reads packed records.
///
/// A subscriber that reads packs (bus protocol version 3) says so with one more SUB
/// subscription per prefix it subscribes: ``packsAnnouncement(for:)`` (`"\0bus-v3\0"` followed by
/// the prefix). It matches no message (topics never start with a zero byte), so an older
/// publisher ignores it; an older subscriber never sends it. The publisher sends packs only while,
/// for every prefix, at least as many subscriptions announce packs as hold it: one subscriber
/// that does not read packs (an older realtimed, exportd or a third-party SUB socket) turns them
/// off until it leaves. See `docs/bus-protocol.md`, "Versions and upgrading".
///
/// A pure value: the publisher feeds it every message (``apply(_:)``) and asks
/// ``everySubscriberReadsPacks``. At most ``maximumPrefixes`` distinct prefixes are tracked;
/// subscriptions beyond that keep packs off until as many unknown prefixes were unsubscribed.
public struct BusSubscriptionCensus: Sendable, Equatable {
    /// What one subscription message said.
    public enum Change: Sendable, Equatable {
        /// `1` followed by the prefix: a subscriber subscribed to it.
        case subscribe([UInt8])
        /// `0` followed by the prefix: a subscriber unsubscribed, or left (libzmq then sends one
        /// per prefix it held).
        case unsubscribe([UInt8])

        /// Reads an XPUB subscription message: `nil` unless it is one frame opening with 0 or 1.
        public init?(message frames: [[UInt8]]) {
            guard frames.count == 1, let flag = frames[0].first, flag <= 1 else { return nil }
            let prefix = Array(frames[0].dropFirst())
            self = flag == 1 ? .subscribe(prefix) : .unsubscribe(prefix)
        }
    }

    /// What opens a packs announcement: a zero byte, `bus-v3`, a zero byte.
    public static let packsAnnouncementPrefix: [UInt8] = [0] + Array("bus-v3".utf8) + [0]
    /// The most distinct prefixes tracked.
    public static let maximumPrefixes = 4096

    /// The subscription that says "I read packs for the messages of `prefix`".
    public static func packsAnnouncement(for prefix: [UInt8]) -> [UInt8] { packsAnnouncementPrefix + prefix }

    /// Subscriptions per topic prefix.
    private var holders: [[UInt8]: Int] = [:]
    /// Packs announcements per topic prefix.
    private var announced: [[UInt8]: Int] = [:]
    /// Prefixes whose holders outnumber their announcements.
    private var prefixesWithoutPacks = 0
    /// Subscriptions not tracked because ``maximumPrefixes`` were.
    public private(set) var untracked = 0

    public init() {}

    /// Whether every subscription (so every subscriber) announced that it reads packs; true
    /// with no subscriber at all.
    public var everySubscriberReadsPacks: Bool { prefixesWithoutPacks == 0 && untracked == 0 }

    /// How many subscriptions hold `prefix` (announcements not counted).
    public func holders(of prefix: [UInt8]) -> Int { holders[prefix] ?? 0 }

    /// Counts one subscription message.
    public mutating func apply(_ change: Change) {
        let (prefix, delta) = switch change {
        case .subscribe(let prefix): (prefix, 1)
        case .unsubscribe(let prefix): (prefix, -1)
        }
        let isAnnouncement = prefix.starts(with: Self.packsAnnouncementPrefix)
        let topicPrefix = isAnnouncement ? Array(prefix.dropFirst(Self.packsAnnouncementPrefix.count)) : prefix
        let lackedPacks = lacksPacks(topicPrefix)
        let known = holders[topicPrefix] != nil || announced[topicPrefix] != nil
        if !known {
            if delta < 0 {
                // An unsubscription nothing was counted for: a subscription once left untracked.
                untracked = max(0, untracked - 1)
                return
            }
            if holders.count + announced.count >= Self.maximumPrefixes {
                untracked += 1
                return
            }
        }
        if isAnnouncement {
            announced[topicPrefix] = Self.adding(delta, to: announced[topicPrefix])
        } else {
            holders[topicPrefix] = Self.adding(delta, to: holders[topicPrefix])
        }
        switch (lackedPacks, lacksPacks(topicPrefix)) {
        case (false, true): prefixesWithoutPacks += 1
        case (true, false): prefixesWithoutPacks -= 1
        default: break
        }
    }

    private func lacksPacks(_ prefix: [UInt8]) -> Bool { holders(of: prefix) > (announced[prefix] ?? 0) }

    /// `count` plus `delta`, never below zero, `nil` (forgotten) at zero.
    private static func adding(_ delta: Int, to count: Int?) -> Int? {
        let sum = (count ?? 0) + delta
        return sum > 0 ? sum : nil
    }
}
