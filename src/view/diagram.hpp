// The sequence diagram of a Conversation, as SVG: two lifelines, time
// running down to scale, long waits drawn as marked breaks with their
// length, each frame an arrow with its label beside it (lost ones end in a
// cross half-way), retransmissions labelled with their cause, ARP drawn
// lighter, socket calls and state changes as notes beside the lifelines,
// and the seed notes' phases as bands with their names.
//
// Layout is computed, not fixed: every label gets a row of its own and a
// column wide enough for the longest text in it, and the canvas is sized to
// its content, so nothing is cut off and no two labels overlap. Text widths
// are estimated for a 12 px monospace font (CJK characters count double).
#pragma once

#include <string>

#include "view/conversation.hpp"

namespace ws::view {

struct DiagramLayout {
  int width = 0;
  int height = 0;
};

// The whole <svg> element. Each step's drawing is a <g id="step-N"> (N its
// index in c.steps) so a page can highlight or click it.
std::string render_svg(const Conversation& c, DiagramLayout* layout = nullptr);

// Width in pixels of `text` in the diagram's font (an upper estimate).
double text_width(std::string_view text);

// XML text escaping for <, >, & and quotes.
std::string xml_escape(std::string_view s);

}  // namespace ws::view
