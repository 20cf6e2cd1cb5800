import Foundation
import TestSupport
import Testing

/// `scripts/check-deployment` (compose.yaml, Dockerfile and deploy/ against the Compose schema and
/// the code) runs in the test command, so CI validates the deployment without a Docker engine.
/// Its Python needs pyyaml and jsonschema (scripts/setup-env installs them into .venv/main).
@Suite("Deployment check", .serialized, .timeLimit(.minutes(2)))
struct DeploymentCheckTests {
    static var script: URL {
        TestEnvironment.packageRoot.appendingPathComponent("scripts/deployment/check_deployment.py")
    }

    /// Runs the check on `root` and returns its exit status and output.
    static func check(root: URL) async throws -> (status: Int32, output: String) {
        let python = try TestEnvironment.require(ProcessInfo.processInfo.environment["CHECK_PYTHON"] ?? TestEnvironment.python)
        let spec = TestEnvironment.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/compose/compose-spec.json")
        let child = try ChildProcess(python, [script.path, root.path], environment: ["COMPOSE_SPEC": spec.path],
                                     label: "check-deployment")
        let deadline = ContinuousClock.now + .seconds(60)
        while child.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let status = try #require(child.waitForExit(timeout: 0), "check-deployment did not finish:\n\(child.output)")
        if child.output.contains("ModuleNotFoundError") {
            throw TestEnvironmentError.missingTool(
                "\(python) with pyyaml, jsonschema and openapi-spec-validator (set CHECK_PYTHON, or re-run scripts/setup-env): \(child.output.suffix(300))")
        }
        return (status, child.output)
    }

    @Test("the repository's compose deployment passes (services not merged yet are pending, not failed)")
    func repositoryPasses() async throws {
        let (status, output) = try await Self.check(root: TestEnvironment.packageRoot)
        #expect(status == 0, "\(output)")
        #expect(output.contains("compose.yaml is valid against the Compose specification's JSON schema"))
        #expect(output.contains(" 0 failed"))
    }

    @Test("a compose file that names what the code lacks fails, naming each problem")
    func brokenComposeFails() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("check-deployment-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        for name in ["Dockerfile", "Package.swift", "Services", "Shared", "deploy", "demo"] {
            try FileManager.default.createSymbolicLink(
                at: root.appendingPathComponent(name), withDestinationURL: TestEnvironment.packageRoot.appendingPathComponent(name))
        }
        var compose = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("compose.yaml"), encoding: .utf8)
        for (original, broken) in [
            ("tcp://ingest:5556", "tcp://ingest:5558"),          // nothing binds 5558
            ("5001/health", "5001/healthz"),                      // no such route
            ("LOGGING_LEVEL: INFO", "LOGGING_LEVEL: INFO\n      INGEST_NO_SUCH_SETTING: \"1\""),
            ("\"--rate\", \"20\"", "\"--speed\", \"20\""),        // no such option
            ("target: runtime", "target: runtim"),                // no such stage
            ("    restart: unless-stopped\n\n  ingest:", "    restart_policy: always\n\n  ingest:"),  // not in the schema
            ("      SHARD_INDEX: \"1\"", "      SHARD_INDEX: \"0\""),  // two shards 0, no shard 1
            ("BUS_CONNECT: tcp://ingest-shard-0:5556,tcp://ingest-shard-1:5556\n      BUS_SNAPSHOT_CONNECT: tcp://ingest-shard-0:5557,tcp://ingest-shard-1:5557\n      PORT: \"8001\"",
             "BUS_CONNECT: tcp://ingest-shard-0:5556\n      BUS_SNAPSHOT_CONNECT: tcp://ingest-shard-0:5557\n      PORT: \"8001\""),  // one shard only
        ] {
            #expect(compose.contains(original), "compose.yaml changed: update this test (\(original))")
            compose = compose.replacingOccurrences(of: original, with: broken)
        }
        try compose.write(to: root.appendingPathComponent("compose.yaml"), atomically: true, encoding: .utf8)
        // OpenAPI files are validated too: one valid, one without its required `info`.
        let openAPI = root.appendingPathComponent("docs/openapi")
        try FileManager.default.createDirectory(at: openAPI, withIntermediateDirectories: true)
        try """
            openapi: 3.0.3
            info: {title: exportd, version: "1"}
            paths:
              /health:
                get:
                  responses:
                    "200": {description: ready}
            """.write(to: openAPI.appendingPathComponent("good.yaml"), atomically: true, encoding: .utf8)
        try "openapi: 3.0.3\npaths: {}\n".write(to: openAPI.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)

        let (status, output) = try await Self.check(root: root)
        #expect(status == 1)
        for problem in [
            "FAIL    compose.yaml services/kafka: 'restart_policy'",
            "FAIL    realtime: BUS_CONNECT=tcp://ingest:5558",
            "FAIL    ingest: healthcheck path /healthz is a route of ingestd",
            "FAIL    ingest: INGEST_NO_SUCH_SETTING",
            "FAIL    demo: kafka-demo-producer has the option --speed",
            "FAIL    ingest: build target 'runtim' is a Dockerfile stage",
            "FAIL    shards of group web-redirect-shards: ingest-shard-0, ingest-shard-1 have one SHARD_COUNT (2) and the SHARD_INDEXes 0 to 1 once each (0, 0)",
            "FAIL    export-shards: BUS_CONNECT follows every shard of group web-redirect-shards",
            "ok      docs/openapi/good.yaml is a valid OpenAPI document",
            "FAIL    docs/openapi/bad.yaml: ",
        ] {
            #expect(output.contains(problem), "missing '\(problem)' in:\n\(output)")
        }
    }
}
