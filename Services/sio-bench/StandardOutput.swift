import Foundation

/// Writes result lines to stdout unbuffered, so a driver reading the pipe sees them at once.
enum StandardOutput {
    /// Writes `line` and a newline.
    static func writeLine(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
