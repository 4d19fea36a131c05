#include "demo_render.hpp"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <tuple>

#include "tcp/tcp_layer.hpp"
#include "view/diagram.hpp"
#include "view/page.hpp"
#include "wire/arp.hpp"
#include "wire/ethernet.hpp"

namespace ws::cli::demo {

namespace {

auto key_of(const view::TcpInfo& t) {
  return std::make_tuple(t.seg.src_port, t.seg.dst_port, t.seg.seq.raw(), t.seg.ack ? t.seg.ack->raw() : 0u,
                         t.seg.flags.bits, t.len);
}

bool write_file(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

}  // namespace

void Script::watch(sim::Simulation& sim, sim::HostNode& host, const std::string& name) {
  sim_ = &sim;
  names_.push_back(name);
  const auto& addrs = host.host().addresses(0);
  addresses_.push_back(addrs.empty() ? std::string() : addrs.front().address().to_string());
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

view::Conversation Script::conversation() const {
  view::Conversation c;
  c.title = command_;
  c.path = across_router_ ? "client — switch — router — switch — server (1 ms links)"
                          : "client — switch — server (1 ms links)";
  for (std::size_t s = 0; s < 2 && s < names_.size(); ++s) {
    c.names[s] = names_[s];
    c.addresses[s] = addresses_[s];
  }
  auto side_of = [&](const std::string& who) { return !names_.empty() && who == names_[0] ? 0 : 1; };
  for (std::size_t i = 0; i < events_.size(); ++i) {
    const Event& e = events_[i];
    view::Step st;
    st.at = e.at;
    st.order = i;
    st.side = side_of(e.who);
    switch (e.kind) {
      case Kind::App:
        st.kind = view::StepKind::Call;
        st.text = e.text;
        break;
      case Kind::State:
        st.kind = view::StepKind::State;
        st.text = e.text;
        break;
      case Kind::Received: {
        // A FIFO link delivers the most recent matching copy sent before now
        // (earlier identical copies were the ones lost).
        const auto d = view::decode_tcp(e.frame);
        for (auto it = c.steps.rbegin(); it != c.steps.rend(); ++it) {
          view::FrameStep& f = it->frame;
          if (it->kind != view::StepKind::Frame || f.delivered || it->side == st.side) continue;
          const bool same = d ? f.tcp && key_of(*f.tcp) == key_of(*d) : !f.tcp && f.bytes == e.frame;
          if (!same) continue;
          f.delivered = true;
          f.arrival_order = i;
          if (d) f.ttl_at_arrival = d->ttl;
          break;
        }
        continue;
      }
      case Kind::Sent: {
        st.kind = view::StepKind::Frame;
        st.frame.bytes = e.frame;
        st.frame.tcp = view::decode_tcp(e.frame);
        if (!st.frame.tcp) {
          auto eth = EthernetView::check(e.frame);
          if (!eth || eth->ethertype() != ethertype::kArp) continue;  // only TCP and ARP are drawn
          auto arp = ArpView::check(eth->payload());
          // An ARP for a node between the two (the router) is not seen by the other side.
          st.frame.middle = arp && arp->target_ip().to_string() != c.addresses[1 - st.side];
        }
        // Delivered once the other side's observer sees it arrive; a
        // frame for the router is taken as delivered (nobody here sees it).
        st.frame.delivered = st.frame.middle;
        break;
      }
    }
    c.steps.push_back(std::move(st));
  }
  c.annotate();
  return c;
}

void Script::print(std::FILE* out) const {
  const view::Conversation c = conversation();
  fmt::print(out, "seed 000's TCP conversation, live: {}\n", c.path);
  int retransmissions = 0, lost = 0;
  view::Phase phase = view::Phase::None;
  static constexpr std::array<const char*, 4> kPhaseLines{
      "", "three-way handshake (三次握手): each side sends its ISN and MSS, and ACKs the other's",
      "data transfer (数据传输): each ACK names the next byte expected",
      "close (四次挥手): each direction is closed by its own FIN and ACK"};
  for (const view::Step& st : c.steps) {
    const std::string t = st.at.to_string();
    const std::string& who = c.names[st.side];
    if (st.phase != phase) {
      phase = st.phase;
      fmt::print(out, "\n-- {}\n", kPhaseLines[static_cast<int>(phase)]);
    }
    switch (st.kind) {
      case view::StepKind::Call: fmt::print(out, "{:>10}  {:<6}  {}\n", t, who, st.text); break;
      case view::StepKind::State: fmt::print(out, "{:>10}  {:<6}  state {}\n", t, who, st.text); break;
      case view::StepKind::Frame: {
        const view::FrameStep& f = st.frame;
        if (!f.tcp) {
          fmt::print(out, "{:>10}  {:<6}  {}\n", t, who, f.summary);  // ARP, as tcpdump shows it
          break;
        }
        const TcpSegment& s = f.tcp->seg;
        std::string line = fmt::format("{:>10}  #{:<2} {} → {}  {:<7} seq={}", t, f.number, who,
                                       c.names[1 - st.side], view::flag_names(s.flags), s.seq.raw());
        if (s.ack) line += fmt::format(" ack={}", s.ack->raw());
        line += fmt::format(" win={} len={}", s.window, f.tcp->len);
        if (s.options.mss) line += fmt::format(" <mss {}>", *s.options.mss);
        if (across_router_ && f.delivered) line += fmt::format(" ttl {}→{}", f.tcp->ttl, f.ttl_at_arrival);
        if (!f.retransmission.empty()) {
          line += f.retransmission == "timeout" ? " RETX(timeout)" : " RETX(3 dup ACKs)";
          ++retransmissions;
        }
        if (!f.delivered) {
          line += " LOST";
          ++lost;
        }
        fmt::print(out, "{}\n", line);
        break;
      }
    }
  }
  fmt::print(out, "\n{} segments, {} lost, {} retransmitted\n", c.segment_count(), lost, retransmissions);
}

bool Script::write_svg(const std::string& path) const { return write_file(path, view::render_svg(conversation())); }

bool Script::write_page(const std::string& path) const { return write_file(path, view::render_page(conversation())); }

}  // namespace ws::cli::demo
