#include "sim_net.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "wire/describe.hpp"

namespace ws::cli {

SimNetwork build_sim_network(sim::Simulation& s, const sim::LinkConfig& link, bool across_router,
                             const std::vector<std::string>& client_names,
                             const std::string& server_name, bool alternate_sides) {
  sim::TopologyBuilder t(s);
  const std::size_t ports = client_names.size() + 2;
  auto host_config = [&s] {
    HostConfig c;
    c.seed = s.rng().next_u64();  // each host its own stream, all from the one seed
    return c;
  };
  SimNetwork n;
  sim::Switch& left = t.add_switch("sw1", ports);
  sim::Switch* right = across_router ? &t.add_switch("sw2", ports) : nullptr;
  n.server = &t.add_host(server_name, host_config());
  n.all.push_back(n.server);
  const Ipv4Address left_gw(192, 0, 2, 1), right_gw(198, 51, 100, 1);
  if (across_router) {
    HostConfig rc = host_config();
    rc.forwarding = true;
    n.router = &t.add_host("router", rc);
    n.all.push_back(n.router);
    t.attach(*n.router, left, Ipv4Cidr(left_gw, 24), link);
    t.attach(*n.router, *right, Ipv4Cidr(right_gw, 24), link);
    t.attach(*n.server, *right, Ipv4Cidr(sim::kRoutedServerAddr, 24), link);
    n.server->host().set_default_gateway(right_gw, 0);
  } else {
    t.attach(*n.server, left, Ipv4Cidr(sim::kLanServerAddr, 24), link);
  }
  for (std::size_t i = 0; i < client_names.size(); ++i) {
    sim::HostNode& c = t.add_host(client_names[i], host_config());
    const auto last = static_cast<std::uint8_t>(10 + i);
    if (across_router && alternate_sides && i % 2 == 1) {
      t.attach(c, *right, Ipv4Cidr(Ipv4Address(198, 51, 100, last), 24), link);
      c.host().set_default_gateway(right_gw, 0);
    } else {
      t.attach(c, left, Ipv4Cidr(Ipv4Address(192, 0, 2, last), 24), link);
      if (across_router) c.host().set_default_gateway(left_gw, 0);
    }
    n.clients.push_back(&c);
    n.all.push_back(&c);
  }
  return n;
}

Ipv4Address address_of(const sim::HostNode& h) { return h.host().addresses(0).at(0).address(); }

std::optional<std::string> SimOutput::capture(sim::Simulation& s,
                                              const std::vector<sim::HostNode*>& hosts,
                                              const std::string& pcap_path) {
  if (!pcap_path.empty()) {
    auto w = PcapWriter::open(pcap_path);
    if (!w) return w.error();
    file_.emplace(std::move(*w));
  }
  // Every frame each host sends, once (what its own tcpdump would show as outgoing).
  for (sim::HostNode* h : hosts) {
    auto& trace = traces_.emplace(h->name(), PcapWriter::in_memory()).first->second;
    for (std::size_t port = 0; port < h->port_count(); ++port) {
      s.add_capture(*h, port, trace, sim::CaptureDir::kSent);
      if (file_) s.add_capture(*h, port, *file_, sim::CaptureDir::kSent);
    }
  }
  return std::nullopt;
}

apps::Print SimOutput::printer(const app::Loop& loop, std::string who) {
  return [this, &loop, who = std::move(who)](std::string_view text) {
    lines_.push_back(
        {loop.now(), 0, fmt::format("  {:>10}  {:<8} {}", loop.now().to_string(), who, text)});
  };
}

void SimOutput::print(bool frames) const {
  std::vector<Line> all = lines_;
  if (frames) {
    for (const auto& [name, trace] : traces_) {
      auto records = parse_pcap(trace.memory());
      if (!records) continue;
      for (const auto& rec : *records) {
        all.push_back({rec.at, 1,
                       fmt::format("  {:>10}  {:<8} > {}", rec.at.to_string(), name,
                                   describe_frame(rec.frame))});
      }
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const Line& a, const Line& b) {
    return a.at != b.at ? a.at < b.at : a.order < b.order;
  });
  for (const auto& l : all) fmt::print("{}\n", l.text);
}

void SimOutput::print_capture_note(const std::string& pcap_path) {
  if (!file_) return;
  file_->flush();
  fmt::print("capture of every host's outgoing frames: {} ({} frames)\n", pcap_path,
             file_->frames_written());
}

}  // namespace ws::cli
