// DeliveryRate: delivery-rate estimation as draft-cheng-iccrg-delivery-rate-
// estimation describes it (docs/architecture.md "Delivery rate, pacing and BBR"). Every
// transmission of a segment takes a snapshot of the connection's delivery
// state; when the segment is delivered (cumulatively ACKed or SACKed), the
// bytes delivered since that snapshot, over the longer of the send and the
// ACK intervals, are one sample of the rate at which the path delivers.
//
// The sender calls, for one ACK: begin_ack(), on_delivered() for each newly
// delivered segment, then end_ack(), which yields the ACK's rate sample.
// When it runs out of data to send (not of window), mark_app_limited()
// tags the samples of the next round trip as application-limited: they
// say how fast the application was, not the path. Time is passed in.
#pragma once

#include <cstdint>
#include <optional>

#include "base/time.hpp"

namespace ws::tcp {

// The connection's delivery state when a segment left (the draft's
// P.delivered, P.delivered_time, P.first_sent_time, P.is_app_limited).
struct DeliverySnapshot {
  std::uint64_t delivered = 0;
  Instant delivered_time;
  Instant first_sent_time;
  bool app_limited = false;
};

// One ACK's sample (the draft's rs): `delivered` bytes over `interval`.
struct RateSample {
  std::uint64_t delivered = 0;
  std::uint64_t prior_delivered = 0;  // C.delivered when the sampled segment left
  Duration interval;                  // max(send_elapsed, ack_elapsed)
  bool app_limited = false;
  // Bytes per second; 0 when the interval is empty.
  std::uint64_t rate() const {
    if (interval <= Duration{}) return 0;
    return static_cast<std::uint64_t>(static_cast<double>(delivered) * 1e9 /
                                      static_cast<double>(interval.total_nanos()));
  }
};

class DeliveryRate {
 public:
  // A segment leaves at `now`; `idle`: nothing was in flight before it (the
  // draft's "SND.NXT == SND.UNA"), so the intervals start afresh.
  DeliverySnapshot on_send(Instant now, bool idle);

  void begin_ack();
  // A segment of `len` bytes, last sent at `sent` as the `order`-th
  // transmission, snapshot `snap`, is delivered at `now`.
  void on_delivered(const DeliverySnapshot& snap, Instant sent, std::uint64_t order, std::uint32_t len, Instant now);
  // The ACK's sample; nullopt when it delivered nothing. An interval
  // shorter than `min_rtt` (ACK compression, or a spurious
  // retransmission's early ACK: the draft discards the rate) is zero, and
  // the sample's rate() with it; its counts still mark round trips.
  std::optional<RateSample> end_ack(Duration min_rtt);

  // The draft's CheckIfApplicationLimited(): the sender has less than a
  // segment to send, cwnd is not full, and nothing waits to be resent.
  void mark_app_limited(std::uint32_t pipe);

  std::uint64_t delivered() const { return delivered_; }
  bool app_limited() const { return app_limited_until_ != 0; }

 private:
  std::uint64_t delivered_ = 0;         // C.delivered: bytes delivered so far
  Instant delivered_time_;              // C.delivered_time
  Instant first_sent_time_;             // C.first_sent_time
  std::uint64_t app_limited_until_ = 0; // C.app_limited: 0, or the delivered count that ends it
  // This ACK's sample being built (the draft's rs).
  bool has_sample_ = false;
  std::uint64_t order_ = 0;             // the sampled segment's transmission order
  RateSample rs_;
  Duration send_elapsed_;
  Duration ack_elapsed_;
};

}  // namespace ws::tcp
