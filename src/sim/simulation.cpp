#include "sim/simulation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ws::sim {

namespace {

// Below this many stale wake-ups the heap is left alone: they cost a pop
// each, which is cheaper than rebuilding a small heap.
constexpr std::size_t kCompactMin = 1024;

}  // namespace

Simulation::Simulation(std::uint64_t seed) : seed_(seed), rng_(seed) {}

Simulation::~Simulation() {
  // A frame sent by a host holds a buffer of that host's pool until it is
  // destroyed (sim/frame.hpp), and a pool must outlive its buffers
  // (base/packet_buffer.hpp). Members die in reverse declaration order,
  // which would take nodes_ (and the pools) before heap_: so the frames go
  // first — those in flight, those a node still holds for the next drain
  // (a switch's output queues), and the scratch vectors (empty between
  // events, cleared anyway). Nodes are drained first, in case a drain
  // schedules anything.
  std::vector<OutFrame> held;
  for (NodeSlot& s : nodes_) s.node->drain(held);
  held.clear();
  heap_.clear();
  now_queue_.clear();
  out_scratch_.clear();
  arrivals_scratch_.clear();
}

// ---- nodes and links ------------------------------------------------------

Node& Simulation::add_node(std::unique_ptr<Node> node) {
  if (node == nullptr) throw std::invalid_argument("Simulation::add_node: null node");
  if (index_.count(node.get()) != 0) {
    throw std::invalid_argument(fmt::format("Simulation::add_node: {} added twice", node->name()));
  }
  const auto idx = static_cast<std::uint32_t>(nodes_.size());
  NodeSlot slot;
  slot.ports.resize(node->port_count());
  slot.node = std::move(node);
  index_.emplace(slot.node.get(), idx);
  nodes_.push_back(std::move(slot));
  arm(idx, now_);
  return *nodes_.back().node;
}

Node* Simulation::find_node(std::string_view name) {
  for (auto& s : nodes_) {
    if (s.node->name() == name) return s.node.get();
  }
  return nullptr;
}

std::vector<Simulation::PortSlot>& Simulation::ports_of(std::uint32_t idx) {
  // A node may gain ports after it was added (a host gets an interface as
  // it is cabled), so the slots follow port_count() on demand.
  NodeSlot& s = nodes_[idx];
  const std::size_t n = s.node->port_count();
  if (s.ports.size() < n) s.ports.resize(n);
  return s.ports;
}

std::uint32_t Simulation::index_of(const Node& node) const {
  auto it = index_.find(&node);
  if (it == index_.end()) {
    throw std::invalid_argument(fmt::format("node {} is not in this simulation", node.name()));
  }
  return it->second;
}

Link& Simulation::connect(Node& a, std::size_t port_a, Node& b, std::size_t port_b,
                          const LinkConfig& both) {
  return connect(a, port_a, b, port_b, both, both);
}

Link& Simulation::connect(Node& a, std::size_t port_a, Node& b, std::size_t port_b,
                          const LinkConfig& ab, const LinkConfig& ba) {
  const std::uint32_t ia = index_of(a);
  const std::uint32_t ib = index_of(b);
  auto check = [&](std::uint32_t idx, std::size_t port) {
    const std::vector<PortSlot>& ports = ports_of(idx);
    const std::string& name = nodes_[idx].node->name();
    if (port >= ports.size()) {
      throw std::invalid_argument(
          fmt::format("connect: {} has no port {} (it has {})", name, port, ports.size()));
    }
    if (ports[port].link != nullptr) {
      throw std::invalid_argument(
          fmt::format("connect: {} port {} is already connected", name, port));
    }
  };
  check(ia, port_a);
  check(ib, port_b);
  if (ia == ib && port_a == port_b) {
    throw std::invalid_argument(fmt::format("connect: {} port {} to itself", a.name(), port_a));
  }
  links_.push_back(std::make_unique<Link>(LinkEnd{&a, port_a}, LinkEnd{&b, port_b}, ab, ba));
  Link* link = links_.back().get();
  PortSlot& pa = nodes_[ia].ports[port_a];
  pa.link = link;
  pa.dir = Dir::kAtoB;
  pa.peer_node = ib;
  pa.peer_port = port_b;
  PortSlot& pb = nodes_[ib].ports[port_b];
  pb.link = link;
  pb.dir = Dir::kBtoA;
  pb.peer_node = ia;
  pb.peer_port = port_a;
  return *link;
}

Link* Simulation::link_at(const Node& node, std::size_t port) {
  const NodeSlot& s = nodes_[index_of(node)];
  return port < s.ports.size() ? s.ports[port].link : nullptr;
}

std::optional<std::size_t> Simulation::free_port(const Node& node) const {
  const NodeSlot& s = nodes_[index_of(node)];
  for (std::size_t p = 0; p < node.port_count(); ++p) {
    if (p >= s.ports.size() || s.ports[p].link == nullptr) return p;
  }
  return std::nullopt;
}

void Simulation::add_capture(Node& node, std::size_t port, PcapWriter& writer, CaptureDir dir) {
  std::vector<PortSlot>& ports = ports_of(index_of(node));
  if (port >= ports.size()) {
    throw std::invalid_argument(fmt::format("add_capture: {} has no port {}", node.name(), port));
  }
  ports[port].captures.push_back(Capture{&writer, nullptr, dir});
}

void Simulation::add_observer(Node& node, std::size_t port, FrameObserver observer, CaptureDir dir) {
  std::vector<PortSlot>& ports = ports_of(index_of(node));
  if (port >= ports.size()) {
    throw std::invalid_argument(fmt::format("add_observer: {} has no port {}", node.name(), port));
  }
  ports[port].captures.push_back(Capture{nullptr, std::move(observer), dir});
}

void Simulation::record(const PortSlot& port, Bytes frame, bool sent) {
  for (const Capture& c : port.captures) {
    const bool wanted = c.dir == CaptureDir::kBoth ||
                        (sent ? c.dir == CaptureDir::kSent : c.dir == CaptureDir::kReceived);
    if (!wanted) continue;
    if (c.writer != nullptr) {
      c.writer->write(now_, frame);
    } else {
      c.observer(now_, frame, sent);
    }
  }
}

// ---- the event queue ------------------------------------------------------

void Simulation::push(Instant at, std::variant<CallbackEv, WakeEv, ArrivalEv> what) {
  // The clock never runs backwards: an event "in the past" runs now, after
  // what is already queued for now.
  at = std::max(at, now_);
  if (at == now_ && !std::holds_alternative<WakeEv>(what)) {
    now_queue_.push_back(Event{at, next_seq_++, std::move(what)});
    return;
  }
  heap_.push_back(Event{at, next_seq_++, std::move(what)});
  std::push_heap(heap_.begin(), heap_.end(), later);
}

const Simulation::Event* Simulation::top() {
  drop_stale_top();
  if (now_queue_.empty()) return heap_.empty() ? nullptr : &heap_.front();
  if (heap_.empty() || later(heap_.front(), now_queue_.front())) return &now_queue_.front();
  return &heap_.front();
}

Simulation::Event Simulation::pop() {
  if (!now_queue_.empty() && (heap_.empty() || later(heap_.front(), now_queue_.front()))) {
    Event e = std::move(now_queue_.front());
    now_queue_.pop_front();
    return e;
  }
  std::pop_heap(heap_.begin(), heap_.end(), later);
  Event e = std::move(heap_.back());
  heap_.pop_back();
  return e;
}

bool Simulation::is_stale(const Event& e) const {
  const auto* w = std::get_if<WakeEv>(&e.what);
  return w != nullptr && nodes_[w->node].gen != w->gen;
}

void Simulation::drop_stale_top() {
  while (!heap_.empty() && is_stale(heap_.front())) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.pop_back();
    --stale_;
    ++stats_.stale_wakeups;
  }
}

void Simulation::compact_if_needed() {
  // Superseded wake-ups are left in the heap (lazy deletion). If a node
  // keeps pulling its deadline earlier they could pile up, so once they are
  // both numerous and the majority, rebuild without them. (at, seq) is a
  // total order, so the rebuilt heap pops in exactly the same order.
  if (stale_ < kCompactMin || stale_ * 2 < heap_.size()) return;
  const std::size_t before = heap_.size();
  std::erase_if(heap_, [this](const Event& e) { return is_stale(e); });
  stats_.stale_wakeups += before - heap_.size();
  std::make_heap(heap_.begin(), heap_.end(), later);
  stale_ = 0;
  ++stats_.compactions;
}

void Simulation::schedule(Instant at, std::function<void()> fn) {
  push(at, CallbackEv{std::move(fn)});
}

Instant Simulation::next_event_at() {
  const Event* e = top();
  return e == nullptr ? Instant::never() : e->at;
}

// Running from inside an event would run later events before the current
// one finishes, breaking time order: refuse it loudly.
class Simulation::RunGuard {
 public:
  explicit RunGuard(bool& running) : running_(running) {
    if (running_) throw std::logic_error("Simulation: run called from inside an event");
    running_ = true;
  }
  ~RunGuard() { running_ = false; }
  RunGuard(const RunGuard&) = delete;
  RunGuard& operator=(const RunGuard&) = delete;

 private:
  bool& running_;
};

bool Simulation::step() {
  RunGuard guard(running_);
  if (top() == nullptr) return false;
  run_event(pop());
  return true;
}

void Simulation::run_until(Instant t) {
  RunGuard guard(running_);
  for (Instant next = next_event_at(); next != Instant::never() && next <= t;
       next = next_event_at()) {
    run_event(pop());
  }
  // Instant::never() as a bound means "until nothing is left": keep the
  // clock at the last event rather than at the end of time.
  if (t != Instant::never()) now_ = std::max(now_, t);
}

bool Simulation::run_until_idle(Instant limit) {
  RunGuard guard(running_);
  for (;;) {
    const Instant next = next_event_at();
    if (next == Instant::never()) return true;
    if (next > limit) {
      now_ = std::max(now_, limit);
      return false;
    }
    run_event(pop());
  }
}

void Simulation::run_event(Event e) {
  now_ = e.at;
  ++stats_.events;
  if (auto* cb = std::get_if<CallbackEv>(&e.what)) {
    cb->fn();
  } else if (auto* w = std::get_if<WakeEv>(&e.what)) {
    on_wake(*w);
  } else {
    on_arrival(std::get<ArrivalEv>(e.what));
  }
}

// ---- nodes at work --------------------------------------------------------

void Simulation::kick(Node& node) { settle(index_of(node)); }

void Simulation::on_wake(const WakeEv& w) {
  NodeSlot& s = nodes_[w.node];
  s.armed_at = Instant::never();
  if (s.node->poll_at() > now_) {
    // The deadline moved later after this wake-up was armed (arm() keeps
    // the earlier event rather than queueing another): just re-arm.
    ++stats_.early_wakeups;
    arm(w.node, now_);
    return;
  }
  if (s.last_poll == now_) {
    ++s.polls_at_instant;
  } else {
    s.last_poll = now_;
    s.polls_at_instant = 1;
  }
  if (s.polls_at_instant > kMaxPollsPerInstant) {
    ++stats_.stuck_polls;
    logger_.warn("{} {}: still due after {} polls; next poll 1ns later", now_.to_string(),
                 s.node->name(), kMaxPollsPerInstant);
    s.polls_at_instant = 0;
    arm(w.node, now_ + Duration::nanos(1));
    return;
  }
  ++stats_.polls;
  s.node->poll(now_);
  settle(w.node);
}

void Simulation::on_arrival(ArrivalEv& a) {
  a.link->arrived(a.dir);
  NodeSlot& s = nodes_[a.node];
  record(s.ports[a.port], a.frame.bytes(), /*sent=*/false);
  ++stats_.deliveries;
  // The node may move the frame out (a switch forwarding it); otherwise
  // it is destroyed with the event, returning its buffer to its pool.
  s.node->deliver(now_, a.port, a.frame);
  settle(a.node);
}

void Simulation::settle(std::uint32_t idx) {
  drain(idx);
  arm(idx, now_);
}

void Simulation::drain(std::uint32_t idx) {
  // Swapped out rather than used in place: a node's drain() could call back
  // into kick() (an adapter running app code), which drains again.
  std::vector<OutFrame> out = std::move(out_scratch_);
  std::vector<Link::Arrival> arrivals = std::move(arrivals_scratch_);
  out.clear();
  nodes_[idx].node->drain(out);
  for (OutFrame& f : out) {
    ++stats_.frames_drained;
    NodeSlot& s = nodes_[idx];
    if (f.port >= s.ports.size()) ports_of(idx);
    if (f.port >= s.ports.size()) {
      ++stats_.unconnected_drops;
      logger_.debug("{} {}: frame for nonexistent port {} dropped", now_.to_string(),
                    s.node->name(), f.port);
      continue;
    }
    const PortSlot& port = s.ports[f.port];
    record(port, f.frame.bytes(), /*sent=*/true);
    if (port.link == nullptr) {
      ++stats_.unconnected_drops;
      logger_.debug("{} {}: port {} unconnected, frame dropped", now_.to_string(), s.node->name(),
                    f.port);
      continue;
    }
    arrivals.clear();
    const LinkVerdict v = port.link->offer(port.dir, now_, std::move(f.frame), rng_, arrivals);
    if (v != LinkVerdict::kInFlight) {
      logger_.debug("{} {} port {}: frame {}", now_.to_string(), s.node->name(), f.port,
                    to_string(v));
    }
    for (Link::Arrival& arr : arrivals) {
      push(arr.at,
           ArrivalEv{port.link, port.dir, port.peer_node, port.peer_port, std::move(arr.frame)});
    }
  }
  out.clear();
  arrivals.clear();
  out_scratch_ = std::move(out);
  arrivals_scratch_ = std::move(arrivals);
}

void Simulation::arm(std::uint32_t idx, Instant not_before) {
  NodeSlot& s = nodes_[idx];
  Instant want = s.node->poll_at();
  if (want == Instant::never()) {
    if (s.armed_at != Instant::never()) {  // cancel, so an idle network is seen as idle
      ++s.gen;
      ++stale_;
      s.armed_at = Instant::never();
      compact_if_needed();
    }
    return;
  }
  want = std::max(want, not_before);
  // A pending wake-up at or before `want` is kept: when it fires it sees
  // the later deadline and re-arms (on_wake). So a deadline that keeps
  // moving later — a retransmission timer restarted by every ACK — costs
  // no heap traffic, and a node has at most one live wake-up.
  if (s.armed_at <= want) return;
  if (s.armed_at != Instant::never()) ++stale_;
  ++s.gen;
  s.armed_at = want;
  push(want, WakeEv{idx, s.gen});
  compact_if_needed();
}

}  // namespace ws::sim
