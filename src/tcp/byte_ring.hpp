// ByteRing: the storage under SendBuffer and Reassembler. A circular byte
// buffer addressed by logical offset from its head, with a hard limit on its
// logical size (the socket buffer size).
//
// Storage is allocated on first use and grows geometrically up to the limit,
// so an idle socket with a 208 KiB buffer costs nothing and a busy one stops
// allocating once it has reached its working size (docs/principles.md "Fast by
// construction": no allocation per packet in the steady state). It never
// shrinks by itself; set_limit() gives memory back when the limit drops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/bytes.hpp"

namespace ws::tcp {

// A ring's contents may wrap around the end of its storage, so a range of it
// is up to two spans. Both are views into the ring: valid until it changes.
struct ByteSpans {
  Bytes first;
  Bytes second;

  std::size_t size() const { return first.size() + second.size(); }
  bool empty() const { return size() == 0; }
  // Copies min(size(), out.size()) bytes from the front; returns the count.
  std::size_t copy_to(MutBytes out) const;
};

class ByteRing {
 public:
  explicit ByteRing(std::size_t limit) : limit_(limit) {}

  std::size_t limit() const { return limit_; }
  std::size_t allocated() const { return storage_.size(); }

  // Makes logical offsets [0, n) writable, n <= limit(). The first `live`
  // bytes (those the owner still needs) keep their offsets; the rest of the
  // storage is unspecified afterwards.
  void reserve(std::size_t n, std::size_t live);

  // Changes the limit. Storage larger than max(limit, live) is reallocated
  // down to that, keeping the first `live` bytes.
  void set_limit(std::size_t limit, std::size_t live);

  // Copies data to logical offsets [offset, offset + data.size()), which
  // must lie inside the reserved storage.
  void write(std::size_t offset, Bytes data);

  // Views logical offsets [offset, offset + len) (inside the storage).
  ByteSpans spans(std::size_t offset, std::size_t len) const;

  // Drops n bytes from the front: offset n becomes offset 0.
  void advance(std::size_t n);

 private:
  std::size_t index(std::size_t offset) const {
    const std::size_t i = head_ + offset;
    return i >= storage_.size() ? i - storage_.size() : i;
  }
  // New storage of exactly `size` bytes holding the first `live` bytes at
  // offsets [0, live), with the head at index 0.
  void reallocate(std::size_t size, std::size_t live);

  std::vector<std::uint8_t> storage_;
  std::size_t head_ = 0;  // storage index of logical offset 0
  std::size_t limit_;
};

}  // namespace ws::tcp
