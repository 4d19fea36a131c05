#include "tcp/delivery_rate.hpp"

#include <algorithm>

namespace ws::tcp {

DeliverySnapshot DeliveryRate::on_send(Instant now, bool idle) {
  // The draft's OnPacketSent(): after an idle period both intervals start now.
  if (idle) {
    first_sent_time_ = now;
    delivered_time_ = now;
  }
  return DeliverySnapshot{delivered_, delivered_time_, first_sent_time_, app_limited_until_ != 0};
}

void DeliveryRate::begin_ack() {
  has_sample_ = false;
  rs_ = RateSample{};
}

void DeliveryRate::on_delivered(const DeliverySnapshot& snap, Instant sent, std::uint64_t order, std::uint32_t len,
                                Instant now) {
  // The draft's UpdateRateSample(P).
  delivered_ += len;
  delivered_time_ = now;
  // The most recently sent of the segments this ACK delivered decides the
  // sample: its snapshot is the newest (the draft's "is newest packet").
  if (has_sample_ && order < order_) return;
  has_sample_ = true;
  order_ = order;
  rs_.prior_delivered = snap.delivered;
  rs_.app_limited = snap.app_limited;
  send_elapsed_ = sent - snap.first_sent_time;
  ack_elapsed_ = delivered_time_ - snap.delivered_time;
  first_sent_time_ = sent;
}

std::optional<RateSample> DeliveryRate::end_ack(Duration min_rtt) {
  // The draft's GenerateRateSample(): an app-limited stretch ends once the
  // data sent in it is delivered.
  if (app_limited_until_ != 0 && delivered_ > app_limited_until_) app_limited_until_ = 0;
  if (!has_sample_) return std::nullopt;
  rs_.delivered = delivered_ - rs_.prior_delivered;
  // The longer interval: the ACKs may come back compressed (ack_elapsed
  // short) or the data may have left in a burst (send_elapsed short); the
  // slower side bounds what the path really did.
  rs_.interval = std::max(send_elapsed_, ack_elapsed_);
  // Shorter than the minimum RTT: ACK compression, or the early ACK of a
  // spurious retransmission — the sample keeps its counts but no rate.
  if (rs_.interval < min_rtt) rs_.interval = Duration{};
  return rs_;
}

void DeliveryRate::mark_app_limited(std::uint32_t pipe) {
  app_limited_until_ = std::max<std::uint64_t>(delivered_ + pipe, 1);
}

}  // namespace ws::tcp
