#pragma once
// Shared helpers of the diffusion tests: reference paths, golden tensors, agreement measures, and
// expected errors.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "easel/core/error.hpp"
#include "easel/model_files/model_config.hpp"
#include "easel/model_files/safetensors.hpp"

namespace easel::diffusion::test {

std::filesystem::path sd_reference();
std::filesystem::path goldens();
std::filesystem::path models();

struct Agreement {
  double max_abs = 0;
  double rel_l2 = 0;
};
Agreement agreement(const at::Tensor& actual, const at::Tensor& expected);

// Asserts rel-L2 and max-abs within the README's tolerance for the quantity, and prints the
// measured agreement so that test logs document it.
void expect_close(const at::Tensor& actual, const at::Tensor& expected, double rel_l2, double max_abs,
                  const std::string& what);

at::Tensor golden(const SafetensorsFile& file, const std::string& name);

// A run's fully resolved scheduler config (a manifest's "scheduler" object), read the way a model
// folder's is.
SchedulerConfig scheduler_config(const nlohmann::json& resolved);
// A golden run's name as a GoogleTest name (letters, digits and underscores only).
std::string test_name(std::string name);

// A decoded (1, 3, H, W) image in [-1, 1] against the reference's PNG of it,
// round(255 · clamp(decoded / 2 + 0.5, 0, 1)): ≤ 1 LSB on ≤ 0.5 % of values (the READMEs' tolerance).
void expect_png_matches(const at::Tensor& decoded, const std::filesystem::path& png);

// One of the reference's seeded text-to-image goldens (goldens/seeded/<name>) and how it was made.
struct SeededRun {
  std::string name;
  std::string model;
  std::string scheduler_config;  // relative to models/<model>/
  std::string prompt;
  int steps;
  double guidance;
  std::uint64_t seed;
};
// Both of them: SD1 with 8 guided Euler steps, SD2 with SD-Turbo's single trailing step.
std::vector<SeededRun> seeded_runs();

// Runs `body` and expects an easel::Error of `kind` whose message contains `fragment`.
template <typename Body>
void expect_error(Body&& body, ErrorKind kind, const std::string& fragment) {
  try {
    body();
    ADD_FAILURE() << "no error; expected one mentioning '" << fragment << "'";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), kind) << error.what();
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
  }
}

}  // namespace easel::diffusion::test
