import Foundation
import TestSupport

/// Finds the tools for the JS client interop test: node, and the official Socket.IO browser
/// bundle (`socket.io.min.js`) that the PyPI wheel `nicegui` ships.
enum InteropJSClient {
    /// A tool or file the JS interop test needs is missing.
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    /// `node` from `NODE`, else the first on `PATH`; throws a clear error if there is none.
    static func node() throws -> String {
        if let path = ProcessInfo.processInfo.environment["NODE"] {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw Unavailable(description: "NODE=\(path) is not an executable; install node >= 20 or unset NODE")
            }
            return path
        }
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
            .split(separator: ":")
        for directory in directories {
            let candidate = "\(directory)/node"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Unavailable(description: "node not found on PATH (or set NODE); the JS client test needs node >= 20")
    }

    /// The node options that give it a WebSocket global: `--experimental-websocket` where node
    /// accepts it and has a WebSocket with it (node 20/21; node >= 22 accepts it too), none
    /// otherwise (node 18: the client script then loads the `ws` module, Debian's node-ws).
    static func webSocketOptions(node: String) async throws -> [String] {
        let probe = try ChildProcess(
            node, ["--experimental-websocket", "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 3)"],
            label: "node-websocket-probe")
        let finished = await engineWaitUntil(timeout: 30) { !probe.isRunning }
        guard finished else {
            probe.stop()
            throw Unavailable(description: "\(node) did not answer a version probe within 30 s")
        }
        return probe.process.terminationStatus == 0 ? ["--experimental-websocket"] : []
    }

    /// `socket.io.min.js`: `SOCKET_IO_JS` if set, else a copy cached in the temporary directory,
    /// taken on first use from the `nicegui` wheel (`pip download --no-deps nicegui`).
    static func bundle(python: String) async throws -> String {
        if let path = ProcessInfo.processInfo.environment["SOCKET_IO_JS"] {
            guard FileManager.default.fileExists(atPath: path) else {
                throw Unavailable(description: "SOCKET_IO_JS=\(path) does not exist")
            }
            return path
        }
        let cacheDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-web-proxy-socketio-js")
        let cached = cacheDirectory.appendingPathComponent("socket.io.min.js")
        if FileManager.default.fileExists(atPath: cached.path) { return cached.path }

        let work = FileManager.default.temporaryDirectory.appendingPathComponent("socketio-js-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let script = """
            import glob, subprocess, sys, zipfile
            work = sys.argv[1]
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "nicegui", "-d", work], check=True)
            wheel = glob.glob(work + "/nicegui-*.whl")[0]
            with zipfile.ZipFile(wheel) as archive:
                data = archive.read("nicegui/static/socket.io.min.js")
            open(work + "/socket.io.min.js", "wb").write(data)
            """
        let child = try ChildProcess(python, ["-c", script, work.path], label: "socketio-js-download")
        let finished = await engineWaitUntil(timeout: 120) { !child.isRunning }
        guard finished, child.process.terminationStatus == 0 else {
            child.stop()
            throw Unavailable(description: "could not get socket.io.min.js from the nicegui wheel (set SOCKET_IO_JS to a copy):\n\(child.output)")
        }
        // Publish atomically: a concurrent run either sees no file or the whole file.
        let extracted = work.appendingPathComponent("socket.io.min.js")
        if rename(extracted.path, cached.path) != 0 && !FileManager.default.fileExists(atPath: cached.path) {
            throw Unavailable(description: "could not store socket.io.min.js at \(cached.path)")
        }
        return cached.path
    }
}
