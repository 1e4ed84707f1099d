#ifndef HARVESTRY_CLIBPQ_SHIM_H
#define HARVESTRY_CLIBPQ_SHIM_H

// The C library first, with the default feature macros, so this module and the Glibc module Swift loads agree on
// every libc type (see Sources/CGRPC/shim.h for the failure this avoids).
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <postgresql/libpq-fe.h>

/// The SQLSTATE of a failed result, or NULL (PG_DIAG_SQLSTATE is a character macro Swift does not import).
static inline const char *hv_pq_sqlstate(const PGresult *result) {
    return PQresultErrorField(result, PG_DIAG_SQLSTATE);
}

/// Waits up to `timeout_ms` for the connection's socket to become readable. Returns >0 when readable, 0 on timeout,
/// <0 on error (including a bad socket).
static inline int hv_pq_wait_readable(PGconn *conn, int timeout_ms) {
    int fd = PQsocket(conn);
    if (fd < 0) return -1;
    struct pollfd pfd;
    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    int rc = poll(&pfd, 1, timeout_ms);
    if (rc < 0 && errno == EINTR) return 0;
    return rc;
}

#endif
