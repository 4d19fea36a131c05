#include "demo_render.hpp"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <tuple>

#include "tcp/tcp_layer.hpp"
#include "wire/arp.hpp"
#include "wire/describe.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"

namespace ws::cli::demo {

struct Script::Segment {
  std::size_t event = 0;  // index into events_ of the sending
  std::string from;
  std::string to;
  TcpSegment seg;  // payload span not valid (only its size is kept)
  std::size_t len = 0;
  std::uint8_t ttl = 0;
  bool delivered = false;
  std::uint8_t ttl_at_arrival = 0;
  bool retransmission = false;
  bool fast = false;  // after three duplicate ACKs (else: the RTO expired)
};

namespace {

// "S", "S.", "P.", "F." → the notes' style: SYN, SYN+ACK, PSH+ACK, FIN+ACK.
std::string flag_names(TcpFlags f) {
  std::string s;
  auto add = [&s](const char* n) {
    if (!s.empty()) s += '+';
    s += n;
  };
  if (f.syn()) add("SYN");
  if (f.fin()) add("FIN");
  if (f.rst()) add("RST");
  if (f.psh()) add("PSH");
  if (f.ack()) add("ACK");
  return s;
}

struct Decoded {
  TcpSegment seg;
  std::size_t len;
  std::uint8_t ttl;
};

std::optional<Decoded> decode_tcp(Bytes frame) {
  auto eth = EthernetView::check(frame);
  if (!eth || eth->ethertype() != ethertype::kIpv4) return std::nullopt;
  auto ip = Ipv4Header::parse(eth->payload());
  if (!ip || ip->protocol != ipproto::kTcp) return std::nullopt;
  auto t = TcpSegment::parse(Ipv4View::check(eth->payload())->payload(), ip->src, ip->dst);
  if (!t) return std::nullopt;
  Decoded d{*t, t->payload.size(), ip->ttl};
  d.seg.payload = {};
  return d;
}

auto key_of(const TcpSegment& s, std::size_t len) {
  return std::make_tuple(s.src_port, s.dst_port, s.seq.raw(), s.ack ? s.ack->raw() : 0u, s.flags.bits, len);
}

}  // namespace

void Script::watch(sim::Simulation& sim, sim::HostNode& host, const std::string& name) {
  sim_ = &sim;
  sim.add_observer(host, 0, [this, name](Instant at, Bytes frame, bool sent) {
    events_.push_back(Event{at, sent ? Kind::Sent : Kind::Received, name, {}, {frame.begin(), frame.end()}});
  });
  host.stack().tcp().set_state_hook([this, name](const tcp::FourTuple&, tcp::State a, tcp::State b) {
    events_.push_back(Event{sim_->now(), Kind::State, name,
                            fmt::format("{} → {}", tcp::to_string(a), tcp::to_string(b)), {}});
  });
}

void Script::app(const std::string& who, const std::string& what) {
  events_.push_back(Event{sim_->now(), Kind::App, who, what, {}});
}

bool Script::completed() const {
  int closes = 0;
  for (const auto& e : events_) closes += e.kind == Kind::App && e.text == "close()";
  return closes == 2;
}

std::vector<Script::Segment> Script::segments() const {
  std::vector<Segment> out;
  std::map<std::size_t, std::size_t> index_of_event;  // sending event → index in out
  std::map<std::tuple<std::string, std::uint32_t, std::uint8_t, std::size_t>, int> seen;
  for (std::size_t i = 0; i < events_.size(); ++i) {
    const Event& e = events_[i];
    auto d = decode_tcp(e.frame);
    if (!d) continue;
    if (e.kind == Kind::Received) {
      // A FIFO link delivers the most recent matching copy sent before now
      // (earlier identical copies were the ones lost).
      for (auto it = out.rbegin(); it != out.rend(); ++it) {
        if (!it->delivered && it->to == e.who && key_of(it->seg, it->len) == key_of(d->seg, d->len)) {
          it->delivered = true;
          it->ttl_at_arrival = d->ttl;
          break;
        }
      }
      continue;
    }
    if (e.kind != Kind::Sent) continue;
    Segment s;
    s.event = i;
    s.from = e.who;
    s.to = e.who == "client" ? "server" : "client";
    s.seg = d->seg;
    s.len = d->len;
    s.ttl = d->ttl;
    // Data, SYN or FIN sent again from the same sequence number.
    const auto occupies = d->len + (d->seg.flags.syn() ? 1u : 0u) + (d->seg.flags.fin() ? 1u : 0u);
    if (occupies > 0) {
      s.retransmission = seen[{e.who, d->seg.seq.raw(), d->seg.flags.bits, d->len}]++ > 0;
    }
    if (s.retransmission) {
      // Three duplicate ACKs since the first copy mean fast retransmit
      // (RFC 5681 §3.2); otherwise the retransmission timer expired.
      std::size_t first = 0;
      for (const auto& o : out) {
        if (o.from == s.from && o.seg.seq == s.seg.seq && o.seg.flags.bits == s.seg.flags.bits) {
          first = o.event;
          break;
        }
      }
      int dups = 0;
      for (std::size_t j = first; j < i; ++j) {
        if (events_[j].kind != Kind::Received || events_[j].who != s.from) continue;
        auto a = decode_tcp(events_[j].frame);
        if (a && a->len == 0 && a->seg.ack && *a->seg.ack == s.seg.seq && !a->seg.flags.syn()) ++dups;
      }
      s.fast = dups >= 3;
    }
    index_of_event[i] = out.size();
    out.push_back(s);
  }
  return out;
}

void Script::print(std::FILE* out) const {
  const auto segs = segments();
  std::map<std::size_t, const Segment*> by_event;
  for (const auto& s : segs) by_event[s.event] = &s;
  fmt::print(out, "seed 000's TCP conversation, live: {} (1 ms links)\n",
             across_router_ ? "client — switch — router — switch — server" : "client — switch — server");
  int number = 0;
  bool data_started = false, close_started = false, handshake_started = false;
  int retransmissions = 0, lost = 0;
  for (std::size_t i = 0; i < events_.size(); ++i) {
    const Event& e = events_[i];
    const std::string t = e.at.to_string();
    switch (e.kind) {
      case Kind::App: fmt::print(out, "{:>10}  {:<6}  {}\n", t, e.who, e.text); break;
      case Kind::State: fmt::print(out, "{:>10}  {:<6}  state {}\n", t, e.who, e.text); break;
      case Kind::Received: break;
      case Kind::Sent: {
        auto it = by_event.find(i);
        if (it == by_event.end()) {
          // Not TCP: ARP (and anything else) as tcpdump would show it.
          auto eth = EthernetView::check(e.frame);
          if (eth && eth->ethertype() == ethertype::kArp) {
            fmt::print(out, "{:>10}  {:<6}  {}\n", t, e.who, describe_frame(e.frame));
          }
          break;
        }
        const Segment& s = *it->second;
        if (!handshake_started && s.seg.flags.syn()) {
          handshake_started = true;
          fmt::print(out, "\n-- three-way handshake (三次握手): each side sends its ISN and MSS, and ACKs the other's\n");
        } else if (!data_started && s.len > 0) {
          data_started = true;
          fmt::print(out, "\n-- data transfer (数据传输): each ACK names the next byte expected\n");
        } else if (!close_started && s.seg.flags.fin()) {
          close_started = true;
          fmt::print(out, "\n-- close (四次挥手): each direction is closed by its own FIN and ACK\n");
        }
        ++number;
        std::string line = fmt::format("{:>10}  #{:<2} {} → {}  {:<7} seq={}", t, number, s.from, s.to,
                                       flag_names(s.seg.flags), s.seg.seq.raw());
        if (s.seg.ack) line += fmt::format(" ack={}", s.seg.ack->raw());
        line += fmt::format(" win={} len={}", s.seg.window, s.len);
        if (s.seg.options.mss) line += fmt::format(" <mss {}>", *s.seg.options.mss);
        if (across_router_ && s.delivered) line += fmt::format(" ttl {}→{}", s.ttl, s.ttl_at_arrival);
        if (s.retransmission) {
          line += s.fast ? " RETX(3 dup ACKs)" : " RETX(timeout)";
          ++retransmissions;
        }
        if (!s.delivered) {
          line += " LOST";
          ++lost;
        }
        fmt::print(out, "{}\n", line);
        break;
      }
    }
  }
  fmt::print(out, "\n{} segments, {} lost, {} retransmitted\n", number, lost, retransmissions);
}

bool Script::write_svg(const std::string& path) const {
  const auto segs = segments();
  std::map<std::size_t, const Segment*> by_event;
  for (const auto& s : segs) by_event[s.event] = &s;
  constexpr int kLeft = 170, kRight = 630, kRow = 34, kTop = 70;
  std::string body;
  int row = 0;
  auto esc = [](std::string s) {
    std::string o;
    for (char c : s) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
    return o;
  };
  for (std::size_t i = 0; i < events_.size(); ++i) {
    const Event& e = events_[i];
    const int y = kTop + row * kRow;
    if (e.kind == Kind::State) {
      const bool left = e.who == "client";
      body += fmt::format(R"svg(<text x="{}" y="{}" class="state" text-anchor="{}">{}</text>)svg"
                          "\n",
                          left ? kLeft - 10 : kRight + 10, y + 4, left ? "end" : "start", esc(e.text));
      ++row;
    } else if (e.kind == Kind::Sent && by_event.count(i)) {
      const Segment& s = *by_event[i];
      const int x1 = s.from == "client" ? kLeft : kRight;
      const int x2 = s.from == "client" ? kRight : kLeft;
      const int xe = s.delivered ? x2 : (x1 + x2) / 2;
      std::string label = flag_names(s.seg.flags) + fmt::format(" seq={}", s.seg.seq.raw());
      if (s.seg.ack) label += fmt::format(" ack={}", s.seg.ack->raw());
      label += fmt::format(" len={}", s.len);
      body += fmt::format(R"svg(<line x1="{}" y1="{}" x2="{}" y2="{}" class="{}" marker-end="url(#arrow)"/>)svg"
                          "\n",
                          x1, y, xe, y + kRow - 8, s.delivered ? "seg" : "lost");
      body += fmt::format(R"svg(<text x="{}" y="{}" class="label" text-anchor="middle">{}{}</text>)svg"
                          "\n",
                          (kLeft + kRight) / 2, y + 8, esc(label), s.delivered ? "" : " (lost)");
      ++row;
    }
  }
  const int height = kTop + row * kRow + 40;
  std::string svg = fmt::format(R"svg(<svg xmlns="http://www.w3.org/2000/svg" width="800" height="{}" font-family="monospace" font-size="12">
<defs><marker id="arrow" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto"><path d="M0,0 L10,4 L0,8 z"/></marker></defs>
<style>.seg{{stroke:#1f5fa8;stroke-width:1.5}} .lost{{stroke:#c0392b;stroke-width:1.5;stroke-dasharray:4 3}} .state{{fill:#555;font-style:italic}} .label{{fill:#000}}</style>
<text x="{}" y="30" text-anchor="middle" font-weight="bold">client</text>
<text x="{}" y="30" text-anchor="middle" font-weight="bold">server</text>
<line x1="{}" y1="40" x2="{}" y2="{}" stroke="#999"/>
<line x1="{}" y1="40" x2="{}" y2="{}" stroke="#999"/>
{}</svg>
)svg",
                                height, kLeft, kRight, kLeft, kLeft, height - 10, kRight, kRight, height - 10, body);
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  std::fputs(svg.c_str(), f);
  return std::fclose(f) == 0;
}

}  // namespace ws::cli::demo
