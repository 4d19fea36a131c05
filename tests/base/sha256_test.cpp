#include <gtest/gtest.h>

#include <string>

#include "base/sha256.hpp"

namespace ws {
namespace {

std::string sha(const std::string& s) {
  Sha256 h;
  h.update(Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  return h.hex();
}

// FIPS 180-4 / NIST example vectors.
TEST(Sha256, StandardVectors) {
  EXPECT_EQ(sha(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PiecesInAnySplitEqualTheWhole) {
  std::string s(300, '\0');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 7);
  const std::string whole = sha(s);
  for (std::size_t cut = 0; cut <= s.size(); cut += 13) {
    Sha256 h;
    h.update(Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), cut));
    h.update(Bytes(reinterpret_cast<const std::uint8_t*>(s.data()) + cut, s.size() - cut));
    EXPECT_EQ(h.hex(), whole) << cut;
  }
}

}  // namespace
}  // namespace ws
