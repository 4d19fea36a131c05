#include "tcp/byte_ring.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace ws::tcp {

namespace {

// The first allocation: small buffers stay small, larger ones skip the
// first few doublings.
constexpr std::size_t kMinAllocation = 4096;

}  // namespace

std::size_t ByteSpans::copy_to(MutBytes out) const {
  const std::size_t n1 = std::min(first.size(), out.size());
  if (n1 > 0) std::memcpy(out.data(), first.data(), n1);
  const std::size_t n2 = std::min(second.size(), out.size() - n1);
  if (n2 > 0) std::memcpy(out.data() + n1, second.data(), n2);
  return n1 + n2;
}

void ByteRing::reserve(std::size_t n, std::size_t live) {
  assert(n <= limit_ && live <= storage_.size());
  if (n <= storage_.size()) return;
  // Geometric growth keeps the copying amortized O(1) per byte written.
  const std::size_t grown = std::max({n, storage_.size() * 2, kMinAllocation});
  reallocate(std::min(grown, limit_), live);
}

void ByteRing::set_limit(std::size_t limit, std::size_t live) {
  assert(live <= storage_.size());
  limit_ = limit;
  const std::size_t keep = std::max(limit, live);
  if (storage_.size() > keep) reallocate(keep, live);
}

void ByteRing::reallocate(std::size_t size, std::size_t live) {
  std::vector<std::uint8_t> next(size);
  spans(0, live).copy_to(MutBytes(next.data(), live));
  storage_.swap(next);
  head_ = 0;
}

void ByteRing::write(std::size_t offset, Bytes data) {
  assert(offset + data.size() <= storage_.size());
  if (data.empty()) return;
  const std::size_t start = index(offset);
  const std::size_t n1 = std::min(data.size(), storage_.size() - start);
  std::memcpy(storage_.data() + start, data.data(), n1);
  if (n1 < data.size()) std::memcpy(storage_.data(), data.data() + n1, data.size() - n1);
}

ByteSpans ByteRing::spans(std::size_t offset, std::size_t len) const {
  assert(offset + len <= storage_.size());
  if (len == 0) return {};
  const std::size_t start = index(offset);
  const std::size_t n1 = std::min(len, storage_.size() - start);
  return ByteSpans{Bytes(storage_.data() + start, n1), Bytes(storage_.data(), len - n1)};
}

void ByteRing::advance(std::size_t n) {
  assert(n <= storage_.size());
  if (storage_.empty()) return;
  head_ = index(n);
}

}  // namespace ws::tcp
