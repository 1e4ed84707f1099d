// The load generator's transport: unary Echo calls straight on the gRPC C core API.
//
// Why the C API and not grpc++: the generator gets one core, so its cost per call is what bounds the
// measurable ceiling. Here a whole unary call is ONE grpc_call_start_batch with all six ops and ONE
// completion-queue event, on one CQ polled by the one thread; no grpc++ CallOpSet/interceptor layers,
// no per-call allocation beyond the core's own call arena (call records are pooled).
#pragma once

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_posix.h>  // grpc_channel_create_from_fd
#include <grpc/grpc_security.h>  // grpc_insecure_credentials_create
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "client_settings.h"

// One in-flight unary call and everything the core writes back into.
struct EchoCall {
  grpc_call* call = nullptr;
  size_t channel = 0;
  int64_t intended_ns = 0;  // when the call should have started (open loop) or did start (closed)
  grpc_byte_buffer* send = nullptr;
  grpc_byte_buffer* recv = nullptr;
  grpc_metadata_array initial_md{};
  grpc_metadata_array trailing_md{};
  grpc_status_code status = GRPC_STATUS_UNKNOWN;
  grpc_slice details{};
};


class EchoClient {
 public:
  using Call = EchoCall;
  EchoClient(const ClientSettings& s, const std::string& request) {
    cq_ = grpc_completion_queue_create_for_next(nullptr);
    request_ = grpc_slice_from_copied_buffer(request.data(), request.size());
    grpc_channel_credentials* creds = grpc_insecure_credentials_create();
    for (size_t i = 0; i < s.channels; ++i) {
      // A local subchannel pool gives every channel its own TCP connection (the default global pool
      // would share one connection among channels with equal targets and args).
      std::vector<grpc_arg> args = {
          IntArg(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1),
          IntArg(GRPC_ARG_ENABLE_RETRIES, s.retries ? 1 : 0),
          IntArg(GRPC_ARG_MINIMAL_STACK, s.minimal_stack ? 1 : 0),
      };
      grpc_channel_args channel_args{args.size(), args.data()};
      grpc_channel* ch = s.direct ? grpc_channel_create_from_fd(s.target.c_str(), Connect(s.target),
                                                                creds, &channel_args)
                                  : grpc_channel_create(s.target.c_str(), creds, &channel_args);
      channels_.push_back(ch);
      // A registered method skips interning the path string on every call.
      registered_.push_back(grpc_channel_register_call(ch, s.method.c_str(), nullptr, nullptr));
    }
    grpc_channel_credentials_release(creds);
  }

  ~EchoClient() {
    for (EchoCall* c : live_) {  // all idle by now: the caller drains before destroying
      grpc_metadata_array_destroy(&c->initial_md);
      grpc_metadata_array_destroy(&c->trailing_md);
      delete c;
    }
    for (grpc_channel* ch : channels_) grpc_channel_destroy(ch);
    grpc_completion_queue_shutdown(cq_);
    while (grpc_completion_queue_next(cq_, gpr_inf_future(GPR_CLOCK_REALTIME), nullptr).type !=
           GRPC_QUEUE_SHUTDOWN) {
    }
    grpc_completion_queue_destroy(cq_);
    grpc_slice_unref(request_);
  }

  size_t Channels() const { return channels_.size(); }
  size_t Outstanding() const { return outstanding_; }

  // Starts one unary Echo on `channel`. No deadline: a deadline costs a timer per call, and the
  // caller bounds the run itself (CancelAll at its drain deadline).
  void Start(size_t channel, int64_t intended_ns) {
    EchoCall* c = Acquire();
    c->channel = channel;
    c->intended_ns = intended_ns;
    c->call = grpc_channel_create_registered_call(channels_[channel], nullptr, GRPC_PROPAGATE_DEFAULTS,
                                                  cq_, registered_[channel],
                                                  gpr_inf_future(GPR_CLOCK_MONOTONIC), nullptr);
    c->send = grpc_raw_byte_buffer_create(&request_, 1);  // refs the slice, copies nothing

    grpc_op ops[6];
    std::memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = c->send;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &c->initial_md;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &c->recv;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &c->trailing_md;
    ops[5].data.recv_status_on_client.status = &c->status;
    ops[5].data.recv_status_on_client.status_details = &c->details;
    grpc_call_error err = grpc_call_start_batch(c->call, ops, 6, c, nullptr);
    if (err != GRPC_CALL_OK) {
      std::fprintf(stderr, "loadgen: grpc_call_start_batch failed: %d\n", int(err));
      std::abort();  // a programming error, not a server behaviour
    }
    ++outstanding_;
  }

  // Waits at most `timeout_ns` (0 = just poll) for one finished call; nullptr on timeout.
  // The caller must Release() the call after reading it.
  EchoCall* Next(int64_t timeout_ns) {
    // A relative deadline; "no wait" must be inf_past: the core rounds deadlines UP to whole
    // milliseconds, so a deadline of "now" would sleep for up to 1 ms.
    gpr_timespec deadline = timeout_ns > 0 ? gpr_time_from_nanos(timeout_ns, GPR_TIMESPAN)
                                           : gpr_inf_past(GPR_CLOCK_MONOTONIC);
    grpc_event ev = grpc_completion_queue_next(cq_, deadline, nullptr);
    if (ev.type != GRPC_OP_COMPLETE) return nullptr;
    EchoCall* c = static_cast<EchoCall*>(ev.tag);
    if (!ev.success) c->status = GRPC_STATUS_INTERNAL;  // the batch itself failed
    --outstanding_;
    return c;
  }

  // True when the call ended OK and its response bytes equal the request bytes.
  bool Verify(const EchoCall* c, std::string* why) const {
    if (c->status != GRPC_STATUS_OK) {
      char* d = grpc_slice_to_c_string(c->details);
      *why = "status " + std::to_string(int(c->status)) + ": " + d;
      gpr_free(d);
      return false;
    }
    if (c->recv == nullptr) {
      *why = "OK status without a response message";
      return false;
    }
    grpc_byte_buffer_reader reader;
    if (!grpc_byte_buffer_reader_init(&reader, c->recv)) {
      *why = "unreadable (compressed?) response";
      return false;
    }
    const uint8_t* want = GRPC_SLICE_START_PTR(request_);
    size_t want_len = GRPC_SLICE_LENGTH(request_), at = 0;
    bool equal = true;
    grpc_slice s;
    while (grpc_byte_buffer_reader_next(&reader, &s)) {
      size_t n = GRPC_SLICE_LENGTH(s);
      if (at + n > want_len || std::memcmp(want + at, GRPC_SLICE_START_PTR(s), n) != 0) equal = false;
      at += n;
      grpc_slice_unref(s);
    }
    grpc_byte_buffer_reader_destroy(&reader);
    if (!equal || at != want_len) {
      *why = "response bytes differ from request bytes (" + std::to_string(at) + " vs " +
             std::to_string(want_len) + " bytes)";
      return false;
    }
    return true;
  }

  void Release(EchoCall* c) {
    grpc_call_unref(c->call);
    grpc_byte_buffer_destroy(c->send);
    if (c->recv) grpc_byte_buffer_destroy(c->recv);
    grpc_slice_unref(c->details);
    c->call = nullptr;
    c->send = c->recv = nullptr;
    c->details = grpc_empty_slice();
    // The arrays' entries pointed into the (now released) call; keep their storage for the next one.
    c->initial_md.count = 0;
    c->trailing_md.count = 0;
    c->status = GRPC_STATUS_UNKNOWN;
    pool_.push_back(c);
  }

  // Cancels every call still in flight (their completions still arrive and must be drained).
  void CancelAll() {
    for (EchoCall* c : live_)
      if (c->call) grpc_call_cancel(c->call, nullptr);
  }

 private:
  static grpc_arg IntArg(const char* key, int value) {
    grpc_arg a;
    a.type = GRPC_ARG_INTEGER;
    a.key = const_cast<char*>(key);
    a.value.integer = value;
    return a;
  }

  // A connected loopback TCP socket for "127.0.0.1:PORT" (the benchmark never leaves loopback).
  static int Connect(const std::string& target) {
    size_t colon = target.rfind(':');
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(uint16_t(std::atoi(target.c_str() + colon + 1)));
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (colon == std::string::npos || inet_pton(AF_INET, target.substr(0, colon).c_str(), &addr.sin_addr) != 1 ||
        fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      std::fprintf(stderr, "loadgen: cannot connect to %s (direct channels need IPv4 HOST:PORT)\n",
                   target.c_str());
      std::exit(1);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as the core does for its own sockets
    return fd;
  }

  EchoCall* Acquire() {
    if (!pool_.empty()) {
      EchoCall* c = pool_.back();
      pool_.pop_back();
      return c;
    }
    EchoCall* c = new EchoCall;
    grpc_metadata_array_init(&c->initial_md);
    grpc_metadata_array_init(&c->trailing_md);
    c->details = grpc_empty_slice();
    live_.push_back(c);
    return c;
  }

  grpc_completion_queue* cq_ = nullptr;
  grpc_slice request_;
  std::vector<grpc_channel*> channels_;
  std::vector<void*> registered_;
  std::vector<EchoCall*> pool_;  // idle call records
  std::vector<EchoCall*> live_;  // every record ever made (for CancelAll and cleanup)
  size_t outstanding_ = 0;
};
