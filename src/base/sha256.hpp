// SHA-256 (FIPS 180-4), incremental: for comparing what a transfer sent
// with what arrived without keeping either in memory.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "base/bytes.hpp"

namespace ws {

class Sha256 {
 public:
  Sha256();
  void update(Bytes data);
  // The digest; the object must not be updated afterwards.
  std::array<std::uint8_t, 32> finish();
  std::string hex();  // finish(), as 64 lowercase hex digits

 private:
  void block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace ws
