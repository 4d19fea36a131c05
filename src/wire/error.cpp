#include "wire/error.hpp"

namespace ws {

std::string_view to_string(WireError e) {
  switch (e) {
    case WireError::TruncatedHeader: return "TruncatedHeader";
    case WireError::TruncatedPayload: return "TruncatedPayload";
    case WireError::BadVersion: return "BadVersion";
    case WireError::BadHeaderLength: return "BadHeaderLength";
    case WireError::BadTotalLength: return "BadTotalLength";
    case WireError::BadLength: return "BadLength";
    case WireError::BadChecksum: return "BadChecksum";
    case WireError::BadDataOffset: return "BadDataOffset";
    case WireError::BadOptionLength: return "BadOptionLength";
    case WireError::BadOption: return "BadOption";
    case WireError::BadFlags: return "BadFlags";
    case WireError::UnsupportedHardware: return "UnsupportedHardware";
    case WireError::BadOperation: return "BadOperation";
    case WireError::UnsupportedType: return "UnsupportedType";
    case WireError::Fragmented: return "Fragmented";
  }
  return "Unknown";
}

}  // namespace ws
