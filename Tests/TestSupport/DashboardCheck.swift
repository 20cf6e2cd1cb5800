import Foundation

/// `scripts/check-dashboard` (headless Chromium on the realtimed dashboard, DOM checked until
/// live values arrive), run to its end.
public enum DashboardCheck {
    /// The Socket.IO JS client realtimed serves to the page (`SOCKET_IO_JS`, else the copy
    /// `scripts/setup-env` takes from the nicegui wheel).
    public static var socketIOClientPath: String {
        ProcessInfo.processInfo.environment["SOCKET_IO_JS"]
            ?? TestEnvironment.packageRoot.appendingPathComponent(".venv/socket.io.min.js").path
    }

    /// The dashboard's files in the checkout.
    public static var dashboardDirectory: URL {
        TestEnvironment.packageRoot.appendingPathComponent("Services/realtimed/Dashboard")
    }

    /// Runs the check with `arguments` (the URL first); returns its exit status and output.
    public static func run(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> (Int32, String) {
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/dashboard/check_dashboard.py").path
        let child = try ChildProcess(try TestEnvironment.require(TestEnvironment.python), [script] + arguments, label: "check-dashboard")
        let deadline = ContinuousClock.now + timeout
        while child.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        guard let status = child.waitForExit(timeout: 0) else {
            throw DashboardCheckError("check-dashboard did not finish within \(timeout):\n\(child.output)")
        }
        return (status, child.output)
    }
}

/// The dashboard check could not run to its end.
public struct DashboardCheckError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
