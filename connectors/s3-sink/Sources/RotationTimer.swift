/// When the timer may close a partition's open record-time window (`rotate.interval.ms`) without
/// a record that crosses it — the part of rotation that depends on the wall clock, in one place.
///
/// Rotation stays deterministic (a rerun after a crash cuts at the same record) as long as the
/// record that would have crossed the window, had it been there, still crosses it on the rerun:
/// every record appended after the cut must carry a timestamp at or past the window's end. The
/// timer relies on record timestamps following arrival (CreateTime of live producers within
/// `rotate.interval.ms` of the append, or LogAppendTime), and closes a window that has ended when
///
/// - **quiet**: no record of the partition arrived for a whole interval; or
/// - **read to the end**: the window ended at least one more interval ago and the task has every
///   record the broker holds for the partition (asked of the broker at that moment). A backlog
///   of old records is then written as soon as it is consumed, not an interval after it.
///
/// It never closes a window that has not ended by the wall clock, and never one whose partition
/// may still hold unread records in the broker (a lagging or paused consumer: the records that
/// follow decide the cut, as they would on a rerun). `rotate.schedule.interval.ms` is the wall
/// clock outright and gives exactly-once up.
enum RotationTimer {
    enum Decision: Equatable {
        case close
        /// Close if the partition is read to the end right now.
        case closeIfReadToEnd
        case wait
    }

    /// A partition that got a record this recently is still being read: not worth asking the broker.
    static let readToEndMinimumQuiet: Int64 = 100
    /// The broker is asked at most this often (ms) per task.
    static let readToEndCheckInterval: Int64 = 1000

    /// Times in milliseconds since the epoch; `lastArrival` is when the partition's last record
    /// reached the task (`Int64.min` if none did).
    static func decide(now: Int64, windowEnd: Int64, interval: Int64, lastArrival: Int64) -> Decision {
        guard now >= windowEnd else { return .wait }
        let quiet = lastArrival == .min ? Int64.max : now - lastArrival
        if quiet >= interval { return .close }
        if now - windowEnd >= interval && quiet >= readToEndMinimumQuiet { return .closeIfReadToEnd }
        return .wait
    }
}
