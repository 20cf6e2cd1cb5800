import Bus

extension TopicState {
    /// Takes in a new record of the topic and its payloads.
    mutating func apply(_ record: BusRecord, _ payloads: RecordShaper.Payloads) {
        recordsSeen += 1
        lastRecord = record
        if let solar = payloads.solar { solarLatest = solar }
        if let priceWars = payloads.priceWars { priceWarsHistory.append(priceWars, record: record) }
    }
}
