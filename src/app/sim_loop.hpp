// SimLoop: the Loop of the simulator. Time is the Simulation's virtual
// clock, call_at() is Simulation::schedule, and wake(stack) kicks the
// HostNode that owns the stack so its frames go out at once. Apps spawned
// here run deterministically: same seed, same interleaving, same output.
//
//   sim::Simulation sim(seed);
//   auto lan = sim::build_lan(sim);
//   app::SimLoop loop(sim);
//   loop.serve(lan.server);
//   loop.serve(lan.client);
//   loop.spawn(my_server(loop, lan.server.stack()));
//   auto id = loop.spawn(my_client(loop, lan.client.stack()));
//   loop.run_until_done(id, Instant::zero() + Duration::seconds(10));
//
// Construct the SimLoop after the Simulation and the nodes, so it is
// destroyed first: its destructor cancels the tasks (closing their
// sockets) while the stacks still exist, and its scheduled callbacks that
// are still queued in the simulation become no-ops.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "app/loop.hpp"
#include "sim/host_node.hpp"
#include "sim/simulation.hpp"

namespace ws::app {

class SimLoop final : public Loop {
 public:
  explicit SimLoop(sim::Simulation& sim);
  ~SimLoop() override;

  // Serves `stack`, which `node` drives: becomes its readiness listener
  // (replacing any other) and kicks `node` on wake(stack).
  void serve(Stack& stack, sim::Node& node);
  void serve(sim::HostNode& node) { serve(node.stack(), node); }

  Instant now() const override { return sim_.now(); }
  void call_at(Instant at, std::function<void()> fn) override;
  // Throws std::invalid_argument for a stack this loop does not serve.
  void wake(Stack& stack) override;

  sim::Simulation& simulation() { return sim_; }

  // Runs the simulation until task `id` has finished or the next event is
  // later than `limit`; true when the task finished. The clock stays at
  // the last event run (use Simulation::run_until to move it on).
  bool run_until_done(TaskId id, Instant limit);
  // The same for several tasks: true when all of them finished.
  bool run_until_all_done(const std::vector<TaskId>& ids, Instant limit);

 private:
  sim::Simulation& sim_;
  std::map<Stack*, sim::Node*> nodes_;
  // Callbacks queued in the simulation hold a weak reference: once the
  // loop is gone they do nothing.
  std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
};

}  // namespace ws::app
