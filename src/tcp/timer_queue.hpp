// TimerQueue: one per host, it finds the earliest deadline among many
// connections without scanning them (docs/principles.md "Timers as data").
//
// Each id (a connection) has at most one deadline — its TimerSet's
// next_deadline(). A binary min-heap holds (deadline, stamp, id) entries
// with lazy deletion: rescheduling pushes a new entry and invalidates the
// old one by stamp; stale entries are skipped when they reach the top, and
// the heap is rebuilt from the live entries when stale ones outnumber them,
// so memory stays O(ids). Stamps increase monotonically, so entries with
// equal deadlines come out in scheduling order (deterministic runs).
//
// schedule/cancel: O(log n) amortized; next_deadline: O(1); pop_due: O(log n).
// Rescheduling a known id does not allocate once the heap has grown.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "base/time.hpp"

namespace ws::tcp {

using TimerId = std::uint32_t;

class TimerQueue {
 public:
  // Sets the id's deadline, replacing any earlier one; never() cancels.
  void schedule(TimerId id, Instant deadline);
  // Unarms the id (its slot is kept, so re-arming does not allocate).
  void cancel(TimerId id);
  // Forgets the id entirely (the connection is gone).
  void remove(TimerId id);

  bool scheduled(TimerId id) const;
  Instant deadline(TimerId id) const;  // never() when not scheduled

  // The earliest deadline of all, or never().
  Instant next_deadline() const {
    return heap_.empty() ? Instant::never() : heap_.front().deadline;
  }

  // The id with the earliest deadline <= now, unarmed; nullopt when none is
  // due. Call until nullopt to collect every due id, earliest first.
  std::optional<TimerId> pop_due(Instant now);

  std::size_t size() const { return live_; }              // scheduled ids
  std::size_t heap_size() const { return heap_.size(); }  // entries, stale included

 private:
  struct Entry {
    Instant deadline;
    std::uint64_t stamp;
    TimerId id;
  };
  struct Slot {
    Instant deadline = Instant::never();
    std::uint64_t stamp = 0;  // of the live entry; 0 = none
  };
  // std::*_heap build a max-heap: "a after b" puts the earliest on top.
  static bool later(const Entry& a, const Entry& b) {
    return a.deadline != b.deadline ? a.deadline > b.deadline : a.stamp > b.stamp;
  }

  bool is_live(const Entry& e) const;
  void unset(Slot& slot);
  // Pops stale entries off the top, so that front() is always live.
  void prune();
  // Rebuilds the heap from live slots when stale entries dominate.
  void maybe_compact();

  std::vector<Entry> heap_;
  std::unordered_map<TimerId, Slot> slots_;
  std::uint64_t next_stamp_ = 1;
  std::size_t live_ = 0;
};

}  // namespace ws::tcp
