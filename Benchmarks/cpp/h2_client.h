// The load generator's lean transport: unary gRPC Echo calls as plain HTTP/2 through libnghttp2.
//
// Why not only the gRPC C core client (ccore_client.h): measured on this machine, a C-core client call
// costs about as much CPU as a C-core server call, so a one-core generator tops out right where the
// C++ ceiling server does and the "ceiling" would measure the generator. nghttp2 does just the HTTP/2
// framing and HPACK; there is no call stack, no combiner, no arena. And per connection all requests
// submitted in one loop iteration leave in ONE write(2), all responses arrive through one read(2).
// Same bytes on the wire as any gRPC client: HEADERS (POST, application/grpc, te: trailers), one
// length-prefixed DATA frame with END_STREAM, then response headers, DATA, trailers with grpc-status.
#pragma once

#include <nghttp2/nghttp2.h>

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "client_settings.h"

struct H2Call {
  size_t channel = 0;
  int64_t intended_ns = 0;
  int32_t stream_id = 0;
  size_t sent = 0;  // request bytes handed to nghttp2 so far
  bool in_flight = false;
  int http_status = 0;
  int grpc_status = -1;  // -1: no grpc-status header seen
  uint32_t reset_code = 0;
  std::string grpc_message, body, failure;
};

class H2EchoClient {
 public:
  using Call = H2Call;
  H2EchoClient(const ClientSettings& s, const std::string& request) : message_(request) {
    // gRPC message framing: 1 byte "not compressed", 4 bytes big-endian length, then the message.
    uint32_t n = htonl(uint32_t(request.size()));
    framed_.push_back('\0');
    framed_.append(reinterpret_cast<const char*>(&n), 4);
    framed_ += request;
    authority_ = s.target;
    path_ = s.method;
    headers_ = {Header(":method", "POST"), Header(":scheme", "http"), Header(":path", path_),
                Header(":authority", authority_), Header("content-type", "application/grpc"),
                Header("te", "trailers"), Header("user-agent", "harvestry-loadgen")};

    nghttp2_session_callbacks* cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, OnHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, OnData);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, OnStreamClose);
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    conns_.resize(s.channels);
    for (size_t i = 0; i < s.channels; ++i) {
      Conn& c = conns_[i];
      c.owner = this;
      c.fd = Connect(s.target);
      nghttp2_session_client_new(&c.session, cb, &c);
      // Big windows: flow control must never be what limits a benchmark of small unary calls.
      nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                           {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 24}};
      nghttp2_submit_settings(c.session, NGHTTP2_FLAG_NONE, settings, 2);
      nghttp2_session_set_local_window_size(c.session, NGHTTP2_FLAG_NONE, 0, 1 << 30);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = &c;
      epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
      Flush(c);
    }
    nghttp2_session_callbacks_del(cb);
  }

  ~H2EchoClient() {
    for (Conn& c : conns_) {
      if (c.session) nghttp2_session_del(c.session);
      if (c.fd >= 0) close(c.fd);
    }
    for (Call* c : live_) delete c;
    close(epoll_);
  }

  size_t Channels() const { return conns_.size(); }
  size_t Outstanding() const { return outstanding_; }

  // Queues one Echo on connection `channel`; it is written out with everything else queued before the
  // next wait (see Next).
  void Start(size_t channel, int64_t intended_ns) {
    Call* call = Acquire();
    call->channel = channel;
    call->intended_ns = intended_ns;
    call->in_flight = true;
    ++outstanding_;
    Conn& c = conns_[channel];
    if (c.dead) return Fail(call, "connection lost");
    nghttp2_data_provider body{};
    body.source.ptr = call;
    body.read_callback = ReadBody;
    int32_t id = nghttp2_submit_request(c.session, nullptr, headers_.data(), headers_.size(), &body, call);
    if (id < 0) return Fail(call, std::string("submit: ") + nghttp2_strerror(id));
    call->stream_id = id;
    c.dirty = true;
  }

  // Returns one finished call, waiting at most `timeout_ns` (0 = just poll); nullptr on timeout.
  Call* Next(int64_t timeout_ns) {
    if (Call* c = PopDone()) return c;
    for (Conn& c : conns_)
      if (c.dirty) Flush(c);  // one write per connection for everything queued since the last wait
    timespec ts{timeout_ns / 1000000000, timeout_ns % 1000000000};
    epoll_event events[64];
    int n = epoll_pwait2(epoll_, events, 64, &ts, nullptr);  // ns precision, unlike epoll_wait's ms
    for (int i = 0; i < n; ++i) {
      Conn& c = *static_cast<Conn*>(events[i].data.ptr);
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) Read(c);
      if (events[i].events & EPOLLOUT) Flush(c);
    }
    return PopDone();
  }

  bool Verify(const Call* c, std::string* why) const {
    if (!c->failure.empty()) return *why = c->failure, false;
    if (c->reset_code != 0) return *why = "stream reset, HTTP/2 error " + std::to_string(c->reset_code), false;
    if (c->http_status != 200) return *why = "HTTP status " + std::to_string(c->http_status), false;
    if (c->grpc_status != 0)
      return *why = "status " + std::to_string(c->grpc_status) + ": " + c->grpc_message, false;
    if (c->body != framed_) {  // same framing, same message bytes
      *why = "response bytes differ from request bytes (" + std::to_string(c->body.size()) + " vs " +
             std::to_string(framed_.size()) + " framed bytes)";
      return false;
    }
    return true;
  }

  void Release(Call* c) {
    c->stream_id = 0;
    c->sent = 0;
    c->http_status = 0;
    c->grpc_status = -1;
    c->reset_code = 0;
    c->grpc_message.clear();
    c->body.clear();  // keeps its capacity for the next call
    c->failure.clear();
    pool_.push_back(c);
  }

  void CancelAll() {
    for (Call* call : live_) {
      if (!call->in_flight || call->stream_id <= 0) continue;
      Conn& c = conns_[call->channel];
      nghttp2_submit_rst_stream(c.session, NGHTTP2_FLAG_NONE, call->stream_id, NGHTTP2_CANCEL);
      c.dirty = true;
    }
  }

 private:
  struct Conn {
    H2EchoClient* owner = nullptr;
    int fd = -1;
    nghttp2_session* session = nullptr;
    std::string out;  // serialized frames not yet accepted by the socket
    size_t out_done = 0;
    bool dirty = false, want_write = false, dead = false;
  };

  static nghttp2_nv Header(const char* name, const std::string& value) {
    return {reinterpret_cast<uint8_t*>(const_cast<char*>(name)),
            reinterpret_cast<uint8_t*>(const_cast<char*>(value.c_str())), std::strlen(name),
            value.size(), NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
  }
  static nghttp2_nv Header(const char* name, const char* value) {
    return {reinterpret_cast<uint8_t*>(const_cast<char*>(name)),
            reinterpret_cast<uint8_t*>(const_cast<char*>(value)), std::strlen(name), std::strlen(value),
            NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
  }

  static int Connect(const std::string& target) {
    size_t colon = target.rfind(':');
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (colon == std::string::npos || fd < 0 ||
        inet_pton(AF_INET, target.substr(0, colon).c_str(), &addr.sin_addr) != 1 ||
        (addr.sin_port = htons(uint16_t(std::atoi(target.c_str() + colon + 1))),
         connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)) {
      std::fprintf(stderr, "loadgen: cannot connect to %s (needs IPv4 HOST:PORT)\n", target.c_str());
      std::exit(1);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // requests are small: no Nagle delay
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
  }

  // nghttp2 pulls the request body through this; one gRPC-framed message, then END_STREAM.
  static ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                          nghttp2_data_source* source, void* user) {
    Call* call = static_cast<Call*>(source->ptr);
    const std::string& framed = static_cast<Conn*>(user)->owner->framed_;
    size_t n = std::min(length, framed.size() - call->sent);
    std::memcpy(buf, framed.data() + call->sent, n);
    call->sent += n;
    if (call->sent == framed.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return ssize_t(n);
  }

  static int OnHeader(nghttp2_session* s, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t, void*) {
    auto* call = static_cast<Call*>(nghttp2_session_get_stream_user_data(s, frame->hd.stream_id));
    if (call == nullptr) return 0;
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status") call->http_status = std::atoi(std::string(v).c_str());
    else if (n == "grpc-status") call->grpc_status = std::atoi(std::string(v).c_str());
    else if (n == "grpc-message") call->grpc_message = v;
    return 0;
  }

  static int OnData(nghttp2_session* s, uint8_t, int32_t stream_id, const uint8_t* data, size_t len, void*) {
    auto* call = static_cast<Call*>(nghttp2_session_get_stream_user_data(s, stream_id));
    if (call) call->body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int OnStreamClose(nghttp2_session* s, int32_t stream_id, uint32_t error_code, void* user) {
    auto* call = static_cast<Call*>(nghttp2_session_get_stream_user_data(s, stream_id));
    if (call && call->in_flight) {
      call->reset_code = error_code;
      static_cast<Conn*>(user)->owner->Done(call);
    }
    return 0;
  }

  void Done(Call* call) {
    call->in_flight = false;
    done_.push_back(call);
  }

  void Fail(Call* call, const std::string& why) {
    call->failure = why;
    Done(call);
  }

  Call* PopDone() {
    if (done_head_ == done_.size()) {
      done_.clear();
      done_head_ = 0;
      return nullptr;
    }
    --outstanding_;
    return done_[done_head_++];
  }

  void Read(Conn& c) {
    uint8_t buf[1 << 16];
    while (!c.dead) {
      ssize_t n = recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        ssize_t used = nghttp2_session_mem_recv(c.session, buf, size_t(n));
        if (used < 0) return Kill(c, std::string("HTTP/2: ") + nghttp2_strerror(int(used)));
        c.dirty = true;  // may owe the peer SETTINGS acks or WINDOW_UPDATEs
        if (size_t(n) < sizeof buf) return;  // drained (saves the extra recv that would say EAGAIN)
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      return Kill(c, n == 0 ? "server closed the connection" : std::string("recv: ") + strerror(errno));
    }
  }

  void Flush(Conn& c) {
    c.dirty = false;
    if (c.dead) return;
    for (;;) {  // gather every pending frame, then write them together
      const uint8_t* data;
      ssize_t n = nghttp2_session_mem_send(c.session, &data);
      if (n < 0) return Kill(c, std::string("HTTP/2: ") + nghttp2_strerror(int(n)));
      if (n == 0) break;
      c.out.append(reinterpret_cast<const char*>(data), size_t(n));
    }
    while (c.out_done < c.out.size()) {
      ssize_t n = send(c.fd, c.out.data() + c.out_done, c.out.size() - c.out_done, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_done += size_t(n);
        continue;
      }
      if (errno == EAGAIN || errno == EINTR) return WantWrite(c, true);
      return Kill(c, std::string("send: ") + strerror(errno));
    }
    c.out.clear();
    c.out_done = 0;
    WantWrite(c, false);
  }

  void WantWrite(Conn& c, bool on) {
    if (c.want_write == on) return;
    c.want_write = on;
    epoll_event ev{};
    ev.events = on ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
    ev.data.ptr = &c;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  // A broken connection fails every call still on it; the run reports them as errors.
  void Kill(Conn& c, const std::string& why) {
    c.dead = true;
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    size_t index = size_t(&c - conns_.data());
    for (Call* call : live_)
      if (call->in_flight && call->channel == index) Fail(call, why);
  }

  Call* Acquire() {
    if (!pool_.empty()) {
      Call* c = pool_.back();
      pool_.pop_back();
      return c;
    }
    live_.push_back(new Call);
    return live_.back();
  }

  std::string message_, framed_, authority_, path_;
  std::vector<nghttp2_nv> headers_;
  std::vector<Conn> conns_;
  int epoll_ = -1;
  std::vector<Call*> pool_, live_, done_;
  size_t done_head_ = 0, outstanding_ = 0;
};
