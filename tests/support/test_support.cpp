#include "support/test_support.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>

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

namespace {
std::string shell_quoted(const std::string& text) {
  std::string result = "'";
  for (char c : text) result += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return result + "'";
}
}  // namespace

CliRun run_easel(const std::vector<std::string>& args) {
  const fs::path err_file = temp_dir() / "stderr.txt";
  std::string command = shell_quoted(easel_binary().string());
  for (const auto& arg : args) command += " " + shell_quoted(arg);
  command += " 2>" + shell_quoted(err_file.string());
  CliRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe)) run.out += buffer.data();
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_file);
  run.err.assign(std::istreambuf_iterator<char>(err), {});
  return run;
}

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
