// `wirestack sim transfer`: N pseudo-random bytes over TCP between two
// simulated hosts under the faults you choose; the SHA-256 of what each
// side sent and received decides the exit status.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>

#include "apps/transfer.hpp"
#include "commands.hpp"
#include "tcp/tcp_layer.hpp"

namespace ws::cli {

namespace {

std::string stream_json(const apps::StreamResult& s) {
  return fmt::format(R"({{"sent_bytes": {}, "received_bytes": {}, "sent_sha256": "{}", "received_sha256": "{}"}})",
                     s.sent, s.received, s.sent_sha256, s.received_sha256);
}

}  // namespace

int run_sim_transfer(const SimTransferOptions& o) {
  if (o.bytes == 0 || o.loss < 0 || o.loss >= 1 || o.reorder < 0 || o.reorder > 1 || o.duplicate < 0 ||
      o.duplicate > 1 || o.corrupt < 0 || o.corrupt > 1 || o.delay_ms < 0 || o.jitter_ms < 0 || o.mtu < 576 ||
      o.mtu > 65535 || o.buffer < TcpLayer::kMinBuffer) {
    fmt::print(stderr,
               "wirestack sim transfer: invalid option (bytes > 0; 0 <= loss < 1; other rates in [0, 1]; "
               "delay, jitter >= 0; 576 <= mtu <= 65535; buffer >= 128)\n");
    return 2;
  }
  apps::TransferConfig cfg;
  cfg.bytes = o.bytes;
  cfg.direction = o.direction == "down"   ? apps::TransferDirection::Down
                  : o.direction == "both" ? apps::TransferDirection::Both
                                          : apps::TransferDirection::Up;
  cfg.buffer = o.buffer;
  cfg.seed = o.seed;
  cfg.across_router = o.across_router;
  cfg.link.loss = o.loss;
  cfg.link.reorder = o.reorder;
  cfg.link.duplicate = o.duplicate;
  cfg.link.corrupt = o.corrupt;
  cfg.link.delay = Duration::micros(static_cast<std::int64_t>(o.delay_ms * 1000));
  cfg.link.jitter = Duration::micros(static_cast<std::int64_t>(o.jitter_ms * 1000));
  cfg.link.rate_bps = static_cast<std::uint64_t>(o.rate_mbit * 1e6);
  cfg.link.mtu = o.mtu;
  const auto cc = tcp::parse_cc(o.cc);
  if (!cc) {
    fmt::print(stderr, "wirestack sim transfer: --cc {}: unknown (reno | cubic | bbr)\n", o.cc);
    return 2;
  }
  cfg.cc = *cc;
  if (o.user_timeout_s) {
    if (*o.user_timeout_s < 0 || *o.user_timeout_s > 86400) {
      fmt::print(stderr, "wirestack sim transfer: --user-timeout must be 0 (never give up) to 86400 seconds\n");
      return 2;
    }
    cfg.user_timeout = Duration::micros(static_cast<std::int64_t>(*o.user_timeout_s * 1e6));
  }
  if (!(o.time_limit_s >= 1 && o.time_limit_s <= 31536000)) {
    fmt::print(stderr, "wirestack sim transfer: --time-limit must be 1 to 31536000 seconds\n");
    return 2;
  }
  cfg.time_limit = Duration::seconds(static_cast<std::int64_t>(o.time_limit_s));
  cfg.sack = !o.no_sack;
  cfg.timestamps = !o.no_timestamps;
  const auto pacing = tcp::parse_pacing(o.pacing);
  if (!pacing) {
    fmt::print(stderr, "wirestack sim transfer: --pacing {}: unknown (off | rate | all)\n", o.pacing);
    return 2;
  }
  cfg.pacing = *pacing;
  if (o.ecn) cfg.ecn = tcp::EcnMode::kOn;
  std::optional<PcapWriter> pcap;
  if (!o.pcap_path.empty()) {
    auto w = PcapWriter::open(o.pcap_path);
    if (!w) {
      fmt::print(stderr, "wirestack sim transfer: {}\n", w.error());
      return 1;
    }
    pcap.emplace(std::move(*w));
    cfg.capture = &*pcap;
  }

  const bool bar = !o.json && isatty(STDOUT_FILENO) != 0;
  const auto wall_start = std::chrono::steady_clock::now();  // the CLI may read a clock; the stack never does
  auto progress = [&](const apps::TransferProgress& p) {
    if (!bar) return;
    const double frac = p.total == 0 ? 1.0 : static_cast<double>(p.received) / static_cast<double>(p.total);
    const int filled = static_cast<int>(frac * 30);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    fmt::print("\r[{}{}] {:5.1f}%  {} / {} bytes  virtual {:.1f} s  wall {:.1f} s", std::string(filled, '#'),
               std::string(30 - filled, ' '), frac * 100, p.received, p.total, p.now.nanos() / 1e9, wall);
    std::fflush(stdout);
  };
  const apps::TransferResult r = apps::run_transfer(cfg, progress);
  if (bar) fmt::print("\r{:100}\r", "");

  if (o.json) {
    std::string up = r.up ? stream_json(*r.up) : "null";
    std::string down = r.down ? stream_json(*r.down) : "null";
    const apps::StreamResult& main = r.up ? *r.up : *r.down;
    fmt::print(
        R"({{"ok": {}, "reason": "{}", "bytes": {}, "direction": "{}", "virtual_seconds": {:.6f}, )"
        R"("goodput_bytes_per_second": {:.3f}, "goodput_to_last_byte": {:.3f}, "retransmitted_segments": {}, )"
        R"("rto_expiries": {}, )",
        r.ok ? "true" : "false", r.reason, o.bytes, o.direction, r.virtual_time.as_seconds(), r.goodput(),
        r.goodput_to_last_byte(),
        r.retransmitted_segments, r.rto_expiries);
    tcp::ConnectionStats t = r.client_stats;
    t += r.server_stats;
    // Every retransmission has one cause: a timeout, RACK (RFC 8985 §6), a
    // tail loss probe (§7), or — without SACK — NewReno's fast retransmit.
    const std::uint64_t fast = t.retransmitted_segments - (t.rto_retransmits + t.rack_retransmits + t.tlp_retransmits);
    fmt::print(
        R"("cc": "{}", "sack": {}, "timestamps": {}, "pacing": "{}", "pacing_waits": {}, )"
        R"("retransmissions_by_cause": {{"rto": {}, "rack": {}, "tlp": {}, "fast": {}}}, "tlp_recoveries": {}, )"
        R"("recoveries": {}, "spurious_rtos": {}, "spurious_recoveries": {}, "undos": {}, )"
        R"("sack_blocks_sent": {}, "sack_blocks_received": {}, "dsack_blocks_sent": {}, )"
        R"("dsack_blocks_received": {}, "sack_reneging": {}, "paws_rejected": {}, )"
        R"("ecn": {{"asked": {}, "negotiated": {}, "ce_received": {}, "ece_received": {}, "cwr_sent": {}, "reductions": {}}}, )",
        o.cc, o.no_sack ? "false" : "true", o.no_timestamps ? "false" : "true", o.pacing,
        t.pacing_waits, t.rto_retransmits,
        t.rack_retransmits, t.tlp_retransmits, fast, t.tlp_recoveries, t.fast_retransmits, t.spurious_rtos,
        t.spurious_recoveries, t.cc_undos, t.sack_blocks_sent, t.sack_blocks_received, t.dsack_blocks_sent,
        t.dsack_blocks_received, t.sack_reneging, t.paws_rejected, o.ecn ? "true" : "false", t.ecn_negotiated, t.ecn_ce_received,
        t.ecn_ece_received, t.ecn_cwr_sent, t.ecn_reductions);
    if (cfg.direction == apps::TransferDirection::Both) {
      fmt::print(R"("sent_sha256": {{"up": "{}", "down": "{}"}}, "received_sha256": {{"up": "{}", "down": "{}"}}, )",
                 r.up->sent_sha256, r.down->sent_sha256, r.up->received_sha256, r.down->received_sha256);
    } else {
      fmt::print(R"("sent_sha256": "{}", "received_sha256": "{}", )", main.sent_sha256, main.received_sha256);
    }
    fmt::print(R"("up": {}, "down": {}}})"
               "\n",
               up, down);
    return r.ok ? 0 : 1;
  }
  fmt::print("transfer of {} bytes {} ({}), seed {}\n", o.bytes,
             o.direction == "both" ? "each way" : (o.direction == "down" ? "server → client" : "client → server"),
             o.across_router ? "across a router" : "on one switch", o.seed);
  auto stream = [](const char* name, const apps::StreamResult& s) {
    fmt::print("  {:<4} sent {} bytes sha256 {}\n       recv {} bytes sha256 {}  {}\n", name, s.sent, s.sent_sha256,
               s.received, s.received_sha256.empty() ? "-" : s.received_sha256, s.complete() ? "MATCH" : "MISMATCH");
  };
  if (r.up) stream("up", *r.up);
  if (r.down) stream("down", *r.down);
  fmt::print("  virtual time {:.3f} s, goodput {:.3f} Mbit/s, {} retransmitted segments, {} RTO expiries\n",
             r.virtual_time.as_seconds(), r.goodput() * 8 / 1e6, r.retransmitted_segments, r.rto_expiries);
  if (!r.ok) {
    fmt::print(stderr, "wirestack sim transfer: FAILED: {}\n", r.reason);
    return 1;
  }
  fmt::print("ok\n");
  return 0;
}

}  // namespace ws::cli
