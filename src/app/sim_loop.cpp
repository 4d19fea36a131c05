#include "app/sim_loop.hpp"

#include <algorithm>
#include <stdexcept>

namespace ws::app {

SimLoop::SimLoop(sim::Simulation& sim) : sim_(sim) {}

SimLoop::~SimLoop() {
  cancel_all();
  for (auto& [stack, node] : nodes_) {
    stack->set_readiness_listener({});
  }
}

void SimLoop::serve(Stack& stack, sim::Node& node) {
  nodes_[&stack] = &node;
  stack.set_readiness_listener([this, &stack](SocketId s) { notify_readiness(stack, s); });
}

void SimLoop::call_at(Instant at, std::function<void()> fn) {
  sim_.schedule(at, [alive = std::weak_ptr<const bool>(alive_), fn = std::move(fn)] {
    if (!alive.expired()) fn();
  });
}

void SimLoop::wake(Stack& stack) {
  auto it = nodes_.find(&stack);
  if (it == nodes_.end())
    throw std::invalid_argument("SimLoop::wake: a stack this loop does not serve");
  sim_.kick(*it->second);
}

bool SimLoop::run_until_done(TaskId id, Instant limit) { return run_until_all_done({id}, limit); }

bool SimLoop::run_until_all_done(const std::vector<TaskId>& ids, Instant limit) {
  auto all_done = [&] {
    return std::none_of(ids.begin(), ids.end(), [&](TaskId id) { return running(id); });
  };
  while (!all_done()) {
    if (sim_.next_event_at() > limit) return false;
    sim_.step();
  }
  return true;
}

}  // namespace ws::app
