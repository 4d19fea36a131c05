// `wirestack view FILE -o PAGE [--svg DIAGRAM] [-f FILTER]`: a capture
// (pcap or pcapng, through libpcap) as a step-through page and a sequence
// diagram (src/view/).
#include <fmt/format.h>

#include <cstdio>

#include "commands.hpp"
#include "link/capture_reader.hpp"
#include "view/diagram.hpp"
#include "view/page.hpp"

namespace ws::cli {

namespace {

// A page is for reading step by step: a capture longer than this is
// refused with a hint rather than turned into a page nobody can use.
constexpr std::size_t kMaxFrames = 20000;

bool write_text(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

}  // namespace

int run_view(const ViewOptions& opts) {
  auto reader = CaptureReader::open(opts.input_path, opts.filter);
  if (!reader) {
    fmt::print(stderr, "wirestack view: {}\n", reader.error());
    return 1;
  }
  std::vector<view::CaptureFrame> frames;
  for (;;) {
    auto record = reader->next();
    if (!record) {
      fmt::print(stderr, "wirestack view: {}\n", record.error());
      return 1;
    }
    if (!*record) break;
    if (frames.size() >= kMaxFrames) {
      fmt::print(stderr, "wirestack view: {}: more than {} frames; select some with -f FILTER\n", opts.input_path,
                 kMaxFrames);
      return 1;
    }
    CaptureRecord& r = **record;
    frames.push_back(view::CaptureFrame{r.at, std::move(r.frame), static_cast<std::size_t>(r.number)});
  }
  auto conv = view::from_capture(frames);
  if (!conv) {
    fmt::print(stderr, "wirestack view: {}: {}\n", opts.input_path, conv.error());
    return 1;
  }
  conv->title = "wirestack view " + opts.input_path;
  if (!write_text(opts.output_path, view::render_page(*conv))) {
    fmt::print(stderr, "wirestack view: cannot write {}\n", opts.output_path);
    return 1;
  }
  fmt::print("{}: {} steps ({} TCP segments) between {} and {}\n", opts.output_path, conv->steps.size(),
             conv->segment_count(), conv->addresses[0], conv->addresses[1]);
  if (!opts.svg_path.empty()) {
    if (!write_text(opts.svg_path, view::render_svg(*conv))) {
      fmt::print(stderr, "wirestack view: cannot write {}\n", opts.svg_path);
      return 1;
    }
    fmt::print("{}: the sequence diagram\n", opts.svg_path);
  }
  return 0;
}

}  // namespace ws::cli
