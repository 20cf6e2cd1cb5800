import RecordFilter
import Visibility

/// The sockets that share one conflated subscription: the same filter and the same
/// ``ConflationSettings``. They share one room per topic and one ``Conflator``, so each window's
/// events are encoded once for all of them, and the cap holds for each of them (what the group
/// sends, across its topics, is what each member gets at most).
struct ConflationGroup: Sendable {
    /// The filter of the group's sockets (nil: none).
    let filter: RecordFilter?
    /// The room name part shared by the group's rooms (``RealtimeHub/room(_:filter:)``).
    let roomKey: String
    /// With `AUTH_MODE=token`, the identity every member has (part of the room key): the group
    /// takes only the records it may see.
    let viewer: Viewer?
    var conflator: Conflator<ConflatedEvents>
    /// The members' topic patterns, with how many members have each.
    private var patterns: [TopicPattern: Int] = [:]
    /// Whether a member follows a topic, by topic (cleared when the patterns change).
    private var follows: [String: Bool] = [:]
    /// Members (sockets, connected or awaiting recovery).
    private(set) var sockets = 0

    init(filter: RecordFilter?, roomKey: String, viewer: Viewer?, settings: ConflationSettings, maxKeys: Int) {
        self.filter = filter
        self.roomKey = roomKey
        self.viewer = viewer
        conflator = Conflator(settings: settings, maxKeys: maxKeys)
    }

    /// A socket following `patterns` joins.
    mutating func add(_ patterns: Set<TopicPattern>) {
        sockets += 1
        for pattern in patterns { self.patterns[pattern, default: 0] += 1 }
        follows = [:]
    }

    /// A socket that followed `patterns` leaves.
    mutating func remove(_ patterns: Set<TopicPattern>) {
        sockets -= 1
        for pattern in patterns {
            let count = (self.patterns[pattern] ?? 0) - 1
            self.patterns[pattern] = count > 0 ? count : nil
        }
        follows = [:]
    }

    /// Whether any member follows `topic` (only their records take room in the conflator and
    /// count against the cap).
    mutating func isFollowed(_ topic: String) -> Bool {
        if let known = follows[topic] { return known }
        let followed = patterns.keys.contains { $0.matches(topic) }
        follows[topic] = followed
        return followed
    }
}
