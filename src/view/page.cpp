#include "view/page.hpp"

#include <fmt/format.h>

#include <array>

#include "view/diagram.hpp"
#include "view/dissect.hpp"

namespace ws::view {

std::string json_string(std::string_view s) {
  std::string o = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '<': o += "\\u003c"; break;  // never "</script>" inside the page's script
      case '>': o += "\\u003e"; break;
      case '&': o += "\\u0026"; break;
      default:
        if (c < 0x20) {
          o += fmt::format("\\u{:04x}", c);
        } else {
          o += ch;
        }
    }
  }
  return o + "\"";
}

namespace {

std::string_view kind_name(StepKind k) {
  switch (k) {
    case StepKind::Frame: return "frame";
    case StepKind::State: return "state";
    case StepKind::Call: return "call";
  }
  return "";
}

// "SYN-SENT → ESTABLISHED" → "ESTABLISHED".
std::string state_after(const std::string& change) {
  const std::string arrow = "→ ";
  const auto p = change.rfind(arrow);
  return p == std::string::npos ? change : change.substr(p + arrow.size());
}

std::string step_json(const Conversation& c, std::size_t i, const std::array<std::string, 2>& states,
                      const std::array<std::string, 2>& calls) {
  const Step& st = c.steps[i];
  std::string o = fmt::format(R"({{"t":{},"kind":"{}","side":{},"who":{},"text":{},"phase":{},)",
                              json_string(st.at.to_string()), kind_name(st.kind), st.side,
                              json_string(c.names[st.side]), json_string(st.text), json_string(phase_title(st.phase)));
  o += fmt::format(R"("states":[{},{}],"calls":[{},{}])", json_string(states[0]), json_string(states[1]),
                   json_string(calls[0]), json_string(calls[1]));
  if (st.kind == StepKind::Frame) {
    const FrameStep& f = st.frame;
    o += fmt::format(R"(,"frame":{{"n":{},"file":{},"summary":{},"retx":{},"lost":{},"bytes":{},"layers":[)", f.number,
                     f.file_number, json_string(f.summary), json_string(f.retransmission),
                     f.delivered ? "false" : "true", f.bytes.size());
    bool first_layer = true;
    for (const Layer& l : dissect(f.bytes)) {
      o += first_layer ? "" : ",";
      first_layer = false;
      o += fmt::format(R"({{"name":{},"fields":[)", json_string(l.name));
      for (std::size_t k = 0; k < l.fields.size(); ++k) {
        o += fmt::format("{}[{},{}]", k ? "," : "", json_string(l.fields[k].first), json_string(l.fields[k].second));
      }
      o += "]}";
    }
    o += fmt::format(R"(],"hex":{}}})", json_string(hex_dump(f.bytes)));
  }
  return o + "}";
}

constexpr const char* kStyle = R"css(
body{font-family:DejaVu Sans,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:10px 16px;background:#263238;color:#eceff1}
header h1{font-size:17px;margin:0 0 4px 0;font-family:DejaVu Sans Mono,monospace}
header p{margin:0;font-size:13px;color:#b0bec5}
#bar{position:sticky;top:0;z-index:2;background:#eceff1;border-bottom:1px solid #cfd8dc;padding:8px 16px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
#bar button{font-size:14px;padding:3px 10px}
.side{border:1px solid #b0bec5;border-radius:4px;padding:4px 8px;background:#fff;min-width:220px;font-size:13px}
.side b{font-family:DejaVu Sans Mono,monospace}
#now{font-family:DejaVu Sans Mono,monospace;font-size:13px;padding:6px 16px;background:#fffde7;border-bottom:1px solid #eee}
#main{display:flex;gap:12px;padding:12px 16px;align-items:flex-start}
#diagram{overflow:auto;border:1px solid #ddd;background:#fff;flex:0 1 auto}
#details{flex:1 1 360px;min-width:320px;font-size:13px;position:sticky;top:60px}
#details table{border-collapse:collapse;width:100%;margin-bottom:8px}
#details th{text-align:left;background:#e8eaf6;padding:3px 6px}
#details td{border-top:1px solid #eee;padding:2px 6px;font-family:DejaVu Sans Mono,monospace;vertical-align:top}
#hex{font-family:DejaVu Sans Mono,monospace;font-size:12px;background:#f5f5f5;padding:6px;white-space:pre;overflow:auto}
.step{cursor:pointer}
.current text{fill:#b71c1c !important}
)css";

constexpr const char* kScript = R"js(
const steps = JSON.parse(document.getElementById('steps').textContent);
let cur = 0, timer = null;
const $ = id => document.getElementById(id);
function esc(s) { return String(s).replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c])); }
function describe(s) {
  if (s.kind === 'frame') {
    let t = (s.frame.n ? '#' + s.frame.n + ' ' : '') + s.who + ' sends ' + s.frame.summary;
    if (s.frame.retx) t += '  — a retransmission (' + s.frame.retx + ')';
    if (s.frame.lost) t += '  — LOST on the way';
    return t;
  }
  if (s.kind === 'state') return s.who + ': state ' + s.text;
  return s.who + ' calls ' + s.text;
}
function details(s) {
  if (s.kind !== 'frame') return;
  let h = '<h3>' + esc((s.frame.n ? 'segment #' + s.frame.n : 'frame') + ' at ' + s.t + ' s' +
          (s.frame.file ? ' (frame ' + s.frame.file + ' of the capture)' : '')) + '</h3>';
  for (const l of s.frame.layers) {
    h += '<table class="layer"><tr><th colspan="2">' + esc(l.name) + '</th></tr>';
    for (const f of l.fields) h += '<tr><td>' + esc(f[0]) + '</td><td>' + esc(f[1]) + '</td></tr>';
    h += '</table>';
  }
  h += '<div>' + s.frame.bytes + ' bytes</div><div id="hex">' + esc(s.frame.hex) + '</div>';
  $('details').innerHTML = h;
}
function show(i) {
  cur = Math.max(0, Math.min(steps.length - 1, i));
  document.querySelectorAll('.step.current').forEach(e => e.classList.remove('current'));
  const g = $('step-' + cur);
  if (g) { g.classList.add('current'); if (g.scrollIntoView) g.scrollIntoView({block: 'nearest'}); }
  const s = steps[cur];
  $('pos').textContent = 'step ' + (cur + 1) + ' of ' + steps.length + ', ' + s.t + ' s';
  for (const k of [0, 1]) {
    $('state' + k).textContent = s.states[k];
    $('call' + k).textContent = s.calls[k] || '—';
  }
  $('phase').textContent = s.phase || '—';
  $('now').textContent = describe(s);
  details(s);
}
function play() {
  if (timer) { clearInterval(timer); timer = null; $('play').textContent = '▶ play'; return; }
  $('play').textContent = '■ pause';
  timer = setInterval(() => { if (cur >= steps.length - 1) play(); else show(cur + 1); }, 700);
}
$('first').onclick = () => show(0);
$('prev').onclick = () => show(cur - 1);
$('next').onclick = () => show(cur + 1);
$('last').onclick = () => show(steps.length - 1);
$('play').onclick = play;
document.querySelectorAll('.step').forEach(g => g.addEventListener('click', () => show(Number(g.dataset.step))));
document.addEventListener('keydown', e => {
  if (e.key === 'ArrowRight') show(cur + 1);
  else if (e.key === 'ArrowLeft') show(cur - 1);
  else if (e.key === ' ') { e.preventDefault(); play(); }
});
show(0);
)js";

}  // namespace

std::string render_page(const Conversation& c) {
  std::string data = "[";
  std::array<std::string, 2> states{"CLOSED", "CLOSED"};
  std::array<std::string, 2> calls;
  for (std::size_t i = 0; i < c.steps.size(); ++i) {
    const Step& st = c.steps[i];
    if (st.kind == StepKind::State) states[st.side] = state_after(st.text);
    if (st.kind == StepKind::Call) calls[st.side] = st.text;
    data += (i ? ",\n" : "\n") + step_json(c, i, states, calls);
  }
  data += "]";
  const std::string inferred = c.states_inferred ? " (inferred from the segments)" : "";
  std::string side_boxes;
  for (int k = 0; k < 2; ++k) {
    side_boxes += fmt::format(
        R"(<div class="side"><b>{}</b> {}<br>state{}: <b id="state{}"></b><br>last socket call: <span id="call{}"></span></div>)",
        xml_escape(c.names[k]), xml_escape(c.addresses[k]), xml_escape(inferred), k, k);
  }
  return fmt::format(
      R"page(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{0}</title>
<style>{1}</style></head>
<body>
<header><h1>{0}</h1><p>{2}. Step with the buttons or the arrow keys, play with the space bar; click any arrow, state or call in the diagram to go to it.</p></header>
<div id="bar"><span><button id="first" title="first step">« first</button> <button id="prev" title="step back (←)">◀ back</button> <button id="next" title="step forward (→)">forward ▶</button> <button id="last" title="last step">last »</button> <button id="play">▶ play</button></span>
<span id="pos"></span>{3}<div class="side">phase<br><b id="phase"></b></div></div>
<div id="now"></div>
<div id="main"><div id="diagram">{4}</div><div id="details"><p>Step onto a segment, or click one, to see its fields layer by layer and its bytes.</p></div></div>
<script type="application/json" id="steps">{5}</script>
<script>{6}</script>
</body></html>
)page",
      xml_escape(c.title), kStyle, xml_escape(c.path), side_boxes, render_svg(c), data, kScript);
}

}  // namespace ws::view
