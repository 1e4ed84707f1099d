// A fixed-size log-linear latency histogram (the HdrHistogram layout, minus the generality).
//
// Why not keep every sample: at ~50k req/s an open-loop minute is millions of samples; a histogram is a
// constant 60 KB, O(1) per record, and its relative error (< 0.4% with 8 sub-bucket bits) is far below
// run-to-run noise. Values are nanoseconds.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

class LatencyHistogram {
 public:
  void Record(uint64_t ns) {
    ++counts_[Index(ns)];
    ++total_;
    max_ = std::max(max_, ns);
    sum_ += ns;
  }

  uint64_t Count() const { return total_; }
  uint64_t Max() const { return max_; }
  double Mean() const { return total_ ? double(sum_) / double(total_) : 0.0; }

  // The value at quantile q in [0, 1] (the midpoint of its bucket, capped at the recorded maximum).
  uint64_t Quantile(double q) const {
    if (total_ == 0) return 0;
    uint64_t rank = uint64_t(q * double(total_ - 1)) + 1;  // 1-based rank of the wanted sample
    if (rank >= total_) return max_;                         // the largest sample is known exactly
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(Midpoint(i), max_);
    }
    return max_;
  }

 private:
  // Values below 2^kSubBits are exact; above, each power of two is split into 2^(kSubBits-1) buckets.
  static constexpr int kSubBits = 8;
  static constexpr uint64_t kHalf = uint64_t{1} << (kSubBits - 1);
  static constexpr size_t kBuckets = (64 - kSubBits + 2) * kHalf;

  static int Shift(uint64_t v) {
    int msb = 63 - __builtin_clzll(v | 1);
    return std::max(0, msb - (kSubBits - 1));
  }
  static size_t Index(uint64_t v) {
    int s = Shift(v);
    return size_t(s) * kHalf + size_t(v >> s);
  }
  static uint64_t Midpoint(size_t index) {
    if (index < 2 * kHalf) return index;  // exact region (shift 0)
    uint64_t s = index / kHalf - 1;
    uint64_t mantissa = index - s * kHalf;
    return (mantissa << s) + ((uint64_t{1} << s) >> 1);
  }

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0, max_ = 0, sum_ = 0;
};
