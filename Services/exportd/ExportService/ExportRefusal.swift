import Hummingbird

/// Why an export was refused: a limit of ``ExportLimits`` was reached.
public enum ExportRefusal: String, Sendable, Equatable, CaseIterable {
    case merchantFiles = "merchant_files"
    case merchantBytes = "merchant_bytes"
    case totalFiles = "total_files"
    case totalBytes = "total_bytes"
    case merchantStreams = "merchant_streams"
    case totalStreams = "total_streams"

    /// 429 for a merchant's own limit (it can wait for its files to expire or its streams to
    /// end), 503 for the server's.
    var status: HTTPResponse.Status {
        switch self {
        case .merchantFiles, .merchantBytes, .merchantStreams: .tooManyRequests
        case .totalFiles, .totalBytes, .totalStreams: .serviceUnavailable
        }
    }

    /// The error message of the JSON answer.
    var message: String {
        switch self {
        case .merchantFiles: "too many export files for this merchant; retry when older ones expire"
        case .merchantBytes: "this merchant's export files are too large in all; retry when older ones expire"
        case .totalFiles: "too many export files; retry later"
        case .totalBytes: "export storage is full; retry later"
        case .merchantStreams: "too many exports in progress for this merchant; retry when one ends"
        case .totalStreams: "too many exports in progress; retry later"
        }
    }

    /// Seconds a client should wait before retrying (`Retry-After`).
    var retryAfterSeconds: Int {
        switch self {
        case .merchantStreams, .totalStreams: 1
        default: 60
        }
    }
}
