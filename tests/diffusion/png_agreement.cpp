#include "png_agreement.hpp"

#include <gtest/gtest.h>

#include <cstdio>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "golden.hpp"

namespace easel::diffusion::test {

PixelAgreement compare_pngs(const std::filesystem::path& ours, const std::filesystem::path& reference) {
  const cv::Mat a = cv::imread(ours.string(), cv::IMREAD_COLOR);
  const cv::Mat b = cv::imread(reference.string(), cv::IMREAD_COLOR);
  EXPECT_FALSE(a.empty()) << ours;
  EXPECT_EQ(a.size(), b.size()) << ours;
  if (a.empty() || a.size() != b.size()) return {255, 1};
  cv::Mat difference;
  cv::absdiff(a, b, difference);
  double worst = 0;
  cv::minMaxLoc(difference.reshape(1), nullptr, &worst);
  const double fraction = cv::countNonZero(difference.reshape(1)) / static_cast<double>(difference.total() * 3);
  std::printf("  agreement %-48s max %d LSB on %.3f %% of values\n", ours.filename().c_str(), static_cast<int>(worst),
              100 * fraction);
  return {static_cast<int>(worst), fraction};
}

void expect_matches_golden(const std::filesystem::path& ours, const std::string& golden_name) {
  const PixelAgreement agreement = compare_pngs(ours, goldens() / "seeded" / (golden_name + ".png"));
  EXPECT_LE(agreement.worst, 1) << ours;
  EXPECT_LE(agreement.differing_fraction, 0.005) << ours;
}

}  // namespace easel::diffusion::test
