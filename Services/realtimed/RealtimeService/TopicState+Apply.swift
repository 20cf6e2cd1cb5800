import Bus
import Visibility

extension TopicState {
    /// Takes in a new record of the topic and its payloads; `owner` (with `AUTH_MODE=token`)
    /// says who may see it.
    ///
    /// With `byTimestamp` (realtimed follows several publishers, e.g. ingestd shards that each
    /// own some of the topic's partitions), the order the records arrive in says nothing about
    /// their age across publishers: one publisher's snapshot is applied after another's. A
    /// record older (by Kafka timestamp) than the newest one kept then goes into the history at
    /// its place in time and does not become the topic's latest value. Records without a
    /// timestamp, and every record without `byTimestamp`, count as the newest (arrival order).
    mutating func apply(_ record: BusRecord, _ payloads: RecordShaper.Payloads, owner: RecordOwner? = nil,
                        byTimestamp: Bool = false) {
        recordsSeen += 1
        let newest = !byTimestamp || Self.isNotOlder(record, than: lastRecord)
        if newest {
            lastRecord = record
            if let solar = payloads.solar { solarLatest = solar }
        }
        if let priceWars = payloads.priceWars {
            if newest {
                priceWarsHistory.append(priceWars, record: record, owner: owner ?? .everyone)
            } else {
                priceWarsHistory.insertByTimestamp(priceWars, record: record, owner: owner ?? .everyone)
            }
        }
        guard let owner else { return }
        var view = byOwner[owner] ?? OwnerView()
        view.seen += 1
        if !byTimestamp || Self.isNotOlder(record, than: view.lastRecord?.record) {
            view.lastRecord = (recordsSeen, record)
            if let solar = payloads.solar { view.solar = (recordsSeen, solar) }
        }
        byOwner[owner] = view
    }

    /// Whether `record` is at least as new as `other` by Kafka timestamp (true when either has none).
    static func isNotOlder(_ record: BusRecord, than other: BusRecord?) -> Bool {
        guard let other, record.timestamp >= 0, other.timestamp >= 0 else { return true }
        return record.timestamp >= other.timestamp
    }
}
