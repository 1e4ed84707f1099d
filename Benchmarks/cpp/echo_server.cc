// echo_server: the C++ ceiling of the echo benchmark.
//
// Serves harvestry.echo.v1.EchoService/Echo on the same gRPC C core (libgrpc 1.51) our Swift transport
// uses, through grpc++'s async *generic* service so it needs no generated code: EchoRequest and
// EchoResponse have the same fields and numbers, so the request bytes ARE a valid response, and echoing
// them untouched is a correct (and the cheapest possible) Echo. Every other method gets UNIMPLEMENTED.
//
// Usage: echo_server --port N [--cqs K] [--pending P]
//   Prints "LISTENING <port>" on stdout once the port is bound (--port 0 picks a free one).
//   SIGINT/SIGTERM shut it down cleanly.
//
// Threading: K completion queues, one polling thread each (default K=1: the runner pins the server to
// one core, and a second poller there would only add context switches).

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr const char* kEchoMethod = "/harvestry.echo.v1.EchoService/Echo";

// One RPC's life as a small state machine driven by completion-queue tags (the tag is the object).
class EchoCall {
 public:
  EchoCall(grpc::AsyncGenericService* service, grpc::ServerCompletionQueue* cq)
      : service_(service), cq_(cq), stream_(&ctx_) {
    service_->RequestCall(&ctx_, &stream_, cq_, cq_, this);
  }

  // Advances on one completion; `ok` is the completion's success bit.
  void Proceed(bool ok) {
    switch (state_) {
      case State::kWaitingForCall:
        if (!ok) {  // the server is shutting down: no call was matched
          delete this;
          return;
        }
        new EchoCall(service_, cq_);  // keep one request armed per finished match
        if (ctx_.method() == kEchoMethod) {
          state_ = State::kReading;
          stream_.Read(&buffer_, this);
        } else {
          state_ = State::kFinishing;
          stream_.Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "unknown method " + ctx_.method()),
                         this);
        }
        return;
      case State::kReading:
        state_ = State::kFinishing;
        if (!ok) {  // the client half-closed without a message: not a valid unary call
          stream_.Finish(grpc::Status(grpc::StatusCode::INTERNAL, "missing request message"), this);
          return;
        }
        // One batch: initial metadata + message + OK status, the fewest round trips through the core.
        stream_.WriteAndFinish(buffer_, grpc::WriteOptions(), grpc::Status::OK, this);
        return;
      case State::kFinishing:
        delete this;
        return;
    }
  }

 private:
  enum class State { kWaitingForCall, kReading, kFinishing };

  grpc::AsyncGenericService* service_;
  grpc::ServerCompletionQueue* cq_;
  grpc::GenericServerContext ctx_;
  grpc::GenericServerAsyncReaderWriter stream_;
  grpc::ByteBuffer buffer_;
  State state_ = State::kWaitingForCall;
};

void Poll(grpc::ServerCompletionQueue* cq) {
  void* tag;
  bool ok;
  while (cq->Next(&tag, &ok)) static_cast<EchoCall*>(tag)->Proceed(ok);
}

[[noreturn]] void Usage() {
  std::fprintf(stderr, "usage: echo_server --port N [--cqs K] [--pending P]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int port = -1, cqs = 1, pending = 64;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) Usage();
    if (a == "--port") port = std::atoi(argv[++i]);
    else if (a == "--cqs") cqs = std::atoi(argv[++i]);
    else if (a == "--pending") pending = std::atoi(argv[++i]);
    else Usage();
  }
  if (port < 0 || cqs < 1 || pending < 1) Usage();

  // Block the shutdown signals in every thread (gRPC's included, they inherit the mask); one thread
  // waits for them with sigwait and shuts the server down from ordinary code, not a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  grpc::AsyncGenericService service;
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &bound_port);
  builder.RegisterAsyncGenericService(&service);
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues;
  for (int i = 0; i < cqs; ++i) queues.push_back(builder.AddCompletionQueue());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_port == 0) {
    std::fprintf(stderr, "echo_server: could not listen on 127.0.0.1:%d\n", port);
    return 1;
  }

  // Several armed requests per queue so a burst of new calls is matched without waiting for a poll
  // round-trip; unmatched calls would still queue inside the core, just later.
  for (auto& cq : queues)
    for (int i = 0; i < pending; ++i) new EchoCall(&service, cq.get());

  std::vector<std::thread> pollers;
  for (auto& cq : queues) pollers.emplace_back(Poll, cq.get());

  std::printf("LISTENING %d\n", bound_port);
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));  // bounded drain
  for (auto& cq : queues) cq->Shutdown();
  for (auto& t : pollers) t.join();
  return 0;
}
