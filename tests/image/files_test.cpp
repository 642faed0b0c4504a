// Whole-file reads and atomic writes: an output exists only if it was written completely.
#include <gtest/gtest.h>

#include "easel/image/codec.hpp"
#include "image_test_support.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {
namespace fs = std::filesystem;

std::size_t entries_in(const fs::path& dir) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++count;
  return count;
}

TEST(Files, AtomicWriteReplacesTheWholeFile) {
  const fs::path dir = test::temp_dir();
  const std::vector<std::uint8_t> longer(10'000, 7), shorter{1, 2, 3};
  write_file_atomically(dir / "out.bin", longer);
  write_file_atomically(dir / "out.bin", shorter);
  EXPECT_EQ(read_file_bytes(dir / "out.bin"), shorter);
  EXPECT_EQ(entries_in(dir), 1u);  // no temporary left beside it
}

TEST(Files, FailedWritesLeaveNothingBehindAndSayWhy) {
  const fs::path dir = test::temp_dir();
  const std::vector<std::uint8_t> bytes{1, 2, 3};
  EXPECT_TRUE(test::contains(
      test::error_of([&] { write_file_atomically(dir / "no-such-folder" / "b.png", bytes); }, ErrorKind::output),
      "b.png: cannot create a file in " + (dir / "no-such-folder").string() + " (No such file or directory)"));
  fs::create_directories(dir / "taken.png");
  EXPECT_TRUE(
      test::contains(test::error_of([&] { write_file_atomically(dir / "taken.png", bytes); }, ErrorKind::output),
                     "taken.png: cannot be replaced"));
  EXPECT_TRUE(fs::is_directory(dir / "taken.png"));
  EXPECT_EQ(entries_in(dir), 1u);  // only the folder: the temporary was removed
}

TEST(Files, ReadingNamesTheFileThatIsMissing) {
  const fs::path dir = test::temp_dir();
  EXPECT_TRUE(
      test::contains(test::error_of([&] { read_file_bytes(dir / "absent.json"); }), "absent.json: no such file"));
  EXPECT_TRUE(test::contains(test::error_of([&] { read_file_bytes(dir); }), "is a folder, not a file"));
  EXPECT_EQ(read_file_bytes(test::photo("rocket.jpg")).size(), 112525u);
}

}  // namespace
}  // namespace easel
