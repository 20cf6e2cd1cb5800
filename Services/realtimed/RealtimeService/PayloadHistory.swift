/// The last `capacity` payloads of a topic, oldest first (a ring buffer).
public struct PayloadHistory: Sendable {
    /// The most payloads kept.
    public let capacity: Int
    private var storage: [[UInt8]] = []
    private var head = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(min(self.capacity, 1024))
    }

    /// Number of payloads kept.
    public var count: Int { storage.count }

    /// Adds a payload, dropping the oldest when full.
    public mutating func append(_ payload: [UInt8]) {
        if storage.count < capacity {
            storage.append(payload)
        } else {
            storage[head] = payload
            head = (head + 1) % capacity
        }
    }

    /// The newest payload.
    public var last: [UInt8]? {
        guard !storage.isEmpty else { return nil }
        return storage.count < capacity || head == 0 ? storage[storage.count - 1] : storage[head - 1]
    }

    /// The payloads, oldest first.
    public var elements: [[UInt8]] {
        Array(storage[head...] + storage[..<head])
    }

    /// The payloads as one JSON array text, oldest first.
    public var jsonArray: [UInt8] {
        var output: [UInt8] = [UInt8(ascii: "[")]
        output.reserveCapacity(storage.reduce(2) { $0 + $1.count + 1 })
        var first = true
        for payload in storage[head...] + storage[..<head] {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            output.append(contentsOf: payload)
        }
        output.append(UInt8(ascii: "]"))
        return output
    }
}
