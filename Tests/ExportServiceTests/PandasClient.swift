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

    /// The Price Wars merchant client's `Kafka.download_topic_data` (`api/kafka.py`): a
    /// `requests` session with `Authorization: Token <token>` (none without a token) asks
    /// `urljoin(host, 'export/data/<topic>')` for the file URL, raises on an HTTP error, then
    /// `pd.read_csv('<host>/<url>', parse_dates=['timestamp'])`; `None` on `EmptyDataError`.
    static let merchantClientScript = """
    import json, sys
    from urllib.parse import urljoin
    import pandas as pd
    import requests
    host, topic, token = sys.argv[1], sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else None)
    session = requests.Session()
    if token is not None:
        session.headers.update({'Authorization': 'Token {:s}'.format(token)})
    response = session.request('get', urljoin(host, 'export/data/{:s}'.format(topic)))
    response.raise_for_status()
    url = '{:s}/{:s}'.format(host, response.json()['url'])
    try:
        frame = pd.read_csv(url, parse_dates=['timestamp'])
    except pd.errors.EmptyDataError:
        print(json.dumps(None)); sys.exit(0)
    out = {"columns": list(frame.columns), "timestampDtype": str(frame["timestamp"].dtype),
           "rows": json.loads(frame.to_json(orient="records", date_format="iso", date_unit="ms"))}
    print(json.dumps(out))
    """

    /// `download_topic_data(topic)` of a merchant client for `host` (as configured: with or
    /// without a trailing slash); nil where the client returns `None`.
    static func downloadTopicData(host: String, topic: String, token: String?) throws -> Frame? {
        let data = try run(merchantClientScript, [host, topic] + (token.map { [$0] } ?? []))
        if String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "null" { return nil }
        return try decode(data)
    }

    static func read(_ url: String) throws -> Frame {
        try decode(try run(script, [url]))
    }

    private static func decode(_ data: Data) throws -> Frame {
        do {
            return try JSONDecoder().decode(Frame.self, from: data)
        } catch {
            throw ExportdTestError.python("\(error)\n\(String(decoding: data, as: UTF8.self))")
        }
    }

    private static func run(_ script: String, _ arguments: [String]) throws -> Data {
        let python = try TestEnvironment.require(TestEnvironment.python)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ExportdTestError.python(errorText) }
        return data
    }
}

/// The Python client failed.
enum ExportdTestError: Error, CustomStringConvertible {
    case python(String)

    var description: String {
        switch self {
        case .python(let output): return "the pandas client failed:\n\(output)"
        }
    }
}
