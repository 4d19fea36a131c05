#include "base/packet_buffer.hpp"

#include <cstring>

#include "base/checksum.hpp"

namespace ws {

PacketBuffer::PacketBuffer(std::size_t capacity, std::size_t headroom)
    : storage_(new std::uint8_t[capacity]), capacity_(capacity), head_(headroom), tail_(headroom) {
  assert(headroom <= capacity);
}

bool PacketBuffer::append(Bytes b) {
  if (b.size() > tailroom()) return false;
  if (!b.empty()) std::memcpy(append(b.size()), b.data(), b.size());
  return true;
}

void PacketBuffer::complete_checksum() {
  if (!has_partial_checksum()) return;
  const PartialChecksum c = partial_checksum();
  complete_partial_checksum(bytes().subspan(c.start), c.field);
  csum_start_ = 0;
}

void PoolReturn::operator()(PacketBuffer* b) const {
  if (pool != nullptr) {
    pool->release(b);
  } else {
    delete b;
  }
}

BufferPool::BufferPool(std::size_t buffer_capacity, std::size_t max_buffers)
    : buffer_capacity_(buffer_capacity), max_buffers_(max_buffers) {
  free_.reserve(max_buffers);
}

BufferPool::~BufferPool() { assert(outstanding_ == 0 && "a PacketRef outlived its BufferPool"); }

PacketRef BufferPool::acquire() {
  PacketBuffer* b = nullptr;
  if (!free_.empty()) {
    b = free_.back().release();
    free_.pop_back();
  } else if (allocated_ < max_buffers_) {
    b = new PacketBuffer(buffer_capacity_);
    ++allocated_;
  } else {
    ++exhausted_;
    return PacketRef(nullptr, PoolReturn{this});
  }
  b->reset();
  ++outstanding_;
  return PacketRef(b, PoolReturn{this});
}

PacketRef BufferPool::acquire_for(std::size_t bytes) {
  if (bytes > room()) return PacketRef(nullptr, PoolReturn{this});
  return acquire();
}

void BufferPool::release(PacketBuffer* b) {
  --outstanding_;
  // free_ has capacity max_buffers_ reserved: push_back does not allocate.
  free_.emplace_back(b);
}

PacketPools::PacketPools(std::initializer_list<Class> classes) {
  assert(classes.size() > 0);
  for (const Class& c : classes) {
    assert(pools_.empty() || c.capacity > pools_.back()->buffer_capacity());
    pools_.push_back(std::make_unique<BufferPool>(c.capacity, c.max_buffers));
  }
}

PacketRef PacketPools::acquire_for(std::size_t bytes) {
  for (auto& p : pools_) {
    if (bytes <= p->room()) return p->acquire();
  }
  ++too_large_;
  return PacketRef(nullptr, PoolReturn{});
}

std::size_t PacketPools::outstanding() const {
  std::size_t n = 0;
  for (const auto& p : pools_) n += p->outstanding();
  return n;
}

std::size_t PacketPools::allocated() const {
  std::size_t n = 0;
  for (const auto& p : pools_) n += p->allocated();
  return n;
}

std::size_t PacketPools::exhausted_count() const {
  std::size_t n = 0;
  for (const auto& p : pools_) n += p->exhausted_count();
  return n;
}

}  // namespace ws
