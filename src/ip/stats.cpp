#include "ip/stats.hpp"

namespace ws {

std::vector<HostStats::Line> HostStats::nonzero() const {
  std::vector<Line> out;
#define WS_LIST_COUNTER(name, text) \
  if (name != 0) out.push_back(Line{#name, text, name});
  WS_HOST_COUNTERS(WS_LIST_COUNTER)
#undef WS_LIST_COUNTER
  return out;
}

}  // namespace ws
