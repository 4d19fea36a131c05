// The step-through page: one self-contained HTML file (no network access,
// no external scripts or fonts) holding the sequence diagram, controls to
// step forward and back or play, each side's TCP state and latest socket
// call at the current step, and for a frame its fields layer by layer with
// its bytes in hex. A click on any step in the diagram goes to it.
//
// The page's script only displays: every state, label and decoded field is
// computed here, from the same Conversation the diagram and the demo's text
// come from.
#pragma once

#include <string>

#include "view/conversation.hpp"

namespace ws::view {

std::string render_page(const Conversation& c);

// A JSON string literal for `s` (quotes included), safe inside <script>.
std::string json_string(std::string_view s);

}  // namespace ws::view
