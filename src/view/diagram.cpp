#include "view/diagram.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace ws::view {

namespace {

// Geometry, in pixels. A row holds one step: a frame's label sits above its
// arrow (baseline kLabelRise above the row's y, the arrow falls kFall below
// it), a note is centred on the row; kRow keeps the next row's label clear
// of this row's arrow.
constexpr double kCharWidth = 7.4;  // 12 px monospace: DejaVu Sans Mono is 7.22
constexpr int kMargin = 16;
constexpr int kRow = 30;
constexpr int kLabelRise = 6;
constexpr int kFall = 8;
constexpr int kBreakHeight = 44;  // the marked break of a long wait
constexpr int kHeaderTop = 24;
constexpr int kFirstRow = 136;
constexpr double kPxPerMs = 1.2;           // time to scale between breaks
constexpr std::int64_t kBreakAfterMs = 250;  // a longer wait is drawn as a break
constexpr int kMinArrows = 320;

std::string seconds(Instant at) { return fmt::format("{:.3f} s", at.nanos() / 1e9); }

std::string duration_text(Duration d) {
  const double s = d.as_seconds();
  return s >= 1 ? fmt::format("{:.3f} s later", s) : fmt::format("{} ms later", d.total_millis());
}

std::string frame_label(const Step& st) {
  const FrameStep& f = st.frame;
  std::string s = f.tcp ? fmt::format("#{} {}", f.number, f.summary) : f.summary;
  // Across a router each hop takes one from the TTL (RFC 791 §3.2).
  if (f.tcp && f.delivered && f.ttl_at_arrival != 0 && f.ttl_at_arrival != f.tcp->ttl) {
    s += fmt::format(" ttl {}→{}", f.tcp->ttl, f.ttl_at_arrival);
  }
  if (f.middle) s += f.from_middle ? "  (from the router)" : "  (to the router)";
  return s;
}

std::string frame_suffix(const Step& st) {
  std::string s;
  if (!st.frame.retransmission.empty()) s += "  RETX (" + st.frame.retransmission + ")";
  if (!st.frame.delivered) s += "  LOST";
  return s;
}

struct Break {
  int top;     // first pixel of the break
  int bottom;  // last
  Duration length;
};

}  // namespace

double text_width(std::string_view text) {
  double units = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    std::uint32_t cp = c;
    if (len > 1 && i + len <= text.size()) {
      cp = c & (0xff >> (len + 1));
      for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
    }
    // East Asian wide characters take two cells of a monospace font.
    const bool wide = (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
                      (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
                      (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6);
    units += wide ? 2 : 1;
    i += len;
  }
  return units * kCharWidth;
}

std::string xml_escape(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string render_svg(const Conversation& c, DiagramLayout* layout_out) {
  const auto& steps = c.steps;
  // --- rows: time to scale, long waits as breaks ---
  std::vector<int> y(steps.size());
  std::vector<Break> breaks;
  int cur = kFirstRow;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (i > 0) {
      const Duration gap = steps[i].at - steps[i - 1].at;
      if (gap.total_millis() > kBreakAfterMs) {
        breaks.push_back(Break{cur + 14, cur + 14 + kBreakHeight - 4, gap});
        cur += kBreakHeight + kRow;
      } else {
        cur += std::max(kRow, static_cast<int>(static_cast<double>(gap.total_nanos()) / 1e6 * kPxPerMs));
      }
    }
    y[i] = cur;
  }
  const int last_row = steps.empty() ? kFirstRow : y.back();

  // --- columns sized to their longest text ---
  double time_w = text_width("000.000 s");
  std::array<double, 2> notes_w{text_width(c.names[0]) / 2 + 8, text_width(c.names[1]) / 2 + 8};
  for (int s = 0; s < 2; ++s) notes_w[s] = std::max(notes_w[s], text_width(c.addresses[s]) / 2 + 8);
  double arrows_w = kMinArrows;
  double phase_w = 0;
  for (const auto& st : steps) {
    time_w = std::max(time_w, text_width(seconds(st.at)));
    if (st.kind == StepKind::Frame) {
      arrows_w = std::max(arrows_w, text_width(frame_label(st) + frame_suffix(st)) + 40);
    } else {
      notes_w[st.side] = std::max(notes_w[st.side], text_width(st.text) + 22);
    }
    if (st.phase != Phase::None) phase_w = std::max(phase_w, text_width(phase_title(st.phase)) + 16);
  }
  for (const auto& b : breaks) arrows_w = std::max(arrows_w, text_width("… " + duration_text(b.length) + " …") + 40);
  const double x_time = kMargin + time_w;
  const double x0 = x_time + 16 + notes_w[0];
  const double x1 = x0 + arrows_w;
  const double x_phase = x1 + notes_w[1] + 12;
  double width = x_phase + phase_w + kMargin;
  const std::string subtitle = c.path + (c.states_inferred ? "  (states inferred from the segments)" : "");
  width = std::max({width, text_width(c.title) * 14.0 / 12.0 + 2 * kMargin, text_width(subtitle) + 2 * kMargin});
  const int height = last_row + 40;
  const double xm = (x0 + x1) / 2;
  const std::array<double, 2> life{x0, x1};

  std::string out;
  out += fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" class="ws-diagram" width="{0:.0f}" height="{1}" viewBox="0 0 {0:.0f} {1}" font-family="DejaVu Sans Mono, monospace" font-size="12">)"
      "\n",
      width, height);
  out +=
      R"(<defs><marker id="arrow" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#1f5fa8"/></marker>)"
      R"(<marker id="arrow-arp" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#aaa"/></marker></defs>)"
      "\n"
      R"(<style>.seg{stroke:#1f5fa8;stroke-width:1.5} .retx{stroke:#d35400} .lost{stroke:#c0392b;stroke-dasharray:4 3} .arp{stroke:#aaa;stroke-width:1;stroke-dasharray:2 2} )"
      R"(.cross{stroke:#c0392b;stroke-width:2} .label{fill:#000} .label-arp{fill:#999} .why{fill:#d35400} .gone{fill:#c0392b} .state{fill:#555;font-style:italic} )"
      R"(.call{fill:#1b5e20} .callbox{fill:#f1f8e9;stroke:#9ccc65} .dot{fill:#555} .time{fill:#888;font-size:11px} .life{stroke:#999} .brk{stroke:#bbb;stroke-dasharray:6 4} )"
      R"(.brktext{fill:#888;font-style:italic} .phase-text{fill:#6d4c41;font-weight:bold} .current line, .current rect{stroke-width:3} .current text{font-weight:bold})"
      R"(</style>)"
      "\n";
  out += fmt::format(R"(<rect x="0" y="0" width="{:.0f}" height="{}" fill="#fff"/>)"
                     "\n",
                     width, height);

  // Phase bands behind everything, named in their own column.
  const std::array<const char*, 4> band_fill{"none", "#e3f2fd", "#f3e5f5", "#fff3e0"};
  for (std::size_t i = 0; i < steps.size();) {
    const Phase p = steps[i].phase;
    std::size_t j = i;
    while (j + 1 < steps.size() && steps[j + 1].phase == p) ++j;
    if (p != Phase::None) {
      const int top = y[i] - 22;
      const int bottom = j + 1 < steps.size() ? y[j + 1] - 22 : y[j] + 14;
      out += fmt::format(
          R"(<rect class="phase" x="{:.0f}" y="{}" width="{:.0f}" height="{}" fill="{}" opacity="0.6"/>)"
          "\n",
          x_time + 8, top, x_phase + phase_w - x_time - 8, bottom - top, band_fill[static_cast<int>(p)]);
      out += fmt::format(R"(<text class="phase-text" x="{:.0f}" y="{}">{}</text>)"
                         "\n",
                         x_phase + 4, top + 15, xml_escape(phase_title(p)));
    }
    i = j + 1;
  }

  // Title, lifeline heads, lifelines (interrupted at each break).
  out += fmt::format(R"(<text x="{}" y="{}" font-size="14" font-weight="bold">{}</text>)"
                     "\n",
                     kMargin, kHeaderTop, xml_escape(c.title));
  out += fmt::format(R"(<text x="{}" y="{}" fill="#555">{}</text>)"
                     "\n",
                     kMargin, kHeaderTop + 20, xml_escape(subtitle));
  for (int s = 0; s < 2; ++s) {
    out += fmt::format(R"(<text x="{:.0f}" y="84" text-anchor="middle" font-weight="bold">{}</text>)"
                       "\n",
                       life[s], xml_escape(c.names[s]));
    out += fmt::format(R"(<text x="{:.0f}" y="100" text-anchor="middle" fill="#555">{}</text>)"
                       "\n",
                       life[s], xml_escape(c.addresses[s]));
  }
  int seg_top = 108;
  auto lifelines_to = [&](int bottom) {
    for (double x : {x_time + 6, x0, x1}) {
      out += fmt::format(R"(<line class="life" x1="{:.0f}" y1="{}" x2="{:.0f}" y2="{}"/>)"
                         "\n",
                         x, seg_top, x, bottom);
    }
  };
  for (const auto& b : breaks) {
    lifelines_to(b.top);
    for (double x : {x_time + 6, x0, x1}) {
      for (int k : {0, 8}) {
        out += fmt::format(R"(<line class="life" x1="{:.0f}" y1="{}" x2="{:.0f}" y2="{}"/>)"
                           "\n",
                           x - 6, b.top + 6 + k, x + 6, b.top + k);
      }
    }
    out += fmt::format(R"(<line class="brk" x1="{:.0f}" y1="{}" x2="{:.0f}" y2="{}"/>)"
                       "\n",
                       x0 + 12, b.top + 4, x1 - 12, b.top + 4);
    out += fmt::format(R"(<text class="brktext" x="{:.0f}" y="{}" text-anchor="middle">… {} …</text>)"
                       "\n",
                       xm, (b.top + b.bottom) / 2 + 4, xml_escape(duration_text(b.length)));
    out += fmt::format(R"(<line class="brk" x1="{:.0f}" y1="{}" x2="{:.0f}" y2="{}"/>)"
                       "\n",
                       x0 + 12, b.bottom - 2, x1 - 12, b.bottom - 2);
    seg_top = b.bottom;
  }
  lifelines_to(height - 16);

  // The steps.
  std::string last_time;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& st = steps[i];
    const int yy = y[i];
    out += fmt::format(R"(<g id="step-{}" class="step" data-step="{}">)", i, i);
    const std::string t = seconds(st.at);
    if (t != last_time) {
      out += fmt::format(R"(<text class="time" x="{:.0f}" y="{}" text-anchor="end">{}</text>)", x_time, yy + 4, t);
      last_time = t;
    }
    if (st.kind == StepKind::Frame) {
      const FrameStep& f = st.frame;
      const bool arp = !f.tcp;
      double from = life[st.side];
      double to = life[1 - st.side];
      if (f.middle) {
        if (f.from_middle) {
          from = xm;
          to = life[st.side];
        } else {
          to = xm;
        }
      }
      const double end = f.delivered ? to : (from + to) / 2;
      const std::string cls = arp ? "arp" : !f.delivered ? "seg lost" : !f.retransmission.empty() ? "seg retx" : "seg";
      out += fmt::format(R"(<line class="{}" x1="{:.0f}" y1="{}" x2="{:.0f}" y2="{}"{}/>)", cls, from, yy, end,
                         yy + (f.delivered ? kFall : kFall / 2),
                         f.delivered ? (arp ? R"m( marker-end="url(#arrow-arp)")m" : R"m( marker-end="url(#arrow)")m") : "");
      if (!f.delivered) {
        out += fmt::format(R"(<line class="cross" x1="{0:.0f}" y1="{1}" x2="{2:.0f}" y2="{3}"/>)"
                           R"(<line class="cross" x1="{0:.0f}" y1="{3}" x2="{2:.0f}" y2="{1}"/>)",
                           end - 5, yy - 1, end + 5, yy + 9);
      }
      const bool rightward = to > from;
      out += fmt::format(R"(<text class="{}" x="{:.0f}" y="{}" text-anchor="{}">{})", arp ? "label-arp" : "label",
                         from + (rightward ? 10 : -10), yy - kLabelRise, rightward ? "start" : "end",
                         xml_escape(frame_label(st)));
      if (!f.retransmission.empty()) {
        out += fmt::format(R"(<tspan class="why">  RETX ({})</tspan>)", xml_escape(f.retransmission));
      }
      if (!f.delivered) out += R"(<tspan class="gone">  LOST</tspan>)";
      out += "</text>";
    } else {
      const bool left = st.side == 0;
      const double x = life[st.side];
      const double tx = left ? x - 14 : x + 14;
      const char* anchor = left ? "end" : "start";
      if (st.kind == StepKind::Call) {
        const double w = text_width(st.text) + 8;
        out += fmt::format(R"(<rect class="callbox" x="{:.0f}" y="{}" width="{:.0f}" height="18" rx="3"/>)",
                           left ? tx - w + 4 : tx - 4, yy - 9, w);
        out += fmt::format(R"(<text class="call" x="{:.0f}" y="{}" text-anchor="{}">{}</text>)", tx, yy + 4, anchor,
                           xml_escape(st.text));
      } else {
        out += fmt::format(R"(<circle class="dot" cx="{:.0f}" cy="{}" r="3"/>)", x, yy);
        out += fmt::format(R"(<text class="state" x="{:.0f}" y="{}" text-anchor="{}">{}</text>)", tx, yy + 4, anchor,
                           xml_escape(st.text));
      }
    }
    out += "</g>\n";
  }
  out += "</svg>\n";
  if (layout_out != nullptr) *layout_out = DiagramLayout{static_cast<int>(width), height};
  return out;
}

}  // namespace ws::view
