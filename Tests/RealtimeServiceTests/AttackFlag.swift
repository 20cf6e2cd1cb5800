import Foundation

/// Whether the attack is still running (shared between the attack and the probe).
final class AttackFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var on = true

    var isOn: Bool { lock.withLock { on } }

    func stop() { lock.withLock { on = false } }
}
