import Foundation

/// Latencies in microseconds: 10 µs buckets below 1 ms, then buckets 2% wide up to about a
/// minute. Fixed size, no allocation per sample.
struct LatencyHistogram {
    private static let linearBuckets = 100
    private static let logBuckets = 600
    private static let logBase = log(1.02)
    private(set) var counts: [UInt64] = Array(repeating: 0, count: linearBuckets + logBuckets)
    private(set) var total: UInt64 = 0
    private(set) var maximum: Int64 = 0

    /// Adds one latency (negative values, from clock skew, count as 0).
    mutating func record(microseconds value: Int64) {
        let v = max(0, value)
        counts[Self.bucket(of: v)] &+= 1
        total &+= 1
        if v > maximum { maximum = v }
    }

    /// Adds `other`'s samples.
    mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] &+= other.counts[index] }
        total &+= other.total
        maximum = max(maximum, other.maximum)
    }

    /// The upper bound, in microseconds, of the bucket holding the `fraction` quantile (0 if empty).
    func quantile(_ fraction: Double) -> Int64 {
        guard total > 0 else { return 0 }
        let rank = UInt64((Double(total) * fraction).rounded(.up))
        var seen: UInt64 = 0
        for (index, count) in counts.enumerated() {
            seen += count
            if seen >= max(rank, 1) { return min(Self.upperBound(of: index), maximum) }
        }
        return maximum
    }

    private static func bucket(of value: Int64) -> Int {
        if value < 1_000 { return Int(value / 10) }
        let index = Int(log(Double(value) / 1_000) / logBase)
        return linearBuckets + min(index, logBuckets - 1)
    }

    private static func upperBound(of bucket: Int) -> Int64 {
        if bucket < linearBuckets { return Int64(bucket + 1) * 10 }
        return Int64(1_000 * pow(1.02, Double(bucket - linearBuckets + 1)))
    }
}
