#include "support/test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <unistd.h>

#include "easel/image/codec.hpp"

namespace easel::test {
namespace fs = std::filesystem;

namespace {
fs::path from_env_or(const char* variable, const char* fallback) {
  const char* value = std::getenv(variable);
  return fs::path(value && *value ? value : fallback);
}

struct TempRoot {
  fs::path path;
  TempRoot() {
    path = fs::temp_directory_path() / ("easel-test-" + std::to_string(::getpid()));
    fs::create_directories(path);
  }
  ~TempRoot() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};
}  // namespace

fs::path photos_dir() {
  fs::path dir = from_env_or("EASEL_TEST_PHOTOS", EASEL_TEST_PHOTOS_DEFAULT);
  EXPECT_TRUE(fs::is_directory(dir)) << "test photographs not found in " << dir
                                     << " (install python3-skimage: scripts/install-deps.sh)";
  return dir;
}

fs::path photo(const std::string& name) {
  fs::path path = photos_dir() / name;
  EXPECT_TRUE(fs::exists(path)) << "missing test photograph " << path;
  return path;
}

fs::path reference_dir() {
  fs::path dir = from_env_or("EASEL_REFERENCE_DIR", EASEL_REFERENCE_DIR_DEFAULT);
  EXPECT_TRUE(fs::is_directory(dir)) << "reference data not found in " << dir
                                     << " (set EASEL_REFERENCE_DIR or place shared/ beside the checkout)";
  return dir;
}

fs::path easel_binary() { return fs::path(EASEL_BINARY_PATH); }

fs::path temp_dir() {
  static TempRoot root;
  static std::atomic<int> counter{0};
  fs::path dir = root.path / std::to_string(counter++);
  fs::create_directories(dir);
  return dir;
}

Image load_photo(const std::string& name) { return read_image_file(photo(name), DecodeLimits{}).image; }

std::vector<std::uint8_t> png_bomb_header() {
  std::vector<std::uint8_t> bytes{0x89, 'P', 'N', 'G',  '\r', '\n', 0x1a, '\n', 0,    0, 0, 13, 'I', 'H', 'D',
                                  'R',  0,   1,   0x86, 0xa0, 0,    1,    0x86, 0xa0, 8, 6, 0,  0,   0};
  std::uint32_t crc = 0xffffffffu;  // CRC-32 of the chunk type and data, bit by bit (PNG spec, annex D)
  for (std::size_t i = 12; i < bytes.size(); ++i) {
    crc ^= bytes[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  crc ^= 0xffffffffu;
  for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(crc >> shift));
  return bytes;
}

}  // namespace easel::test
