import Foundation

/// What a verified token grants: who it is, until when, and which topics.
public struct AccessGrant: Sendable, Hashable {
    /// The identity.
    public var viewer: Viewer
    /// When the token expires (nil: never).
    public var expires: Date?
    /// The topics it may see.
    public var topics: TopicPermissions

    public init(viewer: Viewer, expires: Date? = nil, topics: TopicPermissions = .all) {
        self.viewer = viewer
        self.expires = expires
        self.topics = topics
    }
}
