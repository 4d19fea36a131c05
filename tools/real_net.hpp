// What the real-wire commands (ping, nc, serve, get) share: the options
// --tap/--ip/--gateway/--mac/--pcap/--snaplen/--loss/--seed/--tcp-stats
// (and --cc, --ecn for those that open TCP connections), and RealHost — a TAP
// device, a Stack whose interface 0 is that device, and the RealtimeLoop
// that drives them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "link/pcap.hpp"
#include "runtime/frame_loss.hpp"
#include "runtime/realtime_loop.hpp"
#include "runtime/tap.hpp"
#include "socket/stack.hpp"
#include "tcp/cc_factory.hpp"

namespace CLI {
class App;
}

namespace ws::cli {

// Adds the common options to `cmd` (--tap and --ip required).
void add_real_options(CLI::App* cmd, RealOptions& o);
// Adds --cc and --ecn, for the commands that open TCP connections (nc,
// serve, get): the congestion controller of every connection (the stack's
// default), and ECN "on" (RFC 3168: our SYNs ask) instead of "accept".
void add_tcp_options(CLI::App* cmd, RealOptions& o);

class RealHost {
 public:
  // Opens the TAP (creating it if missing, link up), configures the stack
  // and the loop. An error message names what failed.
  static Result<std::unique_ptr<RealHost>, std::string> open(const RealOptions& o);
  ~RealHost();

  Stack& stack() { return *stack_; }
  runtime::RealtimeLoop& loop() { return *loop_; }
  Ipv4Cidr address() const { return addr_; }

  // Shutting down: cancels every task (their sockets close: FIN, or RST
  // with unread data), then runs the loop until no connection is still
  // exchanging segments (TIME-WAIT is fine) or `limit` passes. False when
  // some connection had not finished (data or a FIN unacknowledged).
  bool close_gracefully(Duration limit);
  // Why the loop stopped on its own (the TAP failed), or empty.
  const std::string& device_error() const { return loop_->device_error(); }

  // Calls `fn` from the loop on SIGINT or SIGTERM (blocked and read from a
  // signalfd, so nothing runs in a signal handler).
  void on_interrupt(std::function<void(int signo)> fn);

 private:
  RealHost() = default;
  // Destroyed in reverse: the loop first (it flushes through the device).
  std::optional<runtime::TapDevice> tap_;
  std::optional<PcapWriter> pcap_;
  std::optional<runtime::FrameLoss> loss_;  // --loss: the loop's drop filter
  std::unique_ptr<Stack> stack_;
  std::unique_ptr<runtime::RealtimeLoop> loop_;
  Ipv4Cidr addr_;
  std::string pcap_path_;
  int signal_fd_ = -1;
  bool tcp_stats_ = false;  // --tcp-stats: print the counters at exit
  tcp::CcKind cc_{};        // the connections' controller (printed with --tcp-stats)
};

}  // namespace ws::cli
