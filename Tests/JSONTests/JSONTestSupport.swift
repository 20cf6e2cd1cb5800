import Foundation

/// Whether `bytes` parse as JSON (any top-level value), checked with Foundation in tests only.
func isParsableJSON(_ bytes: [UInt8]) -> Bool {
    (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
}
