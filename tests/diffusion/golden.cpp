#include "golden.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <opencv2/imgcodecs.hpp>

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

// The reference's PNG is round(255 · clamp(decoded / 2 + 0.5, 0, 1)); README: ≤ 1 LSB on ≤ 0.5 % of values.
void expect_png_matches(const at::Tensor& decoded, const std::filesystem::path& png) {
  const cv::Mat bgr = cv::imread(png.string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(bgr.empty()) << png;
  const at::Tensor ours =
      at::round((decoded / 2 + 0.5).clamp(0, 1) * 255).to(at::kInt)[0].permute({1, 2, 0}).contiguous();
  ASSERT_EQ(ours.size(0), bgr.rows);
  ASSERT_EQ(ours.size(1), bgr.cols);
  std::int64_t differing = 0;
  int worst = 0;
  const int* values = ours.data_ptr<int>();
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      const auto pixel = bgr.at<cv::Vec3b>(y, x);
      for (int c = 0; c < 3; ++c) {
        const int difference = std::abs(values[(y * bgr.cols + x) * 3 + c] - pixel[2 - c]);
        worst = std::max(worst, difference);
        differing += difference > 0;
      }
    }
  }
  const double fraction = static_cast<double>(differing) / static_cast<double>(ours.numel());
  std::printf("  agreement %-48s %lld values differ (max %d LSB)\n", png.filename().c_str(),
              static_cast<long long>(differing), worst);
  EXPECT_LE(worst, 1) << png;
  EXPECT_LE(fraction, 0.005) << png;
}

SchedulerConfig scheduler_config(const nlohmann::json& resolved) {
  const auto path = easel::test::temp_dir() / "scheduler_config.json";
  std::ofstream(path) << resolved.dump();
  return SchedulerConfig::from_json_file(path);
}

std::string test_name(std::string name) {
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

std::vector<SeededRun> seeded_runs() {
  return {{"sd1_t2i_euler_g7.5_s8_seed1234", "sd1", "scheduler/scheduler_config.json",
           "a red bicycle leaning on a brick wall", 8, 7.5, 1234},
          {"sd2turbo_t2i_euler_trailing_g0_s1_seed42", "sd2", "scheduler_variants/euler_epsilon_trailing_turbo.json",
           "a cup of coffee on a wooden table", 1, 0.0, 42}};
}

}  // namespace easel::diffusion::test
