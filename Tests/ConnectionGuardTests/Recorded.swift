import NIOConcurrencyHelpers

/// Values recorded from `@Sendable` callbacks.
final class Recorded<Value: Sendable>: Sendable {
    private let box = NIOLockedValueBox<[Value]>([])

    func append(_ value: Value) { box.withLockedValue { $0.append(value) } }

    var values: [Value] { box.withLockedValue { $0 } }
}
