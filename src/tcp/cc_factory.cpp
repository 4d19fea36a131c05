#include "tcp/cc_factory.hpp"

#include "tcp/bbr.hpp"
#include "tcp/cubic.hpp"
#include "tcp/new_reno_cc.hpp"

namespace ws::tcp {

std::unique_ptr<CongestionControl> make_cc(CcKind kind, std::uint32_t smss, InitialWindow iw, std::uint64_t seed) {
  switch (kind) {
    case CcKind::Reno: {
      NewRenoCcConfig config;
      config.smss = smss;
      config.initial_window = iw;
      return std::make_unique<NewRenoCc>(config);
    }
    case CcKind::Cubic: {
      CubicConfig config;
      config.smss = smss;
      config.initial_window = iw;
      return std::make_unique<Cubic>(config);
    }
    case CcKind::Bbr: {
      BbrConfig config;
      config.smss = smss;
      config.initial_window = iw;
      config.seed = seed;
      return std::make_unique<Bbr>(config);
    }
  }
  return nullptr;
}

std::optional<CcKind> parse_cc(std::string_view name) {
  if (name == "reno" || name == "newreno") return CcKind::Reno;
  if (name == "cubic") return CcKind::Cubic;
  if (name == "bbr") return CcKind::Bbr;
  return std::nullopt;
}

std::string_view to_string(CcKind kind) {
  switch (kind) {
    case CcKind::Reno: return "newreno";
    case CcKind::Cubic: return "cubic";
    case CcKind::Bbr: return "bbr";
  }
  return "?";
}

}  // namespace ws::tcp
