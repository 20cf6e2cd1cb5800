import Foundation
import TestSupport

/// Reads an export the way the Price Wars merchant client does:
/// `pandas.read_csv(url, parse_dates=['timestamp'])`, and returns the frame as JSON records
/// (timestamps as ISO strings), plus the column names and the timestamp column's dtype.
enum PandasClient {
    struct Frame: Decodable {
        var columns: [String]
        var timestampDtype: String
        var rows: [[String: JSONCell]]
    }

    /// A JSON value of a parsed cell.
    enum JSONCell: Decodable, Equatable {
        case string(String), number(Double), bool(Bool), null
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let flag = try? container.decode(Bool.self) { self = .bool(flag) }
            else if let number = try? container.decode(Double.self) { self = .number(number) }
            else { self = .string(try container.decode(String.self)) }
        }
        var string: String? { if case .string(let text) = self { text } else { nil } }
        var number: Double? { if case .number(let value) = self { value } else { nil } }
    }

    static let script = """
    import json, sys
    import pandas as pd
    frame = pd.read_csv(sys.argv[1], parse_dates=['timestamp'])
    out = {"columns": list(frame.columns), "timestampDtype": str(frame["timestamp"].dtype),
           "rows": json.loads(frame.to_json(orient="records", date_format="iso", date_unit="ms"))}
    print(json.dumps(out))
    """

    static func read(_ url: String) throws -> Frame {
        let python = try TestEnvironment.require(TestEnvironment.python)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, url]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ExportdTestError.python(errorText) }
        do {
            return try JSONDecoder().decode(Frame.self, from: data)
        } catch {
            throw ExportdTestError.python("\(error)\n\(String(decoding: data, as: UTF8.self))\n\(errorText)")
        }
    }
}
