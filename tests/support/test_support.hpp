#pragma once
// Locations of real test inputs and small helpers shared by the test suites.
#include <filesystem>
#include <cstdint>
#include <string>
#include <vector>

#include "easel/image/image.hpp"

namespace easel::test {

// Folder of real photographs (python3-skimage's data); EASEL_TEST_PHOTOS overrides it.
// Fails the calling test (not skips) when the folder is missing.
std::filesystem::path photos_dir();
// One photograph by file name, e.g. "coffee.png"; asserts that it exists.
std::filesystem::path photo(const std::string& name);
// Reference data folder (../shared/reference); EASEL_REFERENCE_DIR overrides it.
std::filesystem::path reference_dir();
// The built `easel` binary.
std::filesystem::path easel_binary();
// A fresh empty folder for one test's files, removed at process exit.
std::filesystem::path temp_dir();
// What a run of the real `easel` binary did.
struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs `easel ARGS…` (no shell interpretation of the arguments) and collects its exit status and output.
CliRun run_easel(const std::vector<std::string>& args);
// Decodes a photo with default limits.
Image load_photo(const std::string& name);
// A 100000×100000 RGBA PNG header: signature, IHDR with a correct CRC, and nothing else (a
// decompression bomb's first 33 bytes).
std::vector<std::uint8_t> png_bomb_header();

}  // namespace easel::test
