// What an instruction preserves stays bit-identical, through the real `easel edit`: a step whose region
// overlaps it is shrunk, a crop is moved to hold it, and a step that can do neither is not applied —
// and the report and stderr say which.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "easel/image/codec.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

struct Edited {
  test::CliRun run;
  Image image;
  json report;
};

Edited edit_coffee(const std::string& instruction) {
  const fs::path dir = test::temp_dir();
  Edited edited;
  edited.run = test::run_easel({"edit", test::photo("coffee.png").string(), "-p", instruction, "-o",
                                (dir / "out.png").string(), "--report", (dir / "report.json").string()});
  EXPECT_EQ(edited.run.exit_code, 0) << edited.run.err;
  if (edited.run.exit_code != 0) return edited;
  edited.image = read_image_file(dir / "out.png", DecodeLimits{}).image;
  std::ifstream report(dir / "report.json");
  edited.report = json::parse(report);
  return edited;
}

double max_difference(const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_INF); }

TEST(Preserve, AWholeImageStepIsShrunkToLeaveThePreservedHalfBitIdentical) {
  const Image source = test::load_photo("coffee.png").to_rgba8();
  const Edited edited = edit_coffee("make it black and white, keep the left half as it is");
  ASSERT_FALSE(edited.image.empty());
  const int half = source.width() / 2;
  EXPECT_EQ(max_difference(edited.image.mat().colRange(0, half), source.mat().colRange(0, half)), 0)
      << "the preserved left half changed";
  const cv::Vec4b right = edited.image.mat().at<cv::Vec4b>(200, source.width() - 100);
  EXPECT_TRUE(right[0] == right[1] && right[1] == right[2]) << "the right half was not made black and white";
  EXPECT_EQ(edited.report["steps"][0]["preserve"]["action"], "shrunk");
  ASSERT_EQ(edited.report["verification"]["preserve"].size(), 1u);
  const json& kept = edited.report["verification"]["preserve"][0];
  EXPECT_EQ(kept["pixels"], half * source.height());
  EXPECT_EQ(kept["changed_pixels"], 0);
  EXPECT_EQ(kept["ok"], true);
  EXPECT_EQ(edited.report["verification"]["ok"], true);
  EXPECT_NE(edited.run.err.find("shrunk"), std::string::npos) << edited.run.err;
}

TEST(Preserve, ACropIsMovedToHoldThePreservedCorner) {
  const Image source = test::load_photo("coffee.png").to_rgba8();  // 600x400: a centred square would start at x = 100
  const Edited edited = edit_coffee("crop it square, keep the top-left corner as it is");
  ASSERT_FALSE(edited.image.empty());
  ASSERT_EQ(edited.image.width(), 400);
  ASSERT_EQ(edited.image.height(), 400);
  EXPECT_EQ(max_difference(edited.image.mat(), source.mat()(cv::Rect(0, 0, 400, 400))), 0)
      << "the square was not moved to x = 0";
  EXPECT_EQ(edited.report["steps"][0]["preserve"]["action"], "moved");
  EXPECT_EQ(edited.report["verification"]["preserve"][0]["cut_off_pixels"], 0);
  EXPECT_EQ(edited.report["verification"]["preserve"][0]["ok"], true);
}

TEST(Preserve, ACropTooSmallToHoldThePreservedAreaIsNotApplied) {
  const Image source = test::load_photo("coffee.png").to_rgba8();
  const Edited edited =
      edit_coffee("crop it square, keep the top half as it is");  // 600 px wide: no 400 px square holds it
  ASSERT_FALSE(edited.image.empty());
  EXPECT_TRUE(bit_identical(edited.image, source));
  EXPECT_EQ(edited.report["steps"][0]["preserve"]["action"], "refused");
  EXPECT_NE(edited.run.err.find("not applied"), std::string::npos) << edited.run.err;
}

TEST(Preserve, TextThatWouldCoverThePreservedAreaIsNotDrawn) {
  const Image source = test::load_photo("coffee.png").to_rgba8();
  const Edited edited = edit_coffee("add the text \"SALE\" at the top, keep the top half as it is");
  ASSERT_FALSE(edited.image.empty());
  const int half = source.height() / 2;
  EXPECT_EQ(max_difference(edited.image.mat().rowRange(0, half), source.mat().rowRange(0, half)), 0)
      << "text was drawn over the preserved top half";
  EXPECT_EQ(edited.report["steps"][0]["preserve"]["action"], "refused");
  EXPECT_EQ(edited.report["verification"]["preserve"][0]["changed_pixels"], 0);
}

}  // namespace
}  // namespace easel
