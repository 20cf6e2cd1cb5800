import Foundation

/// Where the test tools live: the package root, the shared fixtures, the Python environments
/// and the Tansu broker binary created by `scripts/setup-env`.
///
/// Each path can be overridden by an environment variable.
public enum TestEnvironment {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// `../shared/fixtures` beside the checkout, or `FIXTURES_DIR`.
    public static var fixturesDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["FIXTURES_DIR"] { return URL(fileURLWithPath: dir) }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    }

    /// A fixture file's URL.
    public static func fixture(_ name: String) -> URL {
        fixturesDirectory.appendingPathComponent(name)
    }

    /// Python 3 with python-socketio 5.x, confluent-kafka and fastavro (`TEST_PYTHON`).
    public static var python: String {
        tool("TEST_PYTHON", default: ".venv/main/bin/python")
    }

    /// Python 3 with python-socketio 4.6.1 and python-engineio 3.14.2 (`TEST_PYTHON_EIO3`).
    public static var pythonEIO3: String {
        tool("TEST_PYTHON_EIO3", default: ".venv/eio3/bin/python")
    }

    /// The Tansu broker binary (`TANSU_BIN`).
    public static var tansu: String {
        tool("TANSU_BIN", default: ".venv/tansu")
    }

    private static func tool(_ variable: String, default relative: String) -> String {
        if let path = ProcessInfo.processInfo.environment[variable] { return path }
        return packageRoot.appendingPathComponent(relative).path
    }

    /// Throws a clear error when a tool is missing, so a test fails instead of passing vacuously.
    public static func require(_ path: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestEnvironmentError.missingTool(path)
        }
        return path
    }
}

/// A tool the tests need is not installed.
public enum TestEnvironmentError: Error, CustomStringConvertible {
    case missingTool(String)

    public var description: String {
        switch self {
        case .missingTool(let path):
            return "test tool not found at \(path); run scripts/setup-env (or set TEST_PYTHON / TEST_PYTHON_EIO3 / TANSU_BIN)"
        }
    }
}
