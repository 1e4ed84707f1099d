// selftest: unit checks of the load generator's pure parts (histogram, request encoding).
// Prints "N passed, N failed" and exits non-zero on any failure. Run by Benchmarks/check.
#include "echo_wire.h"
#include "histogram.h"

#include <cmath>
#include <cstdio>
#include <string>

static int passed = 0, failed = 0;

static void Check(bool ok, const char* what) {
  if (ok) ++passed;
  else {
    ++failed;
    std::printf("FAIL: %s\n", what);
  }
}

static bool Near(double got, double want, double rel) { return std::fabs(got - want) <= rel * want; }

int main() {
  {  // small values are exact
    LatencyHistogram h;
    for (uint64_t v = 1; v <= 100; ++v) h.Record(v);
    Check(h.Count() == 100, "count");
    Check(h.Quantile(0.5) == 50 || h.Quantile(0.5) == 51, "exact median of 1..100");
    Check(h.Quantile(1.0) == 100 && h.Max() == 100, "max");
    Check(Near(h.Mean(), 50.5, 1e-9), "mean");
  }
  {  // large values within the bucket error (< 0.4%)
    LatencyHistogram h;
    for (uint64_t i = 1; i <= 100000; ++i) h.Record(i * 1000);  // 1 us .. 100 ms in ns
    Check(Near(double(h.Quantile(0.50)), 50e6, 0.005), "p50 of uniform 1us..100ms");
    Check(Near(double(h.Quantile(0.99)), 99e6, 0.005), "p99 of uniform 1us..100ms");
    Check(Near(double(h.Quantile(0.999)), 99.9e6, 0.005), "p999 of uniform 1us..100ms");
    Check(h.Quantile(1.0) == 100000000, "max is exact");
  }
  {  // a tail of 1% slow calls shows at p99 and not at p50
    LatencyHistogram h;
    for (int i = 0; i < 9900; ++i) h.Record(200000);
    for (int i = 0; i < 100; ++i) h.Record(50000000);
    Check(Near(double(h.Quantile(0.50)), 200000, 0.005), "p50 ignores the tail");
    Check(Near(double(h.Quantile(0.995)), 50000000, 0.005), "p99.5 is in the tail");
  }
  {  // EchoRequest wire format
    std::string r = echo_wire::EncodeEchoRequest(16, 0);
    Check(r.size() == 18 && r[0] == 0x0A && r[1] == 16 && r.substr(2) == "abcdefghijklmnop",
          "text-only request: key 0x0A, length 16, text");
    std::string p = echo_wire::EncodeEchoRequest(0, 300);
    Check(p.size() == 3 + 300 && uint8_t(p[0]) == 0x12 && uint8_t(p[1]) == 0xAC && uint8_t(p[2]) == 0x02,
          "payload-only request: key 0x12, varint 300 = AC 02");
    Check(echo_wire::EncodeEchoRequest(0, 0).empty(), "empty request has no fields");
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
