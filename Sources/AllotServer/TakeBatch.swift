/// When a connection takes the requests it has read off its socket: a pure state machine; `Connection` does the
/// calls it asks for.
///
/// Requests are read with `MSG_PEEK` at an advancing `SO_PEEK_OFF`, and taken off the socket a batch at a time.
/// Why: taking bytes off a Unix socket frees the sender's buffer, which signals write space on the queue its
/// sender sleeps on. A client blocked in `recv` for its reply wakes, finds nothing (the reply is not written yet)
/// and sleeps again: two context switches more a request, and with the client on the server's core, the server
/// preempted mid-request (docs/performance.md, "Why a little work costs a lot"). Taken `batchBytes` at a time,
/// that wake-up comes once a batch. Batches stay small (1 KiB by default: two or three prompts): a take costs
/// ~0.5 µs of kernel time per request taken, paid by the request whose batch it ends, so larger ones gain little
/// throughput and lengthen the tail; and what is held stays far below a quarter of the client's send buffer, so
/// its socket keeps polling writable.
///
/// A request that comes long after the one before is taken at once instead: its client has probably been asleep
/// on a core of its own, and a core that has gone idle is slow to wake (45 µs a round trip on an idle VM against
/// 9 on a busy one). Waking the client as the request is taken starts that wake-up while the server works; held,
/// the wake-up starts only with the reply (1 client, idle cores: 0.75-0.80× the floor's throughput held, against
/// 0.93-1.01× taken at once).
///
/// The bytes held count against the client's send buffer: a client that writes ahead with a tiny one could block
/// on them while the connection waits for more. So while bytes are held the wait for the next read is bounded by
/// the hold timeout; when that runs out, what is held is taken and the wait goes back to the idle timeout.
package struct TakeBatch: Equatable {
    /// The receive timeout the socket should have.
    package enum Timeout: Equatable { case hold, idle }
    /// What to do when a wait for the next read ran out.
    package enum Expiry: Equatable {
        /// Take this many bytes (possibly none), set the idle timeout, and wait on.
        case take(Int)
        /// The connection was idle for the idle timeout: close it.
        case close
    }

    /// How the next read should be made.
    package enum Read: Equatable {
        /// `recv`: the bytes are taken as they are read.
        case take
        /// `recv(MSG_PEEK)` at the peek offset: they are held.
        case peek
    }

    package let batchBytes: Int
    /// Seconds between reads from which the newer read is taken at once; 0: never.
    package let gapSeconds: Double
    /// Bytes peeked and not yet taken (the socket's peek offset).
    package private(set) var held = 0
    package private(set) var timeout = Timeout.idle
    /// The first read of a connection comes after an unknown gap: taken at once.
    package private(set) var next = Read.take

    package init(batchBytes: Int, gapSeconds: Double) {
        self.batchBytes = max(1, batchBytes)
        self.gapSeconds = gapSeconds
        if gapSeconds <= 0 { next = .peek }
    }

    /// What to do after a read, before answering it: take bytes off the socket now, set a receive timeout.
    package struct Step: Equatable {
        package var take = 0
        package var timeout: Timeout?

        package init(take: Int = 0, timeout: Timeout? = nil) {
            self.take = take
            self.timeout = timeout
        }
    }

    /// A read made as `next` asked returned `n` > 0 bytes, `gap` seconds after the read before it returned.
    /// A read that came soon after the last is held (and the reads after it peek); one after a long gap is taken at
    /// once, with everything held (and the reads after it take, until one comes soon again: a client on an idle
    /// core keeps coming late, and a plain read is one system call where a peek and a take are two).
    package mutating func read(_ n: Int, gap: Double) -> Step {
        let late = gapSeconds > 0 && gap >= gapSeconds
        switch next {
        case .take:
            if !late { next = .peek }
            return Step()
        case .peek:
            held += n
            guard late else { return Step(timeout: set(.hold)) }
            next = .take
            defer { held = 0 }
            return Step(take: held, timeout: set(.idle))
        }
    }

    private mutating func set(_ t: Timeout) -> Timeout? {
        guard timeout != t else { return nil }
        timeout = t
        return t
    }

    /// The replies to what was read have been written: how many bytes to take off the socket now (0: none yet).
    /// The hold timeout stays set: the next read almost always follows at once, and setting it is a system call.
    package mutating func answered() -> Int {
        guard held >= batchBytes else { return 0 }
        defer { held = 0 }
        return held
    }

    /// The wait for the next read ran out.
    package mutating func expired() -> Expiry {
        guard timeout == .hold else { return .close }
        timeout = .idle
        defer { held = 0 }
        return .take(held)
    }
}
