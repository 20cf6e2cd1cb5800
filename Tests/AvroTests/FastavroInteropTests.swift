import Avro
import Foundation
import Testing
import TestSupport

/// Datums written by an independent implementation (Python fastavro), compared with the JSON Python
/// produced from reading them back: the JSON the replaced services' clients received.
@Suite struct FastavroInteropTests {
    static let script = #"""
import base64, fastavro, io, json, sys
schema = fastavro.parse_schema(json.load(open(sys.argv[1])))
records = [
    {"timestamp": 1521194520.123, "data": {"temp": 21.5, "neg": -7, "on": True, "off": False,
                                          "name": "Zürich \"q\" \\ \n\t\u0001\u007f 😀", "raw": b"raw bytes",
                                          "bin": b"\xff\x00\x10"}},
    {"timestamp": 0.1, "data": {}},
    {"timestamp": -1e-05, "data": {"e": "", "big": 0.375}},
]
def plain(value):
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
for record in records:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, record)
    datum = buffer.getvalue()
    read_back = fastavro.schemaless_reader(io.BytesIO(datum), schema)
    print(datum.hex() + "\t" + json.dumps(plain(read_back), ensure_ascii=False, separators=(",", ":")))
"""#

    @Test func decodesFastavroDatumsToThePythonJSON() throws {
        let python = try TestEnvironment.require(TestEnvironment.python)
        let schemaPath = TestEnvironment.fixture("kafka.timestamp-data.avsc").path
        let child = try ChildProcess(python, ["-c", Self.script, schemaPath], label: "fastavro-interop")
        let status = child.waitForExit(timeout: 60)
        #expect(status == 0, "python failed: \(child.output)")
        let lines = child.output.split(separator: "\n").filter { $0.contains("\t") }
        #expect(lines.count == 3, "unexpected output: \(child.output)")
        let decoder = AvroJSONDecoder(schema: try fixtureSchema())
        for line in lines {
            let parts = line.split(separator: "\t", maxSplits: 1)
            let datum = try #require(hexBytes(String(parts[0])))
            let decoded = try decodeToString(decoder, datum)
            let expected = String(parts[1])
            #expect(decoded == expected)
        }
    }

    private func hexBytes(_ hex: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
