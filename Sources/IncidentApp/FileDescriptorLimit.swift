#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open files, which the HTTP listener's connections and delivery's
/// calls out (Slack, Matrix, the database, the pagers) share. `serve` raises the soft limit to
/// the hard one as it starts (systemd's default soft limit is 1,024), then holds the listener
/// below what is left after `reserve`, so connections from the internet can never take the
/// descriptors a page needs.
enum FileDescriptorLimit {
    /// Descriptors kept for everything but inbound connections: the store's connections, the
    /// HTTP clients' pools, the mail relay, the admin listener, logs.
    static let reserve = 256

    /// Raises the soft limit to the hard one where it is lower; the soft limit now.
    static func raised() -> Int {
        #if canImport(Glibc)
        let files = Int32(RLIMIT_NOFILE.rawValue)
        #else
        let files = RLIMIT_NOFILE
        #endif
        var limit = rlimit()
        guard getrlimit(files, &limit) == 0 else { return 1_024 }
        if limit.rlim_cur < limit.rlim_max {
            var wanted = limit
            wanted.rlim_cur = limit.rlim_max
            if setrlimit(files, &wanted) == 0 { limit = wanted }
        }
        return limit.rlim_cur >= rlim_t(Int32.max) ? Int(Int32.max) : Int(limit.rlim_cur)
    }

    /// The connections the listener may hold with `descriptors` open files allowed: the
    /// configured number, lowered to leave `reserve` for the rest (16 at the least).
    static func connectionCap(configured: Int, descriptors: Int) -> Int {
        min(configured, max(16, descriptors - reserve))
    }
}
