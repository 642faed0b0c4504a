// Nothing dropped silently, on the real binary and a real photo (coffee.png: a cup on a saucer, a spoon
// beside it): a thing Easel cannot find is never edited in its place, looks a clause asks for reach the
// pixels, and the report agrees with the result.
#include <gtest/gtest.h>

#include <fstream>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "easel/image/codec.hpp"
#include "easel/plan/edit_plan.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {
namespace fs = std::filesystem;

json read_json(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

cv::Mat rgba_of(const fs::path& path) { return read_image_file(path, DecodeLimits{}).image.to_rgba8().mat(); }

TEST(NothingDroppedCli, RemoveTheSpoonDoesNotRemoveTheCup) {
  const fs::path dir = test::temp_dir();
  const std::string coffee = test::photo("coffee.png").string();
  for (const char* instruction :
       {"remove the spoon", "make the cup blue", "change the saucer to green", "brighten the face"}) {
    const test::CliRun run = test::run_easel({"edit", coffee, "-p", instruction, "-o", (dir / "out.png").string()});
    EXPECT_EQ(run.exit_code, 4) << instruction << ": " << run.err;  // nothing in it maps to a step Easel can run
    EXPECT_NE(run.err.find("give a mask (--mask / the mask brush)"), std::string::npos) << run.err;
    EXPECT_FALSE(fs::exists(dir / "out.png")) << instruction;
  }
  // Beside an edit that runs, the clause is listed as not done and the cup stays as it was, bit for bit.
  const test::CliRun run =
      test::run_easel({"edit", coffee, "-p", "remove the spoon and warm up the top-left corner", "-o",
                       (dir / "out.png").string(), "--report", (dir / "report.json").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("not done: \"remove the spoon\""), std::string::npos) << run.err;
  const json report = read_json(dir / "report.json");
  ASSERT_EQ(report["plan"]["steps"].size(), 1u);
  EXPECT_EQ(report["plan"]["steps"][0]["op"], "color.adjust");
  ASSERT_EQ(report["plan"]["unsupported"].size(), 1u);
  EXPECT_EQ(report["plan"]["unsupported"][0]["clause"], "remove the spoon");
  // Only the top-left quarter was asked for: the rest, with the cup's right side, the saucer and the
  // spoon, is bit-identical (an object.remove on "the largest object" would have erased the cup).
  cv::Mat diff;
  cv::absdiff(rgba_of(coffee), rgba_of(dir / "out.png"), diff);
  diff(cv::Rect(0, 0, 300, 200)).setTo(cv::Scalar::all(0));
  EXPECT_EQ(cv::norm(diff, cv::NORM_INF), 0.0) << "pixels outside the top-left corner changed";
}

TEST(NothingDroppedCli, WithAMaskTheNamedThingIsTheMasksAreaAndNothingElse) {
  const fs::path dir = test::temp_dir();
  const std::string coffee = test::photo("coffee.png").string();
  cv::Mat mask(400, 600, CV_8U, cv::Scalar(0));
  const cv::Rect spoon(325, 240, 85, 90);
  mask(spoon).setTo(255);
  ASSERT_TRUE(cv::imwrite((dir / "spoon.png").string(), mask));
  const test::CliRun run =
      test::run_easel({"edit", coffee, "-p", "remove the spoon", "--mask", (dir / "spoon.png").string(), "-o",
                       (dir / "out.png").string(), "--report", (dir / "report.json").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json report = read_json(dir / "report.json");
  ASSERT_EQ(report["plan"]["steps"].size(), 1u);
  EXPECT_EQ(report["plan"]["steps"][0]["op"], "object.remove");
  EXPECT_EQ(report["plan"]["steps"][0]["target"], (json{{"mask", (dir / "spoon.png").string()}}));
  EXPECT_TRUE(report["plan"]["unsupported"].empty());
  const cv::Mat before = rgba_of(coffee);
  const cv::Mat after = rgba_of(dir / "out.png");
  cv::Mat diff;
  cv::absdiff(before, after, diff);
  diff(spoon).setTo(cv::Scalar::all(0));
  EXPECT_EQ(cv::norm(diff, cv::NORM_INF), 0.0) << "pixels outside the mask changed";
  EXPECT_GT(cv::norm(before(spoon), after(spoon), cv::NORM_L1), 0.0) << "the masked spoon was not touched";
}

TEST(NothingDroppedCli, TextInBoldRedWithAnOutlineComesOutRed) {
  const fs::path dir = test::temp_dir();
  const std::string coffee = test::photo("coffee.png").string();
  const test::CliRun run =
      test::run_easel({"edit", coffee, "-p", "add the text 'SALE' in bold red with an outline at the top", "-o",
                       (dir / "out.png").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err.find("not done"), std::string::npos) << run.err;
  // Pure red letters: pixels that were not red before and are now.
  const auto red_pixels = [](const cv::Mat& rgba) {
    std::vector<cv::Mat> channels;
    cv::split(rgba, channels);
    return cv::Mat((channels[0] > 200) & (channels[1] < 60) & (channels[2] < 60));
  };
  const cv::Mat added = red_pixels(rgba_of(dir / "out.png")) & ~red_pixels(rgba_of(coffee));
  EXPECT_GT(cv::countNonZero(added), 2000) << "the text is not red";
}

TEST(NothingDroppedCli, ExtendingWithWhiteOrWithoutCroppingKeepsEveryPixel) {
  const fs::path dir = test::temp_dir();
  const std::string coffee = test::photo("coffee.png").string();
  const std::vector<std::pair<std::string, std::string>> runs{
      {"white.png", "make it square and extend the canvas with white"},
      {"reflected.png", "make it square without cropping"}};
  for (const auto& [name, instruction] : runs) {
    const test::CliRun run = test::run_easel(
        {"edit", coffee, "-p", instruction, "-o", (dir / name).string(), "--report", (dir / "report.json").string()});
    ASSERT_EQ(run.exit_code, 0) << instruction << ": " << run.err;
    EXPECT_EQ(run.err.find("not done"), std::string::npos) << run.err;
    EXPECT_TRUE(read_json(dir / "report.json")["plan"]["unsupported"].empty()) << instruction;
    const cv::Mat out = rgba_of(dir / name);
    ASSERT_EQ(out.size(), cv::Size(600, 600)) << instruction;  // 600x400 extended, not cropped to 400x400
    EXPECT_EQ(cv::norm(out(cv::Rect(0, 100, 600, 400)), rgba_of(coffee), cv::NORM_INF), 0.0) << instruction;
  }
  const cv::Mat white_margin = rgba_of(dir / "white.png")(cv::Rect(0, 0, 600, 100)).clone().reshape(1);
  EXPECT_EQ(cv::countNonZero(white_margin != 255), 0) << "the new margin is not white";
  const cv::Mat reflected_margin = rgba_of(dir / "reflected.png")(cv::Rect(0, 0, 600, 100)).clone().reshape(1);
  EXPECT_GT(cv::countNonZero(reflected_margin != 255), 0) << "without a colour the margin continues the photo";
}

TEST(NothingDroppedCli, MakeItTransparentAfterRemovingTheBackgroundIsReportedAsDone) {
  const fs::path dir = test::temp_dir();
  const test::CliRun run = test::run_easel({"edit", test::photo("coffee.png").string(), "-p",
                                            "remove the background and make it transparent", "-o",
                                            (dir / "out.png").string(), "--report", (dir / "report.json").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err.find("not done"), std::string::npos) << run.err;
  const json report = read_json(dir / "report.json");
  EXPECT_TRUE(report["plan"]["unsupported"].empty()) << report["plan"].dump();
  ASSERT_EQ(report["plan"]["steps"].size(), 1u);
  EXPECT_EQ(report["plan"]["steps"][0].value("also_clauses", json()), (json{"make it transparent"}));
  std::vector<cv::Mat> channels;
  cv::split(rgba_of(dir / "out.png"), channels);
  EXPECT_GT(cv::countNonZero(channels[3] == 0), 600 * 400 / 10) << "the output is not transparent";
}

}  // namespace
}  // namespace easel
