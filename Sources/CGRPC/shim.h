#ifndef HARVESTRY_CGRPC_SHIM_H
#define HARVESTRY_CGRPC_SHIM_H

// The C library first, with the default feature macros: grpc/support/port_platform.h defines _GNU_SOURCE, and glibc
// headers first seen under it declare fd_set differently from the Glibc module Swift itself loads (a clean build then
// fails with "__fds_bits ... is not present in definition of fd_set in module CGRPC").
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/compression.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

/// Starts a joinable OS thread named `name` (at most 15 characters are kept) running `body(context)`.
/// Lives here so Swift files that import CGRPC need not import Glibc too (both would define fd_set).
static inline int hv_thread_start(pthread_t *thread, void *(*body)(void *), void *context) {
    return pthread_create(thread, NULL, body, context);
}

static inline void hv_thread_set_name(const char *name) {
    char truncated[16];
    strncpy(truncated, name, 15);
    truncated[15] = 0;
    pthread_setname_np(pthread_self(), truncated);
}

static inline void hv_thread_join(pthread_t thread) {
    pthread_join(thread, NULL);
}

// Swift cannot import the slice macros; these inline helpers stand in for them.

static inline const uint8_t *hv_slice_start(grpc_slice slice) {
    return GRPC_SLICE_START_PTR(slice);
}

static inline size_t hv_slice_length(grpc_slice slice) {
    return GRPC_SLICE_LENGTH(slice);
}

/// Copies a slice's bytes into `dst`, which must hold hv_slice_length(slice) bytes.
static inline void hv_slice_copy(grpc_slice slice, void *dst) {
    memcpy(dst, GRPC_SLICE_START_PTR(slice), GRPC_SLICE_LENGTH(slice));
}

/// A byte buffer holding a copy of `len` bytes (one slice). The caller owns it.
static inline grpc_byte_buffer *hv_byte_buffer_from_bytes(const void *bytes, size_t len) {
    grpc_slice slice = grpc_slice_from_copied_buffer((const char *)bytes, len);
    grpc_byte_buffer *buffer = grpc_raw_byte_buffer_create(&slice, 1);
    grpc_slice_unref(slice);
    return buffer;
}

/// Total payload length of a byte buffer, decompressing if needed, copied into a freshly
/// malloc'd region returned through `out` (NULL when empty). Returns the length, or -1 on failure.
static inline long hv_byte_buffer_copy_out(grpc_byte_buffer *buffer, uint8_t **out) {
    *out = NULL;
    grpc_byte_buffer_reader reader;
    if (!grpc_byte_buffer_reader_init(&reader, buffer)) {
        return -1;
    }
    grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
    grpc_byte_buffer_reader_destroy(&reader);
    size_t len = GRPC_SLICE_LENGTH(all);
    if (len > 0) {
        *out = (uint8_t *)malloc(len);
        if (*out == NULL) {
            grpc_slice_unref(all);
            return -1;
        }
        memcpy(*out, GRPC_SLICE_START_PTR(all), len);
    }
    grpc_slice_unref(all);
    return (long)len;
}

/// A slice for a metadata key or value, copied from `len` bytes.
static inline grpc_slice hv_slice_from_bytes(const void *bytes, size_t len) {
    return grpc_slice_from_copied_buffer((const char *)bytes, len);
}

/// An empty slice.
static inline grpc_slice hv_empty_slice(void) {
    return grpc_empty_slice();
}

/// The `grpc_op` union members are anonymous-struct unions Swift imports awkwardly; these setters keep the
/// batch-building code readable and the field names in one place.
static inline void hv_op_send_initial_metadata(grpc_op *op, grpc_metadata *md, size_t count, int wait_for_ready) {
    memset(op, 0, sizeof(*op));
    op->op = GRPC_OP_SEND_INITIAL_METADATA;
    if (wait_for_ready) {
        op->flags = GRPC_INITIAL_METADATA_WAIT_FOR_READY | GRPC_INITIAL_METADATA_WAIT_FOR_READY_EXPLICITLY_SET;
    }
    op->data.send_initial_metadata.count = count;
    op->data.send_initial_metadata.metadata = md;
}

static inline void hv_op_send_message(grpc_op *op, grpc_byte_buffer *message) {
    memset(op, 0, sizeof(*op));
    op->op = GRPC_OP_SEND_MESSAGE;
    op->data.send_message.send_message = message;
}

static inline void hv_op_send_close_from_client(grpc_op *op) {
    memset(op, 0, sizeof(*op));
    op->op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
}

static inline void hv_op_send_status_from_server(
    grpc_op *op, grpc_metadata *md, size_t count, grpc_status_code status, grpc_slice *details) {
    memset(op, 0, sizeof(*op));
    op->op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    op->data.send_status_from_server.trailing_metadata_count = count;
    op->data.send_status_from_server.trailing_metadata = md;
    op->data.send_status_from_server.status = status;
    op->data.send_status_from_server.status_details = details;
}

static inline void hv_op_recv_initial_metadata(grpc_op *op, grpc_metadata_array *md) {
    memset(op, 0, sizeof(*op));
    op->op = GRPC_OP_RECV_INITIAL_METADATA;
    op->data.recv_initial_metadata.recv_initial_metadata = md;
}

static inline void hv_op_recv_message(grpc_op *op, grpc_byte_buffer **message) {
    memset(op, 0, sizeof(*op));
    op->op = GRPC_OP_RECV_MESSAGE;
    op->data.recv_message.recv_message = message;
}

static inline void hv_op_recv_status_on_client(
    grpc_op *op, grpc_metadata_array *md, grpc_status_code *status, grpc_slice *details) {
    memset(op, 0, sizeof(*op));
    op->op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    op->data.recv_status_on_client.trailing_metadata = md;
    op->data.recv_status_on_client.status = status;
    op->data.recv_status_on_client.status_details = details;
}

static inline void hv_op_recv_close_on_server(grpc_op *op, int *cancelled) {
    memset(op, 0, sizeof(*op));
    op->op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    op->data.recv_close_on_server.cancelled = cancelled;
}

/// Channel-argument constructors (the union inside grpc_arg is awkward from Swift).
static inline grpc_arg hv_arg_int(char *key, int value) {
    grpc_arg arg;
    arg.type = GRPC_ARG_INTEGER;
    arg.key = key;
    arg.value.integer = value;
    return arg;
}

static inline grpc_arg hv_arg_string(char *key, char *value) {
    grpc_arg arg;
    arg.type = GRPC_ARG_STRING;
    arg.key = key;
    arg.value.string = value;
    return arg;
}

/// Reads a whole file into a malloc'd buffer of *length bytes (free it with hv_free). On failure returns NULL and
/// stores errno in *error. Here rather than in Swift so that CoreTransport never imports Glibc next to this module.
static inline uint8_t *hv_read_file(const char *path, size_t *length, int *error) {
    *length = 0;
    *error = 0;
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        *error = errno;
        return NULL;
    }
    size_t capacity = 16384, used = 0;
    uint8_t *buffer = (uint8_t *)malloc(capacity);
    while (buffer != NULL) {
        size_t got = fread(buffer + used, 1, capacity - used, file);
        used += got;
        if (got == 0) break;
        if (used == capacity) {
            capacity *= 2;
            uint8_t *grown = (uint8_t *)realloc(buffer, capacity);
            if (grown == NULL) { free(buffer); buffer = NULL; }
            else buffer = grown;
        }
    }
    if (buffer == NULL || ferror(file)) {
        *error = buffer == NULL ? ENOMEM : EIO;
        free(buffer);
        fclose(file);
        return NULL;
    }
    fclose(file);
    *length = used;
    return buffer;
}

static inline void hv_free(void *pointer) {
    free(pointer);
}

static inline const char *hv_strerror(int error) {
    return strerror(error);
}

/// The propagation mask for calls without a parent.
static inline uint32_t hv_propagate_defaults(void) {
    return GRPC_PROPAGATE_DEFAULTS;
}

#endif
