/// Misuse of an `EngineIOServer`.
public enum EngineIOServerError: Error, Equatable, CustomStringConvertible {
    /// `run()` was called on a server that already ran.
    case alreadyRunning

    /// A readable explanation.
    public var description: String {
        switch self {
        case .alreadyRunning: return "the Engine.IO server was already started; create a new one"
        }
    }
}
