#include "golden.hpp"

#include <gtest/gtest.h>

#include <cstdio>

#include "easel/diffusion/tensor_file.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion::test {

std::filesystem::path sd_reference() { return easel::test::reference_dir() / "sd"; }
std::filesystem::path goldens() { return sd_reference() / "goldens"; }
std::filesystem::path models() { return sd_reference() / "models"; }

Agreement agreement(const at::Tensor& actual, const at::Tensor& expected) {
  const at::Tensor a = actual.to(at::kDouble);
  const at::Tensor b = expected.to(at::kDouble);
  const double norm = b.norm().item<double>();
  const double difference = (a - b).norm().item<double>();
  return {(a - b).abs().max().item<double>(), norm > 0 ? difference / norm : difference};
}

void expect_close(const at::Tensor& actual, const at::Tensor& expected, double rel_l2, double max_abs,
                  const std::string& what) {
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  const Agreement measured = agreement(actual, expected);
  std::printf("  agreement %-48s max-abs %.3g rel-L2 %.3g\n", what.c_str(), measured.max_abs, measured.rel_l2);
  EXPECT_LE(measured.rel_l2, rel_l2) << what;
  EXPECT_LE(measured.max_abs, max_abs) << what;
}

at::Tensor golden(const SafetensorsFile& file, const std::string& name) { return read_tensor(file, name); }

std::vector<SeededRun> seeded_runs() {
  return {{"sd1_t2i_euler_g7.5_s8_seed1234", "sd1", "scheduler/scheduler_config.json",
           "a red bicycle leaning on a brick wall", 8, 7.5, 1234},
          {"sd2turbo_t2i_euler_trailing_g0_s1_seed42", "sd2", "scheduler_variants/euler_epsilon_trailing_turbo.json",
           "a cup of coffee on a wooden table", 1, 0.0, 42}};
}

}  // namespace easel::diffusion::test
