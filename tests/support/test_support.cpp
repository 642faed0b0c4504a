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

}  // namespace easel::test
