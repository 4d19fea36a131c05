// PacketBuffer: one frame's bytes with headroom in front, so each layer
// can prepend its header without moving the payload (TCP writes its
// segment, then IPv4 and Ethernet prepend theirs). BufferPool recycles
// buffers so the steady-state hot path does not allocate.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

#include "base/bytes.hpp"

namespace ws {

class BufferPool;

class PacketBuffer {
 public:
  // Room for Ethernet (14) + IPv4 with options (60) + TCP with options (60).
  static constexpr std::size_t kDefaultHeadroom = 160;

  explicit PacketBuffer(std::size_t capacity, std::size_t headroom = kDefaultHeadroom);

  std::uint8_t* data() { return storage_.get() + head_; }
  const std::uint8_t* data() const { return storage_.get() + head_; }
  std::size_t size() const { return tail_ - head_; }
  bool empty() const { return head_ == tail_; }
  MutBytes bytes() { return {data(), size()}; }
  Bytes bytes() const { return {data(), size()}; }
  std::size_t capacity() const { return capacity_; }
  std::size_t headroom() const { return head_; }
  std::size_t tailroom() const { return capacity_ - tail_; }

  // Grows the front by n bytes and returns the new front. n <= headroom().
  std::uint8_t* prepend(std::size_t n) {
    assert(n <= head_);
    head_ -= n;
    return data();
  }
  // Grows the back by n bytes and returns a pointer to them. n <= tailroom().
  std::uint8_t* append(std::size_t n) {
    assert(n <= tailroom());
    std::uint8_t* p = storage_.get() + tail_;
    tail_ += n;
    return p;
  }
  // Appends a copy of b; returns false (buffer unchanged) if it does not fit.
  bool append(Bytes b);
  // Drops n bytes from the front (a header that has been parsed).
  void trim_front(std::size_t n) {
    assert(n <= size());
    head_ += n;
  }
  void truncate(std::size_t new_size) {
    assert(new_size <= size());
    tail_ = head_ + new_size;
  }
  // Empties the buffer and reserves `headroom` bytes in front.
  void reset(std::size_t headroom = kDefaultHeadroom) {
    assert(headroom <= capacity_);
    head_ = tail_ = headroom;
    csum_start_ = 0;
  }

  // Checksum offload (ChecksumMode::kPartial, base/checksum.hpp): the
  // transport header starting `start` bytes after data() carries a partial
  // checksum in its field at `field`; whoever sends the bytes completes it
  // or asks the device to. Positions survive prepend() of lower headers.
  struct PartialChecksum {
    std::size_t start;  // from data()
    std::uint16_t field;
  };
  void set_partial_checksum(std::size_t start, std::uint16_t field) {
    csum_start_ = head_ + start + 1;
    csum_field_ = field;
  }
  bool has_partial_checksum() const { return csum_start_ != 0; }
  PartialChecksum partial_checksum() const {
    assert(has_partial_checksum() && csum_start_ - 1 >= head_);
    return {csum_start_ - 1 - head_, csum_field_};
  }
  // Completes the partial checksum in place (complete_partial_checksum).
  void complete_checksum();

 private:
  std::unique_ptr<std::uint8_t[]> storage_;
  std::size_t capacity_;
  std::size_t head_;
  std::size_t tail_;
  std::size_t csum_start_ = 0;  // 1 + absolute offset of the transport header; 0: none
  std::uint16_t csum_field_ = 0;
};

// Returns a buffer to its pool when the handle is destroyed.
struct PoolReturn {
  BufferPool* pool = nullptr;
  void operator()(PacketBuffer* b) const;
};
using PacketRef = std::unique_ptr<PacketBuffer, PoolReturn>;

// A free list of equally sized buffers. Buffers are allocated lazily up to
// `max_buffers`; acquire() then fails (returns null, counted) instead of
// growing without bound. The pool must outlive every buffer it handed out.
class BufferPool {
 public:
  BufferPool(std::size_t buffer_capacity, std::size_t max_buffers);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // A reset buffer with the default headroom, or null when exhausted.
  PacketRef acquire();
  // acquire() when `bytes` fit behind the default headroom; null otherwise
  // (not counted as exhaustion: no buffer of this pool could hold them).
  PacketRef acquire_for(std::size_t bytes);
  // The most bytes a buffer holds behind the default headroom.
  std::size_t room() const { return buffer_capacity_ - PacketBuffer::kDefaultHeadroom; }

  std::size_t buffer_capacity() const { return buffer_capacity_; }
  std::size_t outstanding() const { return outstanding_; }
  std::size_t allocated() const { return allocated_; }
  std::size_t exhausted_count() const { return exhausted_; }

 private:
  friend struct PoolReturn;
  void release(PacketBuffer* b);

  std::size_t buffer_capacity_;
  std::size_t max_buffers_;
  std::vector<std::unique_ptr<PacketBuffer>> free_;
  std::size_t outstanding_ = 0;
  std::size_t allocated_ = 0;
  std::size_t exhausted_ = 0;
};

// Buffers in size classes, so a 64-byte ACK does not take a 64 KiB buffer
// and a 64 KiB segment still has one: one BufferPool per class, and a
// request is served by the smallest class whose buffers hold it. A class
// that is exhausted does not borrow from a larger one, so each class's
// limit bounds its memory on its own.
class PacketPools {
 public:
  struct Class {
    std::size_t capacity;     // bytes per buffer, headroom included
    std::size_t max_buffers;  // that class's limit
  };
  // `classes` in increasing capacity.
  explicit PacketPools(std::initializer_list<Class> classes);
  PacketPools(const PacketPools&) = delete;
  PacketPools& operator=(const PacketPools&) = delete;

  // A reset buffer with the default headroom and at least `bytes` of
  // tailroom; null when that class is exhausted (counted) or when no class
  // is large enough (counted in too_large_count()).
  PacketRef acquire_for(std::size_t bytes);
  // The most bytes any buffer holds behind the default headroom.
  std::size_t largest_room() const { return pools_.back()->room(); }

  std::size_t class_count() const { return pools_.size(); }
  const BufferPool& pool(std::size_t i) const { return *pools_.at(i); }
  // Totals over the classes.
  std::size_t outstanding() const;
  std::size_t allocated() const;
  std::size_t exhausted_count() const;
  std::size_t too_large_count() const { return too_large_; }

 private:
  std::vector<std::unique_ptr<BufferPool>> pools_;  // a pool does not move: its buffers point at it
  std::size_t too_large_ = 0;
};

}  // namespace ws
