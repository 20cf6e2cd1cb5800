import Foundation
import Visibility

/// The operator tokens, as their SHA-256 digests (hexadecimal): the file holds no token.
public struct OperatorTokenDigests: Sendable {
    /// Why a digests file cannot be used.
    public struct FileError: Error, CustomStringConvertible {
        public let description: String
    }

    private let digests: Set<String>

    /// No operators.
    public init() { digests = [] }

    /// The digests of `path`: one 64-digit hexadecimal SHA-256 per line; `#` comments and blank
    /// lines ignored.
    public init(contentsOf path: String) throws(FileError) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw FileError(description: "cannot read '\(path)'")
        }
        var digests = Set<String>()
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first?
                .trimmingCharacters(in: .whitespaces) ?? ""
            guard !line.isEmpty else { continue }
            guard line.utf8.count == 64, line.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0 | 0x20) }) else {
                throw FileError(description: "line \(number + 1) of '\(path)' is not a SHA-256 digest in hexadecimal (64 digits)")
            }
            digests.insert(line.lowercased())
        }
        self.digests = digests
    }

    /// Whether `token` is an operator's.
    public func contains(token: String) -> Bool {
        !digests.isEmpty && digests.contains(MerchantIdentity.tokenDigest(token))
    }
}
