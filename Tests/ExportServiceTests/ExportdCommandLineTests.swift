import Foundation
@testable import ExportService
import Testing
import TestSupport

/// The exportd executable refuses bad settings before starting: exit status 2, naming the setting.
@Suite struct ExportdCommandLineTests {
    func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = try ChildProcess(try TestEnvironment.require(ExportdProcess.executable), arguments,
                                       environment: environment, label: "exportd-cli")
        let status = try #require(process.waitForExit(timeout: 20), "exportd did not exit; log:\n\(process.output)")
        return (status, process.output)
    }

    @Test func badSettingExitsWithStatus2() throws {
        let (status, output) = try run([], environment: ["EXPORT_MAX_ROWS": "lots"])
        #expect(status == 2)
        #expect(output.contains("EXPORT_MAX_ROWS"))
        let (flagStatus, flagOutput) = try run(["--export-file-ttl", "never"], environment: [:])
        #expect(flagStatus == 2)
        #expect(flagOutput.contains("--export-file-ttl"))
    }

    @Test func unusableDataDirectoryExitsWithStatus2() throws {
        let file = try ExportFixtures.temporaryDirectory() + "/not-a-directory"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        let (status, output) = try run([], environment: ["DATA_DIR": file + "/data", "PORT": String(freeLoopbackPort())])
        #expect(status == 2)
        #expect(output.contains("DATA_DIR"))
    }

    @Test func gzipNegotiation() {
        #expect(ExportHTTPServer.acceptsGzip("gzip, deflate, br"))
        #expect(ExportHTTPServer.acceptsGzip("br;q=1.0, gzip;q=0.8"))
        #expect(!ExportHTTPServer.acceptsGzip("gzip;q=0"))
        #expect(!ExportHTTPServer.acceptsGzip("identity"))
        #expect(!ExportHTTPServer.acceptsGzip(nil))
    }

    @Test func exportFileNamesAcceptOnlyRandomIDs() {
        let id = ExportFileRegistry.newID()
        #expect(id.count == 32)
        #expect(ExportFileRegistry.newID() != id)
        #expect(ExportFileRegistry.id(fileName: id + ".csv") == id)
        for name in ["../" + id + ".csv", id.uppercased() + ".csv", id, id + ".csv.tmp", "dump.csv", id + "0.csv"] {
            #expect(ExportFileRegistry.id(fileName: name) == nil, "\(name)")
        }
    }
}
