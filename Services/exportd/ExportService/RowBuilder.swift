import JSON
import Visibility

/// Turns a record's JSON value into CSV rows and decides who sees them (issue 5):
/// - a record is visible to a merchant when it has no `merchant_id` or its `merchant_id` is the
///   merchant's id;
/// - a `marketSituation` record becomes one row per offer: the offer's fields, then the
///   situation's `timestamp` and, when the situation has a `merchant_id`,
///   `triggering_merchant_id`;
/// - other records become one row of their top-level fields.
/// Every row has a `timestamp` column; a record without one gets the Kafka record timestamp.
struct RowBuilder {
    /// The topic whose records are expanded per offer.
    static let marketSituationTopic = "marketSituation"

    private static let timestampField = Array("timestamp".utf8)
    private static let offersField = Array("offers".utf8)
    private static let triggeringField = Array("triggering_merchant_id".utf8)

    /// The rows of one record and who may see them; throws for a value that is not a JSON object
    /// (or, for `marketSituation`, has no `offers` array of objects).
    static func rows(topic: String, value: [UInt8], kafkaTimestamp: Int64) throws(RowBuildError) -> (owner: RecordOwner, rows: [BuiltRow]) {
        let scanner = JSONScanner(value)
        let members = try scan { () throws(JSONSyntaxError) in try scanner.objectMembers() }
        // Who may see it: the rule realtimed applies to live streams too (``RecordOwner``).
        let owner = RecordOwner(value: value)
        var merchantCell: [UInt8]?
        if case .merchant(let id) = owner {
            merchantCell = []
            CSVFormat.appendCell(Array(id.utf8), to: &merchantCell!)
        }
        // The situation's (or record's) timestamp cell and its milliseconds.
        var timestampCell: [UInt8] = []
        var timestamp = kafkaTimestamp
        if let member = members.first(where: { $0.key == timestampField }) {
            CSVFormat.appendCell(member.value, text: value, to: &timestampCell)
            switch member.value {
            case .string(let text): timestamp = ExportTimestamp.milliseconds(iso8601: text) ?? kafkaTimestamp
            case .number(let range):
                timestamp = Int64(String(decoding: value[range], as: UTF8.self)) ?? kafkaTimestamp
            default: break
            }
        } else if kafkaTimestamp >= 0 {
            timestampCell = ExportTimestamp.iso8601(milliseconds: kafkaTimestamp)
        }

        guard topic == marketSituationTopic else {
            var row = BuiltRow(fields: [], line: [], timestamp: timestamp)
            row.fields.reserveCapacity(members.count + 1)
            row.line.reserveCapacity(value.count)
            var hasTimestamp = false
            for member in members {
                if !row.fields.isEmpty { row.line.append(UInt8(ascii: ",")) }
                row.fields.append(member.key)
                if member.key == timestampField {
                    hasTimestamp = true
                    row.line.append(contentsOf: timestampCell)
                } else {
                    CSVFormat.appendCell(member.value, text: value, to: &row.line)
                }
            }
            if !hasTimestamp {
                if !row.fields.isEmpty { row.line.append(UInt8(ascii: ",")) }
                row.fields.append(timestampField)
                row.line.append(contentsOf: timestampCell)
            }
            return (owner, [row])
        }

        guard let offers = members.first(where: { $0.key == offersField }), case .array(let range) = offers.value else {
            throw RowBuildError.offersMissing
        }
        var rows: [BuiltRow] = []
        for element in try scan({ () throws(JSONSyntaxError) in try scanner.arrayElements(in: range) }) {
            guard case .object(let offerRange) = element else {
                throw RowBuildError.offerNotAnObject(at: range.lowerBound)
            }
            var row = BuiltRow(fields: [], line: [], timestamp: timestamp)
            for member in try scan({ () throws(JSONSyntaxError) in try scanner.objectMembers(in: offerRange) })
            where member.key != timestampField && member.key != triggeringField {
                if !row.fields.isEmpty { row.line.append(UInt8(ascii: ",")) }
                row.fields.append(member.key)
                CSVFormat.appendCell(member.value, text: value, to: &row.line)
            }
            if !row.fields.isEmpty { row.line.append(UInt8(ascii: ",")) }
            row.fields.append(timestampField)
            row.line.append(contentsOf: timestampCell)
            if let merchantCell {
                row.line.append(UInt8(ascii: ","))
                row.fields.append(triggeringField)
                row.line.append(contentsOf: merchantCell)
            }
            rows.append(row)
        }
        return (owner, rows)
    }

    /// Runs a scanner step, its syntax error as a row error.
    private static func scan<T>(_ step: () throws(JSONSyntaxError) -> T) throws(RowBuildError) -> T {
        do {
            return try step()
        } catch {
            throw .invalidJSON(error)
        }
    }
}
