#include "view/conversation.hpp"

#include <fmt/format.h>

#include <map>
#include <tuple>

#include "wire/arp.hpp"
#include "wire/describe.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"

namespace ws::view {

std::string_view phase_title(Phase p) {
  switch (p) {
    case Phase::None: return "";
    case Phase::Handshake: return "three-way handshake (三次握手)";
    case Phase::Data: return "data transfer (数据传输)";
    case Phase::Close: return "close (四次挥手)";
  }
  return "";
}

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

std::string option_text(const TcpOptions& o) {
  std::string s;
  auto add = [&s](const std::string& part) {
    s += s.empty() ? "<" : ",";
    s += part;
  };
  if (o.mss) add(fmt::format("mss {}", *o.mss));
  if (o.window_scale) add(fmt::format("wscale {}", *o.window_scale));
  if (o.sack_permitted) add("sackOK");
  if (o.timestamps) add(fmt::format("TS val {} ecr {}", o.timestamps->tsval, o.timestamps->tsecr));
  if (o.sack_count > 0) add(fmt::format("sack {}", o.sack_count));
  if (!s.empty()) s += ">";
  return s;
}

std::optional<TcpInfo> decode_tcp(Bytes frame) {
  auto eth = EthernetView::check(frame);
  if (!eth || eth->ethertype() != ethertype::kIpv4) return std::nullopt;
  auto ip = Ipv4Header::parse(eth->payload());
  if (!ip || ip->protocol != ipproto::kTcp || ip->is_fragment()) return std::nullopt;
  auto t = TcpSegment::parse(Ipv4View::check(eth->payload())->payload(), ip->src, ip->dst);
  if (!t) return std::nullopt;
  TcpInfo d{*t, t->payload.size(), ip->ttl};
  d.seg.payload = {};
  return d;
}

namespace {

std::string segment_summary(const TcpInfo& t) {
  std::string s = fmt::format("{} seq={}", flag_names(t.seg.flags), t.seg.seq.raw());
  if (t.seg.ack) s += fmt::format(" ack={}", t.seg.ack->raw());
  s += fmt::format(" win={} len={}", t.seg.window, t.len);
  const std::string opts = option_text(t.seg.options);
  if (!opts.empty()) s += " " + opts;
  return s;
}

}  // namespace

void Conversation::annotate() {
  int number = 0;
  Phase phase = Phase::None;
  // First copies of each (side, seq, flags, len): the index of their step.
  std::map<std::tuple<int, std::uint32_t, std::uint8_t, std::size_t>, std::size_t> first_copy;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    Step& st = steps[i];
    if (st.kind != StepKind::Frame) {
      st.phase = phase;
      continue;
    }
    FrameStep& f = st.frame;
    if (!f.tcp) {
      f.summary = describe_frame(f.bytes);
      st.phase = phase;
      continue;
    }
    const TcpInfo& t = *f.tcp;
    f.number = ++number;
    f.summary = segment_summary(t);
    // The phases start where the text of the notes starts them.
    if (phase == Phase::None && t.seg.flags.syn()) {
      phase = Phase::Handshake;
    } else if (phase < Phase::Data && t.len > 0) {
      phase = Phase::Data;
    } else if (phase < Phase::Close && t.seg.flags.fin()) {
      phase = Phase::Close;
    }
    st.phase = phase;
    // Data, SYN or FIN sent again from the same sequence number.
    const std::size_t occupies = t.len + (t.seg.flags.syn() ? 1u : 0u) + (t.seg.flags.fin() ? 1u : 0u);
    if (occupies == 0) continue;
    const auto key = std::make_tuple(st.side, t.seg.seq.raw(), t.seg.flags.bits, t.len);
    auto [it, inserted] = first_copy.emplace(key, i);
    if (inserted) continue;
    // RFC 5681 §3.2: three duplicate ACKs (no data, acknowledging this
    // segment's first byte) reaching the sender since its first copy left
    // mean fast retransmit; otherwise the retransmission timer expired.
    const std::uint64_t since = steps[it->second].order;
    int dups = 0;
    for (std::size_t j = 0; j < steps.size(); ++j) {
      const Step& o = steps[j];
      if (o.kind != StepKind::Frame || o.side == st.side || !o.frame.delivered || !o.frame.tcp || o.frame.middle) {
        continue;
      }
      if (o.frame.arrival_order <= since || o.frame.arrival_order >= st.order) continue;
      const TcpInfo& a = *o.frame.tcp;
      if (a.len == 0 && a.seg.ack && *a.seg.ack == t.seg.seq && !a.seg.flags.syn()) ++dups;
    }
    f.retransmission = dups >= 3 ? "3 dup ACKs" : "timeout";
  }
}

std::size_t Conversation::segment_count() const {
  std::size_t n = 0;
  for (const auto& s : steps) n += s.kind == StepKind::Frame && s.frame.tcp ? 1 : 0;
  return n;
}

// --- from a capture ---------------------------------------------------------------

namespace {

enum class St : std::uint8_t {
  Closed, Listen, SynSent, SynReceived, Established, FinWait1, FinWait2, CloseWait, Closing, LastAck, TimeWait
};

std::string_view name_of(St s) {
  switch (s) {
    case St::Closed: return "CLOSED";
    case St::Listen: return "LISTEN";
    case St::SynSent: return "SYN-SENT";
    case St::SynReceived: return "SYN-RECEIVED";
    case St::Established: return "ESTABLISHED";
    case St::FinWait1: return "FIN-WAIT-1";
    case St::FinWait2: return "FIN-WAIT-2";
    case St::CloseWait: return "CLOSE-WAIT";
    case St::Closing: return "CLOSING";
    case St::LastAck: return "LAST-ACK";
    case St::TimeWait: return "TIME-WAIT";
  }
  return "?";
}

// Each side's state as the segments on the wire imply it (RFC 9293 §3.3.2
// figure 5, §3.10.7), every frame taken as delivered when it was captured.
class StateInference {
 public:
  // The state changes this segment implies: the sender's (at sending) in
  // `before`, the receiver's (at arrival) in `after`.
  void on_segment(int from, const TcpSegment& seg, std::size_t len, std::vector<Step>& before,
                  std::vector<Step>& after, Instant at) {
    const int to = 1 - from;
    auto change = [&](int side, St next, std::vector<Step>& out) {
      if (st_[side] == next) return;
      Step s;
      s.at = at;
      s.kind = StepKind::State;
      s.side = side;
      s.text = fmt::format("{} → {}", name_of(st_[side]), name_of(next));
      st_[side] = next;
      out.push_back(std::move(s));
    };
    const TcpFlags f = seg.flags;
    if (f.rst()) {
      // §3.10.5 ABORT on the sender's side; §3.10.7.4 "second, check the
      // RST bit" on the receiver's.
      if (st_[from] != St::Closed && st_[from] != St::Listen) change(from, St::Closed, before);
      if (st_[to] != St::Closed && st_[to] != St::Listen) change(to, St::Closed, after);
      return;
    }
    // The sender, as it sends (§3.10.1 OPEN, §3.10.4 CLOSE).
    if (f.syn() && !f.ack() && st_[from] == St::Closed) {
      iss_[from] = seg.seq;
      change(from, St::SynSent, before);
    } else if (f.syn() && f.ack()) {
      iss_[from] = seg.seq;
      if (st_[from] == St::Closed || st_[from] == St::Listen) change(from, St::SynReceived, before);
    }
    if (f.fin()) {
      fin_end_[from] = seg.seq + static_cast<std::uint32_t>(len) + 1;
      if (st_[from] == St::Established || st_[from] == St::SynReceived) change(from, St::FinWait1, before);
      if (st_[from] == St::CloseWait) change(from, St::LastAck, before);
    }
    // The receiver, as it arrives (§3.10.7.4: the ACK, then the FIN).
    if (f.syn() && !f.ack() && (st_[to] == St::Closed || st_[to] == St::Listen)) {
      if (st_[to] == St::Closed) st_[to] = St::Listen;  // a passive OPEN was waiting
      change(to, St::SynReceived, after);
    }
    if (seg.ack) {
      const SeqNum ack = *seg.ack;
      // §3.10.7.3: a SYN-ACK acknowledging our SYN completes an active open.
      if (f.syn() && st_[to] == St::SynSent && iss_[to] && ack == *iss_[to] + 1) change(to, St::Established, after);
      if (st_[to] == St::SynReceived && iss_[to] && ack == *iss_[to] + 1) change(to, St::Established, after);
      if (fin_end_[to] && ack.after_eq(*fin_end_[to])) {
        if (st_[to] == St::FinWait1) change(to, St::FinWait2, after);
        if (st_[to] == St::Closing) change(to, St::TimeWait, after);
        if (st_[to] == St::LastAck) change(to, St::Closed, after);
      }
    }
    if (f.fin()) {
      if (st_[to] == St::Established) change(to, St::CloseWait, after);
      if (st_[to] == St::FinWait1) change(to, St::Closing, after);
      if (st_[to] == St::FinWait2) change(to, St::TimeWait, after);
    }
  }

 private:
  std::array<St, 2> st_{St::Closed, St::Closed};
  std::array<std::optional<SeqNum>, 2> iss_;
  std::array<std::optional<SeqNum>, 2> fin_end_;
};

struct Endpoints {
  Ipv4Address left, right;
};

std::optional<Endpoints> first_connection(const std::vector<CaptureFrame>& frames) {
  std::optional<Endpoints> any;
  for (const auto& f : frames) {
    auto eth = EthernetView::check(f.bytes);
    if (!eth || eth->ethertype() != ethertype::kIpv4) continue;
    auto ip = Ipv4View::check(eth->payload());
    if (!ip || ip->protocol() != ipproto::kTcp) continue;
    auto t = decode_tcp(f.bytes);
    if (!t) continue;
    if (t->seg.flags.syn() && !t->seg.flags.ack()) return Endpoints{ip->src(), ip->dst()};
    if (!any) any = Endpoints{ip->src(), ip->dst()};
  }
  return any;
}

}  // namespace

Result<Conversation, std::string> from_capture(const std::vector<CaptureFrame>& frames) {
  auto ends = first_connection(frames);
  if (!ends) return Unexpected<std::string>{"the capture holds no TCP segment"};
  Conversation c;
  c.addresses = {ends->left.to_string(), ends->right.to_string()};
  c.states_inferred = true;
  c.path = ends->left.to_string() + " — " + ends->right.to_string();
  auto side_of = [&](Ipv4Address a) -> std::optional<int> {
    if (a == ends->left) return 0;
    if (a == ends->right) return 1;
    return std::nullopt;
  };
  StateInference states;
  std::uint64_t order = 0;
  for (const auto& f : frames) {
    auto eth = EthernetView::check(f.bytes);
    if (!eth) continue;
    Step s;
    s.at = f.at;
    s.kind = StepKind::Frame;
    s.frame.bytes = f.bytes;
    s.frame.file_number = f.number;
    if (eth->ethertype() == ethertype::kArp) {
      auto arp = ArpView::check(eth->payload());
      if (!arp) continue;
      auto from = side_of(arp->sender_ip());
      auto to = side_of(arp->target_ip());
      if (from) {
        s.side = *from;
        s.frame.middle = !to;
      } else if (to) {
        s.side = *to;
        s.frame.middle = true;
        s.frame.from_middle = true;
      } else {
        continue;
      }
    } else if (eth->ethertype() == ethertype::kIpv4) {
      auto ip = Ipv4View::check(eth->payload());
      if (!ip) continue;
      auto from = side_of(ip->src());
      auto to = side_of(ip->dst());
      if (!from || !to || *from == *to) continue;
      s.side = *from;
      s.frame.tcp = decode_tcp(f.bytes);
    } else {
      continue;
    }
    std::vector<Step> before, after;
    if (s.frame.tcp) states.on_segment(s.side, s.frame.tcp->seg, s.frame.tcp->len, before, after, f.at);
    for (auto& b : before) {
      b.order = order++;
      c.steps.push_back(std::move(b));
    }
    s.order = order++;
    s.frame.arrival_order = s.order;
    c.steps.push_back(std::move(s));
    for (auto& a : after) {
      a.order = order++;
      c.steps.push_back(std::move(a));
    }
  }
  c.annotate();
  return c;
}

}  // namespace ws::view
