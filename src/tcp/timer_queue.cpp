#include "tcp/timer_queue.hpp"

#include <algorithm>

namespace ws::tcp {

namespace {

// Rebuild once stale entries exceed live ones by this much: small queues
// never bother, large ones stay within about twice their live size.
constexpr std::size_t kCompactSlack = 64;

}  // namespace

bool TimerQueue::is_live(const Entry& e) const {
  const auto it = slots_.find(e.id);
  return it != slots_.end() && it->second.stamp == e.stamp;
}

void TimerQueue::unset(Slot& slot) {
  if (slot.stamp != 0) --live_;
  slot.stamp = 0;
  slot.deadline = Instant::never();
}

void TimerQueue::schedule(TimerId id, Instant deadline) {
  if (deadline == Instant::never()) {
    cancel(id);
    return;
  }
  Slot& slot = slots_[id];
  if (slot.stamp != 0 && slot.deadline == deadline) return;  // unchanged: no new entry
  if (slot.stamp == 0) ++live_;
  slot.deadline = deadline;
  slot.stamp = next_stamp_++;
  heap_.push_back(Entry{deadline, slot.stamp, id});
  std::push_heap(heap_.begin(), heap_.end(), later);
  prune();  // the entry this one replaced may have been on top
  maybe_compact();
}

void TimerQueue::cancel(TimerId id) {
  const auto it = slots_.find(id);
  if (it == slots_.end()) return;
  unset(it->second);
  prune();
  maybe_compact();
}

void TimerQueue::remove(TimerId id) {
  const auto it = slots_.find(id);
  if (it == slots_.end()) return;
  unset(it->second);
  slots_.erase(it);
  prune();
  maybe_compact();
}

bool TimerQueue::scheduled(TimerId id) const {
  const auto it = slots_.find(id);
  return it != slots_.end() && it->second.stamp != 0;
}

Instant TimerQueue::deadline(TimerId id) const {
  const auto it = slots_.find(id);
  return it == slots_.end() ? Instant::never() : it->second.deadline;
}

std::optional<TimerId> TimerQueue::pop_due(Instant now) {
  if (heap_.empty() || heap_.front().deadline > now) return std::nullopt;
  const TimerId id = heap_.front().id;
  std::pop_heap(heap_.begin(), heap_.end(), later);
  heap_.pop_back();
  unset(slots_.find(id)->second);  // the top is live: prune() keeps it so
  prune();
  return id;
}

void TimerQueue::prune() {
  while (!heap_.empty() && !is_live(heap_.front())) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.pop_back();
  }
}

void TimerQueue::maybe_compact() {
  if (heap_.size() <= 2 * live_ + kCompactSlack) return;
  // Filter the heap itself (not slots_, which may hold many unarmed ids):
  // O(heap size), paid for by the more than live_ + kCompactSlack stale
  // entries it drops.
  std::erase_if(heap_, [this](const Entry& e) { return !is_live(e); });
  std::make_heap(heap_.begin(), heap_.end(), later);
}

}  // namespace ws::tcp
