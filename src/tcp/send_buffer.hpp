// SendBuffer: the bytes the application wrote that the peer has not yet
// acknowledged (seed 000: data waits in the TCP send buffer until the peer's
// ACK says it arrived; only then is it released, and a timeout resends it).
//
// It is addressed by sequence number (RFC 9293 §3.3.1): its first byte is
// SND.UNA's data byte, and a segment starting anywhere in
// [una(), data_end()] is built with view()/peek() — a first transmission
// from SND.NXT or a retransmission from SND.UNA alike. SND.NXT itself is the
// connection's: it moves back on a timeout (RFC 9293 §3.8.1) and covers the
// SYN, which this buffer never holds.
//
// close() queues a FIN, which occupies the sequence number right after the
// last data byte (RFC 9293 §3.6: "FIN ... after all preceding data").
//
// Bounded by capacity() (SO_SNDBUF, changeable); write() takes what fits.
// Storage is a ring (ByteRing): no per-byte work, no allocation per write
// once the buffer has reached its working size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "tcp/byte_ring.hpp"
#include "wire/seq_num.hpp"

namespace ws::tcp {

class SendBuffer {
 public:
  // Sequence arithmetic needs every buffered offset well inside 2^31
  // (RFC 9293 §3.4; the largest scaled window is 2^30, RFC 7323 §2.3).
  static constexpr std::size_t kMaxCapacity = std::size_t{1} << 30;

  // `start` is the sequence number of the first data byte: ISS + 1.
  explicit SendBuffer(std::size_t capacity, SeqNum start = SeqNum{});

  // Empties the buffer (data and FIN) and renumbers it from `start`.
  void reset(SeqNum start);

  // Appends what fits: returns min(data.size(), free_space()). After
  // close() nothing is accepted.
  std::size_t write(Bytes data);

  // Queues the FIN after all data written so far. Returns false (and does
  // nothing) when it was already queued.
  bool close();

  // Processes a cumulative acknowledgment (SEG.ACK): releases the data
  // before `ack` and returns how many bytes that was. Old or duplicate ACKs
  // release nothing. The caller validates SEG.ACK <= SND.NXT first (RFC
  // 9293 §3.10.7.4); an ACK past everything buffered releases all of it
  // and, when a FIN is queued, acknowledges the FIN.
  std::size_t ack(SeqNum ack);

  // The buffered data from `from` on, up to `max` bytes, without copying.
  // Empty when `from` is outside [una(), data_end()].
  ByteSpans view(SeqNum from, std::size_t max) const;
  // The same bytes copied to `out` (up to out.size()); returns the count.
  std::size_t peek(SeqNum from, MutBytes out) const;
  // Data bytes buffered from `from` to data_end() (0 outside the buffer):
  // with from = SND.NXT, what is still unsent.
  std::size_t bytes_from(SeqNum from) const;

  // The oldest unacknowledged sequence number: SND.UNA as far as data and
  // FIN go (past the FIN once it is acknowledged).
  SeqNum una() const { return fin_acked_ ? data_end() + 1 : una_; }
  // The sequence number just past the last data byte (where a FIN goes).
  SeqNum data_end() const { return una_ + static_cast<std::uint32_t>(buffered_); }
  // Just past everything there is to send, FIN included: SND.NXT's limit.
  SeqNum end() const { return data_end() + (fin_queued_ ? 1 : 0); }
  // The FIN's sequence number, once queued.
  std::optional<SeqNum> fin_seq() const;
  bool fin_queued() const { return fin_queued_; }
  bool fin_acked() const { return fin_acked_; }

  std::size_t bytes_buffered() const { return buffered_; }
  std::size_t free_space() const;
  bool empty() const { return buffered_ == 0; }

  std::size_t capacity() const { return capacity_; }
  // SO_SNDBUF. Clamped to [1, kMaxCapacity]. Shrinking below what is
  // buffered keeps the data (it was accepted) and accepts nothing more until
  // acknowledgments bring it under the new capacity.
  void set_capacity(std::size_t capacity);
  // Bytes of storage currently allocated (<= max(capacity, buffered)).
  std::size_t allocated() const { return ring_.allocated(); }

 private:
  // Offset of `seq` from una_ when it lies in [una_, data_end()].
  std::optional<std::size_t> offset_of(SeqNum seq) const;

  ByteRing ring_;
  std::size_t capacity_;
  std::size_t buffered_ = 0;
  SeqNum una_;
  bool fin_queued_ = false;
  bool fin_acked_ = false;
};

}  // namespace ws::tcp
