import CZeroMQ

extension ZMQSocket {
    // MARK: Sending

    /// Sends one frame copied from `bytes`. `more` marks that further frames of the same message
    /// follow. With `dontWait`, returns `false` instead of blocking when the message cannot be
    /// queued now (`EAGAIN`); otherwise returns `true` once queued.
    ///
    /// All frames of a multipart message are delivered atomically: once the first frame was
    /// accepted, the following ones are too.
    @inlinable
    public func sendFrame(_ bytes: UnsafeRawBufferPointer, more: Bool, dontWait: Bool = false) throws(ZMQError) -> Bool {
        try sendFrameRaw(bytes.baseAddress, bytes.count, flags: (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0))
    }

    /// Sends one frame holding `bytes`; see ``sendFrame(_:more:dontWait:)-(UnsafeRawBufferPointer,_,_)``.
    @inlinable
    public func sendFrame(_ bytes: [UInt8], more: Bool, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(ZMQError) -> Bool in try sendFrame(buffer, more: more, dontWait: dontWait) }
        }
        return try result.get()
    }

    /// Sends one frame holding the UTF-8 bytes of `string`.
    @inlinable
    public func sendFrame(_ string: String, more: Bool, dontWait: Bool = false) throws(ZMQError) -> Bool {
        var string = string
        let result = string.withUTF8 { buffer in
            Result { () throws(ZMQError) -> Bool in
                try sendFrame(UnsafeRawBufferPointer(buffer), more: more, dontWait: dontWait)
            }
        }
        return try result.get()
    }

    /// Sends a multipart message. Returns `false` if `dontWait` is set and the message could not be
    /// queued (`EAGAIN`; nothing was sent). An empty `frames` array sends nothing.
    @discardableResult
    public func send(_ frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
        for index in frames.indices {
            let more = index != frames.index(before: frames.endIndex)
            if try !sendFrame(frames[index], more: more, dontWait: dontWait) {
                // Only the first frame can be refused: later frames of an accepted message are not.
                return false
            }
        }
        return true
    }

    @usableFromInline
    func sendFrameRaw(_ base: UnsafeRawPointer?, _ count: Int, flags: Int32) throws(ZMQError) -> Bool {
        let handle = try openHandle("send on \(type) socket")
        while true {
            if zmq_send(handle, base, count, flags) >= 0 { return true }
            let error = zmq_errno()
            if error == EINTR { continue }
            if error == EAGAIN && flags & ZMQ_DONTWAIT != 0 { return false }
            throw ZMQError(code: error, operation: "send on \(type) socket")
        }
    }

    // MARK: Receiving

    /// Receives one whole multipart message, copying each frame out of libzmq at once.
    /// With `dontWait` (the default) returns `nil` when no message is waiting; otherwise blocks,
    /// which is only allowed on a dedicated thread.
    public func receiveMultipart(dontWait: Bool = true) throws(ZMQError) -> [[UInt8]]? {
        let handle = try openHandle("receive on \(type) socket")
        var frames: [[UInt8]] = []
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while true {
            // Later frames of a message are already there: never wait for them.
            let flags: Int32 = (dontWait || !frames.isEmpty) ? ZMQ_DONTWAIT : 0
            if zmq_msg_recv(&message, handle, flags) < 0 {
                let error = zmq_errno()
                if error == EINTR { continue }
                if error == EAGAIN && frames.isEmpty && dontWait { return nil }
                throw ZMQError(code: error, operation: "receive on \(type) socket")
            }
            let size = zmq_msg_size(&message)
            if size == 0 {
                frames.append([])
            } else {
                let data = UnsafeRawBufferPointer(start: zmq_msg_data(&message), count: size)
                frames.append(Array(data))
            }
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    /// Waits up to `timeout` for a message and receives it; `nil` if none came in time.
    /// Blocks the calling thread: only for dedicated socket threads.
    public func receiveMultipart(timeout: Duration) throws(ZMQError) -> [[UInt8]]? {
        if let frames = try receiveMultipart(dontWait: true) { return frames }
        var poller = ZMQPoller()
        poller.add(self, events: .readable)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return nil }
            if try poller.poll(timeout: remaining) > 0, let frames = try receiveMultipart(dontWait: true) {
                return frames
            }
        }
    }

    /// Whether a message can be received now without blocking (`ZMQ_EVENTS` has `ZMQ_POLLIN`).
    public func hasPendingInput() throws(ZMQError) -> Bool {
        try int32Option(ZMQ_EVENTS, name: "ZMQ_EVENTS") & Int32(ZMQ_POLLIN) != 0
    }
}
