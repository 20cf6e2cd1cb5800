import Foundation

/// Serves the dashboard's static files from a directory, without leaving it.
struct DashboardFiles: Sendable {
    /// The directory, or nil when there is no dashboard.
    let directory: URL?

    init(directory: String?) {
        self.directory = directory.map { URL(fileURLWithPath: $0, isDirectory: true).standardizedFileURL.resolvingSymlinksInPath() }
    }

    /// The content type of a file name by its extension.
    static func contentType(_ name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "html", "htm": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "json", "map": "application/json"
        case "ico": "image/x-icon"
        case "txt": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }

    /// Why a path cannot be served.
    enum Refusal: Error, Equatable {
        case notFound
        case forbidden
    }

    /// The file for a request path (`/` is `index.html`), refusing anything that would leave
    /// the directory (`..`, encoded separators, hidden files).
    func file(forPath path: String) -> Result<(data: Data, contentType: String), Refusal> {
        guard let directory else { return .failure(.notFound) }
        let relative = path == "/" ? "index.html" : String(path.drop { $0 == "/" })
        guard let decoded = relative.removingPercentEncoding else { return .failure(.forbidden) }
        let parts = decoded.split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.isEmpty, !decoded.contains("\\"), !decoded.contains("\0"),
              parts.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") }) else { return .failure(.forbidden) }
        let url = directory.appendingPathComponent(decoded).standardizedFileURL.resolvingSymlinksInPath()
        guard url.path.hasPrefix(directory.path + "/") else { return .failure(.forbidden) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let data = FileManager.default.contents(atPath: url.path) else { return .failure(.notFound) }
        return .success((data, Self.contentType(url.lastPathComponent)))
    }
}
