import Foundation
import Glibc

/// A child process started with `posix_spawn` (Foundation's `Process` can miss the exit of a
/// script that leaves daemons behind). Output goes to a file when one is given.
final class ChildProcess: Sendable {
    let pid: pid_t
    let command: String

    private init(pid: pid_t, command: String) {
        self.pid = pid
        self.command = command
    }

    /// Starts `path` with `arguments`; `environment` entries are added to this process's.
    static func spawn(
        _ path: String, _ arguments: [String], environment: [String: String] = [:], output: String? = nil
    ) throws -> ChildProcess {
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let output {
            posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard result == 0 else { throw StackError("cannot start \(path): \(String(cString: strerror(result)))") }
        return ChildProcess(pid: pid, command: ([path] + arguments).joined(separator: " "))
    }

    /// A process still running when the test lets go of it (a failed expectation ended the test
    /// early) is killed, so no worker outlives its test holding a replication slot or a port.
    deinit {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == 0 else { return }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Sends `signal` (e.g. SIGTERM, SIGKILL).
    func signal(_ signal: Int32) { kill(pid, signal) }

    /// Waits for the exit on a dispatch thread; returns the raw wait status (0 = exit 0).
    func wait() async -> Int32 {
        let pid = self.pid
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
    }

    /// Whether the process is still running (not reaped and not a zombie).
    var isRunning: Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }
}
