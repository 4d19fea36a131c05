// The deterministic network simulator (docs/principles.md "Time is a value"): a
// virtual clock and one event queue; the whole network runs on the
// caller's thread and the clock jumps from one event to the next, so an
// hour of keepalives takes milliseconds and a seed replays a run byte for
// byte.
//
//   Simulation sim(42);
//   auto& a = sim.add_node<MyNode>("a");
//   auto& sw = sim.add_node<Switch>(SwitchConfig{.name = "sw", .ports = 4});
//   sim.connect(a, 0, sw, 0, LinkConfig::with_delay(Duration::millis(1)));
//   sim.add_capture(sw, 0, pcap);                    // tcpdump on sw port 0
//   sim.schedule(Instant::zero() + Duration::seconds(1), [&] {
//     a.send_ping();                                  // app-side change ...
//     sim.kick(a);                                    // ... so drain a now
//   });
//   sim.run_for(Duration::seconds(10));
//
// Events are callbacks (schedule), node wake-ups (at node.poll_at()) and
// frame arrivals. Events at the same instant run in the order they were
// scheduled (FIFO). After every deliver() or poll() of a node — and on
// kick() — the simulator drains the node's frames onto the links of their
// ports and re-arms its wake-up. Nothing here reads a clock, sleeps or
// starts a thread, and every random choice (all link faults) draws from the
// one Rng seeded by the constructor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "base/log.hpp"
#include "base/ring_deque.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "link/pcap.hpp"
#include "sim/link.hpp"
#include "sim/node.hpp"

namespace ws::sim {

// Which frames of a port a capture records.
enum class CaptureDir : std::uint8_t {
  kBoth,      // like tcpdump on an interface: what the node sends and what it receives
  kSent,      // as the node emitted them, before any link fault (even if later lost)
  kReceived,  // as they reach the node, after corruption; copies appear twice
};

struct SimStats {
  std::uint64_t events = 0;             // live events run (callbacks, wake-ups, arrivals)
  std::uint64_t polls = 0;              // Node::poll() calls
  std::uint64_t deliveries = 0;         // Node::deliver() calls
  std::uint64_t frames_drained = 0;     // frames taken from nodes
  std::uint64_t unconnected_drops = 0;  // frames for a port with no link (or no such port)
  std::uint64_t stale_wakeups = 0;      // superseded wake-ups discarded
  std::uint64_t early_wakeups = 0;      // wake-ups that found the deadline moved later
  std::uint64_t stuck_polls = 0;        // see kMaxPollsPerInstant
  std::uint64_t compactions = 0;        // event-queue rebuilds that removed stale wake-ups
};

class Simulation {
 public:
  // A node still due after this many polls at one instant is misbehaving
  // (poll() does not advance poll_at()); it is next polled 1 ns later, and
  // counted, instead of livelocking the run.
  static constexpr std::uint32_t kMaxPollsPerInstant = 1000;

  explicit Simulation(std::uint64_t seed);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  Instant now() const { return now_; }
  std::uint64_t seed() const { return seed_; }
  // The one generator of this run. Apps may draw from it too (their draws
  // then become part of the replay).
  Rng& rng() { return rng_; }
  // Drops are logged at debug level with their reason. Default: warn, stderr.
  Logger& logger() { return logger_; }
  const SimStats& stats() const { return stats_; }

  // ---- nodes (owned by the simulation; references stay valid) ----------
  template <class T, class... A>
  T& add_node(A&&... args) {
    auto owned = std::make_unique<T>(std::forward<A>(args)...);
    T& ref = *owned;
    add_node(std::unique_ptr<Node>(std::move(owned)));
    return ref;
  }
  // Arms the node's first wake-up. Frames it already holds are sent at its
  // first kick/deliver/poll, so connect it first. The node's port_count()
  // may grow later (ports are looked up when connected or used). Throws
  // std::invalid_argument for a null or already added node.
  Node& add_node(std::unique_ptr<Node> node);
  std::size_t node_count() const { return nodes_.size(); }
  Node& node(std::size_t index) { return *nodes_.at(index).node; }
  Node* find_node(std::string_view name);

  // ---- links -----------------------------------------------------------
  // Cables (node_a, port_a) to (node_b, port_b): `ab` configures frames
  // from a to b, `ba` the way back. Throws std::invalid_argument when a
  // node is not in this simulation, a port is out of range or already
  // connected, or both ends are the same port.
  Link& connect(Node& a, std::size_t port_a, Node& b, std::size_t port_b,
                const LinkConfig& both = {});
  Link& connect(Node& a, std::size_t port_a, Node& b, std::size_t port_b, const LinkConfig& ab,
                const LinkConfig& ba);
  // The link on a port, or null.
  Link* link_at(const Node& node, std::size_t port);
  // The lowest port of `node` without a link, if any (for topology builders).
  std::optional<std::size_t> free_port(const Node& node) const;
  std::size_t link_count() const { return links_.size(); }
  Link& link(std::size_t index) { return *links_.at(index); }

  // ---- capture ---------------------------------------------------------
  // Records frames of (node, port) into `writer`, stamped with virtual
  // time: sent frames when the node emits them (the bytes it produced,
  // before loss or corruption; also for an unconnected port), received
  // frames when they are delivered (the bytes the node gets, after
  // corruption). To see what a cable actually carried from a to b, capture
  // b's port with kReceived. One writer may serve several ports (a merged
  // capture). The writer is not owned and must outlive every run call.
  // Throws std::invalid_argument for an unknown node or port.
  void add_capture(Node& node, std::size_t port, PcapWriter& writer,
                   CaptureDir dir = CaptureDir::kBoth);
  // The same frames, handed to a function as they happen (traces, the demo's
  // printout): `sent` tells the direction. Called synchronously, in event
  // order, interleaved with whatever the nodes do (e.g. TCP state changes).
  using FrameObserver = std::function<void(Instant at, Bytes frame, bool sent)>;
  void add_observer(Node& node, std::size_t port, FrameObserver observer,
                    CaptureDir dir = CaptureDir::kBoth);

  // ---- driving ---------------------------------------------------------
  // Runs `fn` at `at` (an instant in the past means now), after the events
  // already scheduled for that instant. `fn` may schedule, kick, connect,
  // reconfigure links — anything but run the simulation re-entrantly
  // (step/run_* from inside an event throw std::logic_error).
  void schedule(Instant at, std::function<void()> fn);
  void schedule_in(Duration after, std::function<void()> fn) {
    schedule(now_ + after, std::move(fn));
  }
  // Call after changing a node from outside (an app sent data): drains its
  // frames now and re-arms its wake-up. Throws for an unknown node.
  void kick(Node& node);

  // Runs one event; false when none is left.
  bool step();
  // Runs every event due at or before `t`, then sets the clock to `t`.
  void run_until(Instant t);
  void run_for(Duration d) { run_until(now_ + d); }
  // Runs events due at or before `limit` until none are left: true when
  // the network went idle (the clock stays at the last event), false when
  // events remain after `limit` (the clock is then set to `limit`).
  bool run_until_idle(Instant limit);
  // When the next event is due; Instant::never() when there is none.
  Instant next_event_at();
  // Events scheduled and not yet run (superseded wake-ups not counted).
  std::size_t pending_events() const { return heap_.size() + now_queue_.size() - stale_; }

 private:
  struct Capture {
    PcapWriter* writer;  // or, when null, the observer
    FrameObserver observer;
    CaptureDir dir;
  };
  struct PortSlot {
    Link* link = nullptr;
    Dir dir = Dir::kAtoB;  // the direction frames sent from this port travel
    std::uint32_t peer_node = 0;
    std::size_t peer_port = 0;
    std::vector<Capture> captures;
  };
  struct NodeSlot {
    std::unique_ptr<Node> node;
    std::vector<PortSlot> ports;
    // The pending wake-up: its time and generation. A wake-up event whose
    // generation differs is stale and skipped.
    Instant armed_at = Instant::never();
    std::uint64_t gen = 0;
    Instant last_poll = Instant::never();
    std::uint32_t polls_at_instant = 0;
  };

  struct CallbackEv {
    std::function<void()> fn;
  };
  struct WakeEv {
    std::uint32_t node;
    std::uint64_t gen;
  };
  struct ArrivalEv {
    Link* link;
    Dir dir;
    std::uint32_t node;
    std::size_t port;
    Frame frame;
  };
  struct Event {
    Instant at;
    std::uint64_t seq;  // insertion order: FIFO among equal instants
    std::variant<CallbackEv, WakeEv, ArrivalEv> what;
  };
  // Heap order: the root is the earliest (at, seq).
  static bool later(const Event& x, const Event& y) {
    return x.at != y.at ? x.at > y.at : x.seq > y.seq;
  }

  class RunGuard;

  std::uint32_t index_of(const Node& node) const;
  std::vector<PortSlot>& ports_of(std::uint32_t idx);
  void push(Instant at, std::variant<CallbackEv, WakeEv, ArrivalEv> what);
  Event pop();
  // The earliest pending event (after dropping stale wake-ups); nullptr if none.
  const Event* top();
  bool is_stale(const Event& e) const;
  void drop_stale_top();
  void compact_if_needed();
  void run_event(Event e);
  void on_wake(const WakeEv& w);
  void on_arrival(ArrivalEv& a);
  // After any activity of a node: send its frames, re-arm its wake-up.
  void settle(std::uint32_t idx);
  void drain(std::uint32_t idx);
  void arm(std::uint32_t idx, Instant not_before);
  void record(const PortSlot& port, Bytes frame, bool sent);

  std::uint64_t seed_;
  Rng rng_;
  Logger logger_;
  Instant now_ = Instant::zero();
  bool running_ = false;
  std::uint64_t next_seq_ = 0;
  // Arrivals in heap_ hold frames whose buffers belong to their senders'
  // pools: ~Simulation() empties it before nodes_ (declared later, so
  // destroyed earlier) takes the pools away.
  std::vector<Event> heap_;
  std::size_t stale_ = 0;  // stale wake-ups still in heap_
  // Frames and callbacks for the current instant (an ideal link delivers
  // at once), in push order: they skip the heap's O(log n) sifts. Every
  // entry's (at, seq) is below any later push's, so taking the smaller of
  // the two fronts pops events in exactly the heap's order. Wake-ups
  // always go to the heap (their staleness is counted there).
  RingDeque<Event> now_queue_;
  std::vector<NodeSlot> nodes_;
  // Lookup only; never iterated (pointer order would differ between runs).
  std::unordered_map<const Node*, std::uint32_t> index_;
  std::vector<std::unique_ptr<Link>> links_;
  // Reused buffers so the steady state does not allocate per event.
  std::vector<OutFrame> out_scratch_;
  std::vector<Link::Arrival> arrivals_scratch_;
  SimStats stats_;
};

}  // namespace ws::sim
