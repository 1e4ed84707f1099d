// loadgen: the echo benchmark's load generator (one thread, one completion queue, gRPC C core).
//
//   loadgen --target 127.0.0.1:PORT --mode closed --channels N --concurrency M --warmup S --duration S
//     Closed loop (saturation): N connections x M calls always in flight; every completion starts the
//     next call on the same connection. Reports throughput and latency of calls finished in the window.
//   loadgen --target 127.0.0.1:PORT --mode open --rate R --channels N --warmup S --duration S
//     Open loop: call i is due at start + i/R, spread round-robin over the connections. Latency is
//     measured from the DUE time, not the actual send, so a stalled server or generator shows up as
//     latency instead of silently lowering the offered load (no coordinated omission).
//
// Prints one JSON line on stdout. Exit status 0 only if every call was OK with the bytes echoed back.

#include "ccore_client.h"
#include "h2_client.h"
#include "echo_wire.h"
#include "histogram.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

namespace {

struct Options {
  ClientSettings client;
  std::string mode = "closed", label;
  std::string engine = "h2";  // h2: nghttp2 (lean, the default); ccore: the gRPC C core client
  size_t concurrency = 32;     // per channel, closed loop
  double rate = 0;             // req/s, open loop
  double warmup_s = 2, duration_s = 10;
  size_t text_bytes = 16, payload_bytes = 0;
  size_t max_outstanding = 20000;  // open loop: beyond this the generator waits (and it shows as latency)
  // Open loop: when the next send is this close, poll instead of sleeping. Waking from a sleep costs
  // this VM ~100 us and more at p99, which would be added both to send times and to the latency of
  // every response that arrives meanwhile. At half-load rates (> 1k/s) 1 ms means "always poll": the
  // generator's core is its own. The C core rounds sleeps up to whole ms, hence 2 ms for ccore.
  double spin_ms = 1;
  double drain_s = 5;          // bound on waiting for in-flight calls after the window
};

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t CpuNs() {  // user + system time of the whole process, gRPC's internal threads included
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (int64_t(ru.ru_utime.tv_sec) + ru.ru_stime.tv_sec) * 1000000000 +
         (int64_t(ru.ru_utime.tv_usec) + ru.ru_stime.tv_usec) * 1000;
}

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "loadgen: %s\nusage: loadgen --target HOST:PORT [--mode closed|open] [--engine h2|ccore] [--channels N]\n"
               "  [--concurrency M] [--rate R] [--warmup S] [--duration S] [--text-bytes B]\n"
               "  [--payload-bytes B] [--max-outstanding K] [--spin-ms MS] [--label NAME] [--method PATH]\n"
               "  [--retries] [--minimal-stack] [--direct]   (the last three: ccore engine only)\n",
               why);
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--retries") { o.client.retries = true; continue; }
    if (a == "--minimal-stack") { o.client.minimal_stack = true; continue; }
    if (a == "--direct") { o.client.direct = true; continue; }
    if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
    const char* v = argv[++i];
    if (a == "--target") o.client.target = v;
    else if (a == "--mode") o.mode = v;
    else if (a == "--engine") o.engine = v;
    else if (a == "--channels") o.client.channels = std::strtoul(v, nullptr, 10);
    else if (a == "--concurrency") o.concurrency = std::strtoul(v, nullptr, 10);
    else if (a == "--rate") o.rate = std::atof(v);
    else if (a == "--warmup") o.warmup_s = std::atof(v);
    else if (a == "--duration") o.duration_s = std::atof(v);
    else if (a == "--text-bytes") o.text_bytes = std::strtoul(v, nullptr, 10);
    else if (a == "--payload-bytes") o.payload_bytes = std::strtoul(v, nullptr, 10);
    else if (a == "--max-outstanding") o.max_outstanding = std::strtoul(v, nullptr, 10);
    else if (a == "--spin-ms") o.spin_ms = std::atof(v);
    else if (a == "--label") o.label = v;
    else if (a == "--method") o.client.method = v;
    else Usage(("unknown option " + a).c_str());
  }
  if (o.engine == "ccore") o.spin_ms = std::max(o.spin_ms, 2.0);
  if (o.client.target.empty()) Usage("--target is required");
  if (o.mode != "closed" && o.mode != "open") Usage("--mode must be closed or open");
  if (o.engine != "h2" && o.engine != "ccore") Usage("--engine must be h2 or ccore");
  if (o.mode == "open" && o.rate <= 0) Usage("open loop needs --rate > 0");
  if (o.client.channels < 1 || o.concurrency < 1 || o.duration_s <= 0 || o.warmup_s < 0)
    Usage("bad channels/concurrency/duration/warmup");
  return o;
}

struct Results {
  LatencyHistogram latency;   // calls counted in the measurement window
  LatencyHistogram send_lag;  // open loop: actual send - due time
  uint64_t window_calls = 0, errors = 0, unsent = 0, abandoned = 0;
  int64_t window_ns = 0, cpu_ns = 0;
  std::string first_error;
};

// The run loops below work with either transport (EchoClient or H2EchoClient): same calls, same
// accounting, so the engines can be compared with everything else equal.

// Reads one finished call: verifies it, and returns it to the pool. Returns its completion time.
template <typename Client>
int64_t Finish(Client& client, typename Client::Call* c, Results& r) {
  int64_t now = NowNs();
  std::string why;
  if (!client.Verify(c, &why)) {
    if (r.errors++ == 0) r.first_error = why;
  }
  client.Release(c);
  return now;
}

// After the window: wait (bounded) for calls still in flight, then cancel and reap the rest.
// `on_done` sees each call before it is released (open loop still records their latency).
template <typename Client, typename F>
void Drain(Client& client, const Options& o, Results& r, F on_done) {
  int64_t give_up = NowNs() + int64_t(o.drain_s * 1e9);
  while (client.Outstanding() > 0 && NowNs() < give_up)
    if (auto* c = client.Next(give_up - NowNs())) on_done(c);
  if (client.Outstanding() == 0) return;
  r.abandoned = client.Outstanding();
  client.CancelAll();
  int64_t hard_stop = NowNs() + 2000000000;  // cancelled calls complete promptly; bound it anyway
  while (client.Outstanding() > 0 && NowNs() < hard_stop)
    if (auto* c = client.Next(hard_stop - NowNs())) client.Release(c);
}

template <typename Client>
void RunClosed(Client& client, const Options& o, Results& r) {
  int64_t start = NowNs();
  int64_t window_start = start + int64_t(o.warmup_s * 1e9);
  int64_t end = window_start + int64_t(o.duration_s * 1e9);
  for (size_t ch = 0; ch < client.Channels(); ++ch)
    for (size_t i = 0; i < o.concurrency; ++i) client.Start(ch, NowNs());

  bool in_window = false;
  int64_t cpu_start = 0;
  for (int64_t now = NowNs(); now < end; now = NowNs()) {
    auto* c = client.Next(end - now);
    if (c == nullptr) continue;
    int64_t started = c->intended_ns;
    size_t ch = c->channel;
    int64_t done = Finish(client, c, r);
    if (done >= window_start) {
      if (!in_window) {
        in_window = true;
        cpu_start = CpuNs();
        window_start = done;  // the window starts at a real event; end stays fixed
      }
      r.latency.Record(uint64_t(done - started));
      ++r.window_calls;
    }
    if (done < end) client.Start(ch, done);
  }
  r.window_ns = end - window_start;
  r.cpu_ns = in_window ? CpuNs() - cpu_start : 0;
  Drain(client, o, r, [&](typename Client::Call* c) { Finish(client, c, r); });
}

template <typename Client>
void RunOpen(Client& client, const Options& o, Results& r) {
  const double interval_ns = 1e9 / o.rate;
  const int64_t spin_ns = int64_t(o.spin_ms * 1e6);
  int64_t start = NowNs();
  int64_t window_start = start + int64_t(o.warmup_s * 1e9);
  int64_t end = window_start + int64_t(o.duration_s * 1e9);
  uint64_t sent = 0;  // calls started so far; call i is due at start + i * interval
  auto due = [&](uint64_t i) { return start + int64_t(double(i) * interval_ns); };
  size_t next_channel = 0;

  // Latency counts for calls DUE inside the window, wherever they complete (drain included), so a
  // slow tail at the end of the window is not cut off.
  auto on_done = [&](typename Client::Call* c) {
    int64_t intended = c->intended_ns;
    int64_t done = Finish(client, c, r);
    if (intended >= window_start && intended < end) {
      r.latency.Record(uint64_t(done - intended));
      ++r.window_calls;
    }
  };

  int64_t cpu_start = 0;
  bool in_window = false;
  for (int64_t now = NowNs(); now < end; now = NowNs()) {
    if (!in_window && now >= window_start) {
      in_window = true;
      cpu_start = CpuNs();
    }
    // Start everything that is due (late ones included: their latency still counts from due time).
    while (due(sent) <= now && due(sent) < end && client.Outstanding() < o.max_outstanding) {
      int64_t d = due(sent);
      if (d >= window_start) r.send_lag.Record(uint64_t(now - d));
      client.Start(next_channel, d);
      next_channel = (next_channel + 1) % client.Channels();
      ++sent;
      now = NowNs();
    }
    // Sleep in the CQ until the next due time; the core rounds sleeps up to whole milliseconds, so
    // close to a due time we only poll (the generator has its own core to spend on that).
    int64_t wait = std::min(due(sent), end) - now;
    if (client.Outstanding() >= o.max_outstanding) wait = end - now;  // only a completion helps
    auto* c = client.Next(wait <= spin_ns ? 0 : wait - spin_ns);
    if (c != nullptr) on_done(c);
  }
  r.window_ns = end - window_start;
  r.cpu_ns = in_window ? CpuNs() - cpu_start : 0;
  uint64_t planned = uint64_t(double(end - start) / interval_ns);
  r.unsent = planned > sent ? planned - sent : 0;
  Drain(client, o, r, on_done);
}

void PrintJson(const Options& o, const Results& r) {
  auto us = [](uint64_t ns) { return double(ns) / 1000.0; };
  std::string error;  // from status details: keep the JSON valid by dropping quotes and controls
  for (char ch : r.first_error)
    if (ch != '"' && ch != '\\' && ch >= ' ') error.push_back(ch);
  double secs = double(r.window_ns) / 1e9;
  std::printf(
      "{\"tool\":\"harvestry-loadgen\",\"label\":\"%s\",\"mode\":\"%s\",\"engine\":\"%s\",\"target\":\"%s\","
      "\"direct\":%s,\"channels\":%zu,\"concurrency\":%zu,\"rate\":%.1f,\"warmup_s\":%.2f,\"duration_s\":%.3f,"
      "\"request_bytes\":%zu,\"calls\":%llu,\"errors\":%llu,\"abandoned\":%llu,\"unsent\":%llu,"
      "\"rps\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,"
      "\"mean_us\":%.1f,\"send_lag_p50_us\":%.1f,\"send_lag_p99_us\":%.1f,\"client_cpu\":%.3f,"
      "\"cpu_total_s\":%.3f,\"first_error\":\"%s\"}\n",
      o.label.c_str(), o.mode.c_str(), o.engine.c_str(), o.client.target.c_str(), o.client.direct ? "true" : "false",
      o.client.channels,
      o.mode == "closed" ? o.concurrency : 0, o.rate, o.warmup_s, secs,
      echo_wire::EncodeEchoRequest(o.text_bytes, o.payload_bytes).size(),
      (unsigned long long)r.window_calls, (unsigned long long)r.errors, (unsigned long long)r.abandoned,
      (unsigned long long)r.unsent, secs > 0 ? double(r.window_calls) / secs : 0.0,
      us(r.latency.Quantile(0.50)), us(r.latency.Quantile(0.90)), us(r.latency.Quantile(0.99)),
      us(r.latency.Quantile(0.999)), us(r.latency.Max()), r.latency.Mean() / 1000.0,
      us(r.send_lag.Quantile(0.50)), us(r.send_lag.Quantile(0.99)),
      r.window_ns > 0 ? double(r.cpu_ns) / double(r.window_ns) : 0.0, double(CpuNs()) / 1e9,
      error.c_str());
  std::fflush(stdout);
}

// Runs the chosen mode on a constructed client; false if calls were left that never completed.
template <typename Client>
bool Run(const Options& o, Results& r) {
  Client client(o.client, echo_wire::EncodeEchoRequest(o.text_bytes, o.payload_bytes));
  if (o.mode == "closed") RunClosed(client, o, r);
  else RunOpen(client, o, r);
  if (client.Outstanding() == 0) return true;
  std::fprintf(stderr, "loadgen: %zu calls never completed\n", client.Outstanding());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = Parse(argc, argv);
  grpc_init();
  Results r;
  bool drained = o.engine == "h2" ? Run<H2EchoClient>(o, r) : Run<EchoClient>(o, r);
  if (!drained) {  // the transport still owns those calls: report and leave without cleanup
    PrintJson(o, r);
    std::_Exit(1);
  }
  grpc_shutdown();
  PrintJson(o, r);
  if (r.errors > 0)
    std::fprintf(stderr, "loadgen: %llu failed calls, first: %s\n", (unsigned long long)r.errors,
                 r.first_error.c_str());
  return r.errors == 0 && r.abandoned == 0 && r.window_calls > 0 ? 0 : 1;
}
