#include <gtest/gtest.h>

#include "core/error.h"
#include "core/sha256.h"
#include "test_support.h"

namespace molsieve {

TEST(Sha256, MatchesPublishedTestVectors) {
  Sha256 empty;
  EXPECT_EQ(empty.hex_digest(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 abc;
  abc.update("abc", 3);
  EXPECT_EQ(abc.hex_digest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Two blocks: the message crosses the 56-byte padding boundary.
  Sha256 two_blocks;
  const std::string text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  two_blocks.update(text.data(), text.size());
  EXPECT_EQ(two_blocks.hex_digest(),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, FileHashEqualsStreamedHash) {
  test::ScratchDir dir;
  std::string text(100000, 'x');
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>('a' + i % 26);
  test::write_text(dir.file("data.txt"), text);
  Sha256 streamed;
  streamed.update(text.data(), 33333);
  streamed.update(text.data() + 33333, text.size() - 33333);
  EXPECT_EQ(sha256_file(dir.file("data.txt")), streamed.hex_digest());
}

TEST(Sha256, MissingFileNamesThePath) {
  try {
    sha256_file("/nonexistent/file.smi");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/file.smi"), std::string::npos);
  }
}

}  // namespace molsieve
