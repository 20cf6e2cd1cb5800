import Visibility

/// Who asks for an export: the merchant whose rows it holds besides the public ones (nil: public
/// rows only), and the topics it may export.
struct ExportRequester: Sendable {
    var merchant: String?
    var topics: TopicPermissions = .all
}
