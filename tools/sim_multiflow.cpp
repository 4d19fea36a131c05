// `wirestack sim multiflow`: N bulk TCP flows through one bottleneck for S
// virtual seconds; prints the bottleneck's utilisation and drop rate, Jain's
// fairness index and every flow's goodput.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>

#include "apps/multiflow.hpp"
#include "commands.hpp"

namespace ws::cli {

namespace {

constexpr const char* kName = "wirestack sim multiflow";

// The congestion controls the hosts can run (with SACK, tcp/cc_factory.hpp).
std::optional<std::string> check_cc(const std::string& cc) {
  if (tcp::parse_cc(cc)) return std::nullopt;
  return fmt::format("--cc {}: unknown (reno | cubic | bbr)", cc);
}

// "cubic:32,bbr:32" → 32 CUBIC flows then 32 BBR ones.
std::optional<std::string> parse_mix(const std::string& mix, std::vector<tcp::CcKind>& out) {
  std::size_t pos = 0;
  while (pos <= mix.size()) {
    const std::size_t comma = std::min(mix.find(',', pos), mix.size());
    const std::string item = mix.substr(pos, comma - pos);
    const std::size_t colon = item.find(':');
    const auto cc = tcp::parse_cc(item.substr(0, colon));
    if (colon == std::string::npos || !cc) {
      return fmt::format("--mix {}: expected CC:COUNT[,CC:COUNT...] with CC reno | cubic | bbr", mix);
    }
    const std::string count = item.substr(colon + 1);
    if (count.empty() || count.size() > 4 || count.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(count) == 0) {
      return fmt::format("--mix {}: '{}' is not a count of flows (1..{})", mix, count, apps::kMaxFlows);
    }
    out.insert(out.end(), std::stoul(count), *cc);
    if (out.size() > apps::kMaxFlows) return fmt::format("--mix {}: more than {} flows", mix, apps::kMaxFlows);
    pos = comma + 1;
  }
  return std::nullopt;
}

std::optional<std::string> convert(const SimMultiflowOptions& o, apps::MultiflowConfig& c) {
  if (!std::isfinite(o.rate_mbit) || o.rate_mbit <= 0 ||
      o.rate_mbit > static_cast<double>(apps::kMaxRateBps) / 1e6) {
    return fmt::format("--rate {}: must be more than 0 and at most {} Mbit/s", o.rate_mbit,
                       apps::kMaxRateBps / 1'000'000);
  }
  if (!std::isfinite(o.delay_ms) || o.delay_ms < 0 || o.delay_ms > apps::kMaxDelayMs) {
    return fmt::format("--delay {}: must be 0..{} ms", o.delay_ms, apps::kMaxDelayMs);
  }
  if (!std::isfinite(o.seconds) || o.seconds <= 0 || o.seconds > apps::kMaxSeconds) {
    return fmt::format("--seconds {}: must be more than 0 and at most {}", o.seconds, apps::kMaxSeconds);
  }
  c.flows = o.flows;
  if (!o.mix.empty()) {
    if (auto e = parse_mix(o.mix, c.flow_cc)) return e;
    c.flows = c.flow_cc.size();
  }
  c.rate_bps = static_cast<std::uint64_t>(std::llround(o.rate_mbit * 1e6));
  c.delay = Duration::micros(std::llround(o.delay_ms * 1000));
  c.queue_bytes = o.queue;
  c.duration = Duration::nanos(std::llround(o.seconds * 1e9));
  c.seed = o.seed;
  c.buffer = o.buffer;
  c.aqm = o.aqm == "codel" ? sim::Aqm::kCodel : sim::Aqm::kNone;
  c.ecn = o.ecn;
  if (!std::isfinite(o.codel_target_ms) || !std::isfinite(o.codel_interval_ms) || o.codel_target_ms <= 0 ||
      o.codel_interval_ms <= o.codel_target_ms || o.codel_interval_ms > apps::kMaxSeconds * 1000.0) {
    return fmt::format("--codel-target {} --codel-interval {}: need 0 < target < interval <= {} s",
                       o.codel_target_ms, o.codel_interval_ms, apps::kMaxSeconds);
  }
  c.codel.target = Duration::nanos(std::llround(o.codel_target_ms * 1e6));
  c.codel.interval = Duration::nanos(std::llround(o.codel_interval_ms * 1e6));
  return apps::validate(c);
}

// Each controller's flows in a mixed run: how many, their goodput, its
// share of the total, and Jain's index among them.
struct CcShare {
  tcp::CcKind cc;
  std::size_t flows = 0;
  double goodput = 0;
  double share = 0;
  double jain = 0;
};

std::vector<CcShare> shares(const apps::MultiflowResult& r) {
  std::vector<CcShare> out;
  for (const tcp::CcKind cc : {tcp::CcKind::Reno, tcp::CcKind::Cubic, tcp::CcKind::Bbr}) {
    CcShare s{cc};
    std::vector<double> g;
    for (const apps::FlowResult& f : r.flows) {
      if (f.cc != cc) continue;
      ++s.flows;
      s.goodput += f.goodput;
      g.push_back(f.goodput);
    }
    if (s.flows == 0) continue;
    s.share = r.aggregate_goodput > 0 ? s.goodput / r.aggregate_goodput : 0;
    s.jain = apps::jain_index(g);
    out.push_back(s);
  }
  return out;
}

// What the run's controller is called: the --cc name, or the --mix.
std::string cc_label(const SimMultiflowOptions& o) { return o.mix.empty() ? o.cc : "mix " + o.mix; }

void print_json(const SimMultiflowOptions& o, const apps::MultiflowConfig& c, const apps::MultiflowResult& r,
                double wall) {
  fmt::print(R"({{"flows": {}, "rate_bps": {}, "delay_ms": {}, "queue_bytes": {}, "seconds": {}, "cc": "{}", )"
             R"("seed": {}, "buffer_bytes": {}, "utilisation": {:.6f}, "jain_index": {:.6f}, "drop_rate": {:.6f}, )"
             R"("frames_offered": {}, "queue_drops": {}, "bottleneck_bytes": {}, "aggregate_bytes": {}, )"
             R"("aggregate_goodput_bytes_per_second": {:.1f}, "retransmitted_segments": {}, "cc_undos": {}, )"
             R"("aqm": "{}", "codel_target_ms": {}, "codel_interval_ms": {}, "aqm_drops": {}, "ce_marks": {}, )"
             R"("ecn": {{"asked": {}, "connections": {}, "ce_received": {}, "ece_received": {}, "reductions": {}}}, )"
             R"("wall_seconds": {:.3f}, )",
             c.flows, c.rate_bps, o.delay_ms, c.queue_bytes, r.seconds, cc_label(o), c.seed, r.buffer, r.utilisation, r.jain,
             r.drop_rate, r.frames_offered, r.queue_drops, r.bottleneck_bytes, r.aggregate_bytes,
             r.aggregate_goodput, r.retransmitted_segments, r.cc_undos, o.aqm, o.codel_target_ms, o.codel_interval_ms, r.aqm_drops, r.ce_marks,
             o.ecn ? "true" : "false", r.ecn_connections, r.ecn_ce_received, r.ecn_ece_received, r.ecn_reductions,
             wall);
  fmt::print(R"("by_cc": [)");
  const auto by_cc = shares(r);
  for (std::size_t i = 0; i < by_cc.size(); ++i) {
    fmt::print(R"({}{{"cc": "{}", "flows": {}, "goodput_bytes_per_second": {:.1f}, "share": {:.6f}, "jain_index": {:.6f}}})",
               i == 0 ? "" : ", ", tcp::to_string(by_cc[i].cc), by_cc[i].flows, by_cc[i].goodput, by_cc[i].share,
               by_cc[i].jain);
  }
  fmt::print(R"(], "per_flow": [)");
  for (std::size_t i = 0; i < r.flows.size(); ++i) {
    const apps::FlowResult& f = r.flows[i];
    fmt::print(R"({}{{"flow": {}, "cc": "{}", "received_bytes": {}, "goodput_bytes_per_second": {:.1f}, )"
               R"("retransmitted_segments": {}, "error": "{}"}})",
               i == 0 ? "" : ", ", i, tcp::to_string(f.cc), f.received_bytes, f.goodput, f.retransmitted_segments,
               f.error);
  }
  fmt::print("]}}\n");
}

void print_text(const SimMultiflowOptions& o, const apps::MultiflowConfig& c, const apps::MultiflowResult& r,
                double wall) {
  fmt::print("{} flows → one server through a {} Mbit/s bottleneck, {} ms each way, FIFO of {} bytes{}; "
             "{} s virtual, cc {}{}, seed {}, socket buffers {} bytes\n",
             c.flows, o.rate_mbit, o.delay_ms, c.queue_bytes,
             o.aqm == "codel" ? fmt::format(" behind CoDel (target {} ms, interval {} ms)", o.codel_target_ms,
                                            o.codel_interval_ms)
                              : "",
             r.seconds,
             cc_label(o), o.ecn ? ", ECN" : "", c.seed, r.buffer);
  for (std::size_t i = 0; i < r.flows.size(); ++i) {
    const apps::FlowResult& f = r.flows[i];
    fmt::print("  flow {:>4}  {:<7} goodput {:>13.1f} B/s ({:8.3f} Mbit/s)  {:>6} retransmitted{}{}\n", i,
               tcp::to_string(f.cc), f.goodput, f.goodput * 8 / 1e6, f.retransmitted_segments,
               f.error.empty() ? "" : "  FAILED: ", f.error);
  }
  const auto by_cc = shares(r);
  if (by_cc.size() > 1) {
    for (const CcShare& s : by_cc) {
      fmt::print("{:<7} {:>4} flows  {:>13.1f} B/s ({:8.3f} Mbit/s), {:.1f} % of the goodput, Jain's index "
                 "among them {:.4f}\n",
                 tcp::to_string(s.cc), s.flows, s.goodput, s.goodput * 8 / 1e6, s.share * 100, s.jain);
    }
  }
  fmt::print("aggregate goodput  {:.1f} B/s ({:.3f} Mbit/s), {} bytes\n", r.aggregate_goodput,
             r.aggregate_goodput * 8 / 1e6, r.aggregate_bytes);
  fmt::print("link utilisation   {:.4f} ({} bytes of frames across the bottleneck)\n", r.utilisation,
             r.bottleneck_bytes);
  fmt::print("Jain's fairness    {:.4f} (1/N = {:.4f})\n", r.jain, 1.0 / static_cast<double>(c.flows));
  fmt::print("drop rate          {:.6f} ({} tail drops, {} AQM drops of {} frames offered)\n", r.drop_rate,
             r.queue_drops, r.aqm_drops, r.frames_offered);
  fmt::print("ECN                {} CE marks at the bottleneck, {} seen by the server, {} ECE ACKs, {} window "
             "reductions; {} of {} connections negotiated it\n",
             r.ce_marks, r.ecn_ce_received, r.ecn_ece_received, r.ecn_reductions, r.ecn_connections, c.flows);
  fmt::print("retransmitted      {} segments\n", r.retransmitted_segments);
  fmt::print("wall time          {:.2f} s\n", wall);
}

}  // namespace

int run_sim_multiflow(const SimMultiflowOptions& o) {
  if (auto e = check_cc(o.cc)) {
    fmt::print(stderr, "{}: {}\n", kName, *e);
    return 2;
  }
  apps::MultiflowConfig c;
  c.cc = *tcp::parse_cc(o.cc);
  if (auto e = convert(o, c)) {
    fmt::print(stderr, "{}: {}\n", kName, *e);
    return 2;
  }
  const bool bar = !o.json && isatty(STDOUT_FILENO) != 0;
  const auto wall_start = std::chrono::steady_clock::now();  // the CLI may read a clock; the stack never does
  auto progress = [&](const apps::MultiflowProgress& p) {
    if (!bar) return;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    fmt::print("\rvirtual {:.0f} / {:.0f} s, {} bytes delivered, wall {:.1f} s", p.now.nanos() / 1e9,
               p.total.as_seconds(), p.received, wall);
    std::fflush(stdout);
  };
  const apps::MultiflowResult r = apps::run_multiflow(c, progress);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (bar) fmt::print("\r{:80}\r", "");
  if (o.json) {
    print_json(o, c, r, wall);
  } else {
    print_text(o, c, r, wall);
  }
  for (const apps::FlowResult& f : r.flows) {
    if (!f.error.empty()) return 1;
  }
  return 0;
}

}  // namespace ws::cli
