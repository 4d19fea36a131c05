#include "tcp/send_buffer.hpp"

#include <algorithm>

namespace ws::tcp {

namespace {

std::size_t clamp_capacity(std::size_t capacity) {
  return std::clamp<std::size_t>(capacity, 1, SendBuffer::kMaxCapacity);
}

}  // namespace

SendBuffer::SendBuffer(std::size_t capacity, SeqNum start)
    : ring_(clamp_capacity(capacity)), capacity_(clamp_capacity(capacity)), una_(start) {}

void SendBuffer::reset(SeqNum start) {
  ring_.advance(buffered_);
  buffered_ = 0;
  una_ = start;
  fin_queued_ = false;
  fin_acked_ = false;
}

std::size_t SendBuffer::free_space() const {
  if (fin_queued_) return 0;
  return capacity_ > buffered_ ? capacity_ - buffered_ : 0;
}

std::size_t SendBuffer::write(Bytes data) {
  const std::size_t n = std::min(data.size(), free_space());
  if (n == 0) return 0;
  ring_.reserve(buffered_ + n, buffered_);
  ring_.write(buffered_, data.first(n));
  buffered_ += n;
  return n;
}

bool SendBuffer::close() {
  if (fin_queued_) return false;
  fin_queued_ = true;
  return true;
}

std::size_t SendBuffer::ack(SeqNum ack) {
  if (fin_acked_) return 0;
  const std::int32_t advance = ack - una_;
  if (advance <= 0) return 0;  // old or duplicate (RFC 9293 §3.10.7.4: ignore)
  const std::size_t released = std::min(static_cast<std::size_t>(advance), buffered_);
  ring_.advance(released);
  buffered_ -= released;
  una_ += static_cast<std::uint32_t>(released);
  // A shrunken capacity gives its memory back once the data fits under it
  // (one reallocation, not one per ACK).
  if (ring_.limit() > capacity_ && buffered_ <= capacity_) ring_.set_limit(capacity_, buffered_);
  // The FIN is acknowledged by an ACK one past the last data byte.
  if (fin_queued_ && static_cast<std::size_t>(advance) > released) fin_acked_ = true;
  return released;
}

std::optional<std::size_t> SendBuffer::offset_of(SeqNum seq) const {
  const std::int32_t off = seq - una_;
  if (off < 0 || static_cast<std::size_t>(off) > buffered_) return std::nullopt;
  return static_cast<std::size_t>(off);
}

ByteSpans SendBuffer::view(SeqNum from, std::size_t max) const {
  const auto off = offset_of(from);
  if (!off) return {};
  return ring_.spans(*off, std::min(max, buffered_ - *off));
}

std::size_t SendBuffer::peek(SeqNum from, MutBytes out) const {
  return view(from, out.size()).copy_to(out);
}

std::size_t SendBuffer::bytes_from(SeqNum from) const {
  const auto off = offset_of(from);
  return off ? buffered_ - *off : 0;
}

std::optional<SeqNum> SendBuffer::fin_seq() const {
  if (!fin_queued_) return std::nullopt;
  return data_end();
}

void SendBuffer::set_capacity(std::size_t capacity) {
  capacity_ = clamp_capacity(capacity);
  ring_.set_limit(std::max(capacity_, buffered_), buffered_);
}

}  // namespace ws::tcp
