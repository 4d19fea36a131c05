// `wirestack sim ping`: ping(8) on a simulated network, with the frames on
// the client's wire interleaved (tcpdump-like), so ARP for the gateway,
// lost requests and late replies are all visible.
#include <fmt/format.h>

#include <algorithm>

#include "commands.hpp"
#include "ping_text.hpp"
#include "link/pcap.hpp"
#include "sim/topology.hpp"
#include "wire/describe.hpp"

namespace ws::cli {

namespace {

struct Line {
  Instant at;
  int order;  // wire lines before ping lines at the same instant
  std::string text;
};

}  // namespace

int run_sim_ping(const SimPingOptions& o) {
  if (o.count < 1 || o.loss < 0 || o.loss > 1 || o.delay_ms < 0 || o.interval_ms <= 0 || o.size > 65000) {
    fmt::print(stderr, "wirestack sim ping: invalid option (count >= 1, 0 <= loss <= 1, delay >= 0, "
                       "interval > 0, size <= 65000)\n");
    return 2;
  }
  sim::Simulation simulation(o.seed);
  sim::LinkConfig link;
  link.delay = Duration::micros(static_cast<std::int64_t>(o.delay_ms * 1000));
  HostConfig base;
  Host* client = nullptr;
  sim::Node* client_node = nullptr;
  Ipv4Address target;
  if (o.across_router) {
    auto t = sim::build_routed(simulation, link, base);
    client = &t.client.host();
    client_node = &t.client;
    target = sim::kRoutedServerAddr;
  } else {
    auto t = sim::build_lan(simulation, link, base);
    client = &t.client.host();
    client_node = &t.client;
    target = sim::kLanServerAddr;
  }
  // Loss on the client's own link, both directions: each request and each
  // reply crosses it once, so ping's loss is about 1-(1-P)^2.
  sim::LinkConfig lossy = link;
  lossy.loss = o.loss;
  simulation.link_at(*client_node, 0)->set_config(lossy);
  // The client's port, both directions: what `tcpdump -i eth0` would show.
  PcapWriter trace = PcapWriter::in_memory();
  simulation.add_capture(*client_node, 0, trace);
  std::optional<PcapWriter> file;
  if (!o.pcap_path.empty()) {
    auto w = PcapWriter::open(o.pcap_path);
    if (!w) {
      fmt::print(stderr, "wirestack sim ping: {}\n", w.error());
      return 1;
    }
    file.emplace(std::move(*w));
    simulation.add_capture(*client_node, 0, *file);
  }

  // Let the gratuitous ARPs settle, then ping once per interval.
  const Instant start = simulation.now() + Duration::millis(100);
  const Duration interval = Duration::micros(static_cast<std::int64_t>(o.interval_ms * 1000));
  const std::uint16_t ident = 0x7773;  // "ws"
  std::vector<Line> lines;
  int sent = 0;
  for (int i = 0; i < o.count; ++i) {
    simulation.schedule(start + interval * i, [&, i] {
      const auto seq = static_cast<std::uint16_t>(i + 1);
      auto r = client->send_ping(simulation.now(), target, ident, seq, o.size);
      if (!r) {
        lines.push_back({simulation.now(), 1, fmt::format("ping: sendmsg: {}", to_string(r.error()))});
      } else {
        ++sent;
      }
      simulation.kick(*client_node);
    });
  }
  const Duration wait = Duration::seconds(2);  // ping(8)'s default deadline for the last reply
  simulation.run_until(start + interval * (o.count - 1) + wait);

  std::vector<double> rtts;
  for (const PingReply& r : client->take_ping_replies()) {
    rtts.push_back(static_cast<double>(r.rtt.total_nanos()) / 1e6);
    lines.push_back({start + interval * (r.seq - 1) + r.rtt, 1, ping_reply_line(r)});
  }
  int errors = 0;
  for (const PingError& e : client->take_ping_errors()) {
    ++errors;
    lines.push_back({e.at, 1, ping_error_line(e)});
  }
  if (!o.quiet) {
    auto records = parse_pcap(trace.memory());
    if (records) {
      for (const auto& rec : *records) {
        lines.push_back({rec.at, 0, fmt::format("  {:>10}  {}", rec.at.to_string(), describe_frame(rec.frame))});
      }
    }
  }
  std::stable_sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
    return a.at != b.at ? a.at < b.at : a.order < b.order;
  });

  fmt::print("PING {} ({}) {}({}) bytes of data.{}\n", target.to_string(), target.to_string(), o.size,
             o.size + 28, o.across_router ? "  [client 192.0.2.10 -> router -> server]" : "");
  for (const auto& l : lines) fmt::print("{}\n", l.text);

  fmt::print("{}", ping_statistics(target.to_string(), sent, rtts, errors, (interval * (o.count - 1)).total_millis()));
  if (file) {
    file->flush();
    fmt::print("capture of the client's interface: {} ({} frames)\n", o.pcap_path, file->frames_written());
  }
  return rtts.empty() ? 1 : 0;  // like ping(8): 1 when no reply came back
}

}  // namespace ws::cli
