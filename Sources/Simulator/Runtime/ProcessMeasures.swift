import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Process-level measures for the benchmark: CPU time used, and pinning every thread to one core.
public enum ProcessMeasures {
    /// User + system CPU time this process has used.
    public static func cpuTime() -> Duration {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        let micros =
            Int64(usage.ru_utime.tv_sec) * 1_000_000 + Int64(usage.ru_utime.tv_usec)
            + Int64(usage.ru_stime.tv_sec) * 1_000_000 + Int64(usage.ru_stime.tv_usec)
        return .microseconds(micros)
    }

    /// Pins every thread of this process to CPU `cpu` with `taskset -a -p` (Glibc's module does not export
    /// `sched_setaffinity`); threads started later inherit it, child processes started before (an embedded broker)
    /// keep their own. Returns false when taskset is missing or fails.
    public static func pinToCPU(_ cpu: Int) -> Bool {
        let taskset = Process()
        taskset.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
        taskset.arguments = ["-a", "-p", "-c", "\(cpu)", "\(getpid())"]
        taskset.standardOutput = FileHandle.nullDevice
        do {
            try taskset.run()
        } catch {
            return false
        }
        taskset.waitUntilExit()
        return taskset.terminationStatus == 0
    }
}
