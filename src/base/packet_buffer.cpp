#include "base/packet_buffer.hpp"

#include <cstring>

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

void BufferPool::release(PacketBuffer* b) {
  --outstanding_;
  // free_ has capacity max_buffers_ reserved: push_back does not allocate.
  free_.emplace_back(b);
}

}  // namespace ws
