// Hand-encoded harvestry.echo.v1.EchoRequest, so the load generator needs neither protoc nor the
// google/api imports of echo_service.proto:
//   message EchoRequest { string text = 1; bytes payload = 2; }
// Field 1 is key 0x0A (number 1, wire type 2 = length-delimited), field 2 is key 0x12.
#pragma once

#include <cstdint>
#include <string>

namespace echo_wire {

inline void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(char(v | 0x80));
    v >>= 7;
  }
  out.push_back(char(v));
}

inline void PutBytesField(std::string& out, uint8_t key, const std::string& value) {
  if (value.empty()) return;  // proto3 omits empty scalars; the server must echo that as-is too
  out.push_back(char(key));
  PutVarint(out, value.size());
  out += value;
}

// A request with `text_bytes` of printable text and `payload_bytes` of opaque bytes.
inline std::string EncodeEchoRequest(size_t text_bytes, size_t payload_bytes) {
  std::string text, payload, out;
  for (size_t i = 0; i < text_bytes; ++i) text.push_back(char('a' + i % 26));
  for (size_t i = 0; i < payload_bytes; ++i) payload.push_back(char(i * 131 + 7));
  PutBytesField(out, 0x0A, text);
  PutBytesField(out, 0x12, payload);
  return out;
}

}  // namespace echo_wire
