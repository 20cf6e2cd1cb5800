import Bus
import Visibility

extension TopicState {
    /// Takes in a new record of the topic and its payloads; `owner` (with `AUTH_MODE=token`)
    /// says who may see it.
    mutating func apply(_ record: BusRecord, _ payloads: RecordShaper.Payloads, owner: RecordOwner? = nil) {
        recordsSeen += 1
        lastRecord = record
        if let solar = payloads.solar { solarLatest = solar }
        if let priceWars = payloads.priceWars {
            priceWarsHistory.append(priceWars, record: record, owner: owner ?? .everyone)
        }
        guard let owner else { return }
        var view = byOwner[owner] ?? OwnerView()
        view.seen += 1
        view.lastRecord = (recordsSeen, record)
        if let solar = payloads.solar { view.solar = (recordsSeen, solar) }
        byOwner[owner] = view
    }
}
