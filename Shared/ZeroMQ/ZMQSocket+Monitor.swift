import CZeroMQ

extension ZMQSocket {
    /// Starts publishing this socket's connection events on a PAIR socket bound at `endpoint`
    /// (an `inproc://` address unique in the context), and returns a PAIR socket connected to it.
    /// Read it with ``receiveMultipart(dontWait:)`` and decode with ``ZMQMonitorEvent/init(frames:)``.
    /// The returned socket follows the same threading rule and is owned by the caller.
    public func startMonitor(endpoint: String, events: Int32 = ZMQ_EVENT_ALL) throws(ZMQError) -> ZMQSocket {
        let handle = try openHandle("monitor \(endpoint)")
        guard zmq_socket_monitor(handle, endpoint, events) == 0 else {
            throw ZMQError.last("monitor \(endpoint)")
        }
        let pair = try ZMQSocket(context: context, type: .pair)
        try pair.connect(endpoint)
        return pair
    }
}
