// Verification through the real binary (issue 16): a typeset string the output does not read back fails
// the command loudly — exit status 7, `verification.ok: false`, a line on stderr — with the report
// written and no image (DESIGN: an output file exists only if the command succeeded); a word a later
// round of a document replaced is superseded, not failed or passed; text whose contrast is below the
// minimum is refused unless the plan allows it, and then the report says so.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "easel/image/codec.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {
namespace fs = std::filesystem;

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

void write_plan(const fs::path& path, const nlohmann::json& steps) {
  std::ofstream(path) << nlohmann::json{{"steps", steps}}.dump();
}

TEST(VerificationCli, TextALaterCropCutsFailsTheCommand) {
  const fs::path dir = test::temp_dir();
  write_plan(dir / "plan.json",
             nlohmann::json::array({{{"op", "text.add"},
                                     {"target", {{"box", {0.0, 0.0, 0.6, 0.25}}}},
                                     {"params", {{"text", "Morning Blend"}, {"size", 48}, {"color", "white"}}}},
                                    {{"op", "image.crop"}, {"params", {{"aspect", "4:5"}}}}}));
  const test::CliRun run =
      test::run_easel({"edit", test::photo("coffee.png").string(), "--plan-file", (dir / "plan.json").string(), "-o",
                       (dir / "out.png").string(), "--report", (dir / "report.json").string()});
  EXPECT_EQ(run.exit_code, 7) << run.err;
  EXPECT_NE(run.err.find("easel: text check failed: expected \"Morning Blend\""), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("easel: verification failed: \"Morning Blend\" does not read back in the output"),
            std::string::npos)
      << run.err;
  ASSERT_TRUE(fs::exists(dir / "report.json"));
  EXPECT_FALSE(fs::exists(dir / "out.png"));
  const nlohmann::json report = read_json(dir / "report.json");
  EXPECT_EQ(report["verification"]["ok"], false) << report["verification"].dump(2);
  const auto& check = report["verification"]["text"].at(0);
  EXPECT_EQ(check["match"], false);
  EXPECT_EQ(check["status"], "failed");
  EXPECT_EQ(check["spelling"]["match"], true);
}

TEST(VerificationCli, AWordALaterRoundReplacedIsSuperseded) {
  const fs::path dir = test::temp_dir();
  const std::string document = (dir / "sign.easel").string();
  write_plan(dir / "sign.json", nlohmann::json::array({{{"op", "text.add"},
                                                        {"target", {{"box", {0.25, 0.02, 0.5, 0.3}}}},
                                                        {"params",
                                                         {{"text", "SALE"},
                                                          {"font", "bold sans"},
                                                          {"size", 72},
                                                          {"color", "#202020"},
                                                          {"box_color", "#f4efe4"}}}}}));
  const test::CliRun first =
      test::run_easel({"edit", test::photo("coffee.png").string(), "--plan-file", (dir / "sign.json").string(), "-o",
                       (dir / "round1.png").string(), "--save", document});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const test::CliRun second =
      test::run_easel({"edit", document, "-p", "replace \"SALE\" with \"SOLD\"", "-o", (dir / "round2.png").string(),
                       "--report", (dir / "report.json").string()});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const nlohmann::json report = read_json(dir / "report.json");
  const auto& text = report["verification"]["text"];
  ASSERT_EQ(text.size(), 2u) << text.dump(2);
  EXPECT_EQ(text[0]["expected"], "SALE");
  EXPECT_EQ(text[0]["match"], false);
  EXPECT_EQ(text[0]["status"], "superseded");
  EXPECT_EQ(text[1]["status"], "passed") << text[1].dump(2);
  EXPECT_EQ(report["verification"]["ok"], true);
}

// Issue 16: "add 'Morning Blend' at the top, crop to 4:5" ended as "rning Ble" with match: true. The text
// is now laid out in what the crop keeps, and the report reads it in the cropped output.
TEST(VerificationCli, TextAtTheTopOfALaterCropIsSetInsideIt) {
  const fs::path dir = test::temp_dir();
  const test::CliRun run =
      test::run_easel({"edit", test::photo("coffee.png").string(), "-p", "add 'Morning Blend' at the top, crop to 4:5",
                       "-o", (dir / "out.png").string(), "--report", (dir / "report.json").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json report = read_json(dir / "report.json");
  const auto& check = report["verification"]["text"].at(0);
  EXPECT_EQ(check["status"], "passed") << check.dump(2);
  EXPECT_EQ(check["visible"], 1.0) << check.dump(2);
  EXPECT_EQ(check["layout"]["within"], "the part of the image step 2 (image.crop) keeps") << check.dump(2);
  EXPECT_LT(check["box"][1].get<int>(), 100) << check.dump(2);  // still at the top
  EXPECT_EQ(report["verification"]["ok"], true);
}

// Issue 16: text set in the colour of what lies under it (contrast 1.007) was reported as matching.
TEST(VerificationCli, TextBelowTheMinimumContrastIsRefusedUnlessAllowed) {
  const fs::path dir = test::temp_dir();
  // A grey wall, and text one level lighter (contrast ratio 1.007).
  const Image wall(cv::Mat(240, 480, CV_8UC4, cv::Scalar(128, 128, 128, 255)));
  write_file_atomically(dir / "wall.png", encode_image(wall, EncodeOptions{}, OutputMetadata{}));
  const nlohmann::json params = {{"text", "HIDDEN"}, {"size", 40}, {"color", "#818181"}, {"backing", "none"}};
  write_plan(
      dir / "plan.json",
      nlohmann::json::array({{{"op", "text.add"}, {"target", {{"box", {0.0, 0.0, 1.0, 1.0}}}}, {"params", params}}}));
  const test::CliRun refused = test::run_easel({"edit", (dir / "wall.png").string(), "--plan-file",
                                                (dir / "plan.json").string(), "-o", (dir / "out.png").string()});
  EXPECT_EQ(refused.exit_code, 4) << refused.err;
  EXPECT_NE(refused.err.find("below the minimum 3.00:1"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(dir / "out.png"));

  nlohmann::json allowed = params;
  allowed["allow_low_contrast"] = true;
  write_plan(
      dir / "allowed.json",
      nlohmann::json::array({{{"op", "text.add"}, {"target", {{"box", {0.0, 0.0, 1.0, 1.0}}}}, {"params", allowed}}}));
  const test::CliRun accepted =
      test::run_easel({"edit", (dir / "wall.png").string(), "--plan-file", (dir / "allowed.json").string(), "-o",
                       (dir / "out.png").string(), "--report", (dir / "report.json").string()});
  ASSERT_EQ(accepted.exit_code, 0) << accepted.err;
  const nlohmann::json report = read_json(dir / "report.json");
  const auto& check = report["verification"]["text"].at(0);
  EXPECT_EQ(check["match"], false) << check.dump(2);
  EXPECT_EQ(check["status"], "accepted") << check.dump(2);
  EXPECT_EQ(check["legibility"]["low_contrast_allowed"], true);
  EXPECT_LT(check["legibility"]["in_output"].get<double>(), 3.0);
  EXPECT_NE(accepted.err.find("\"HIDDEN\" accepted"), std::string::npos) << accepted.err;
}

// Issue 16: "CLOSED FOR THE HOLIDAYS" replacing "OPEN" came back as "OR THE" with exit status 0.
TEST(VerificationCli, ALongerReplacementReadsBackWhole) {
  const fs::path dir = test::temp_dir();
  const std::string document = (dir / "sign.easel").string();
  write_plan(dir / "sign.json", nlohmann::json::array({{{"op", "text.add"},
                                                        {"target", {{"box", {0.25, 0.02, 0.5, 0.3}}}},
                                                        {"params",
                                                         {{"text", "OPEN"},
                                                          {"font", "bold sans"},
                                                          {"size", 64},
                                                          {"color", "#202020"},
                                                          {"box_color", "#f4efe4"}}}}}));
  ASSERT_EQ(test::run_easel({"edit", test::photo("coffee.png").string(), "--plan-file", (dir / "sign.json").string(),
                             "-o", (dir / "round1.png").string(), "--save", document})
                .exit_code,
            0);
  const test::CliRun run =
      test::run_easel({"edit", document, "-p", "replace \"OPEN\" with \"CLOSED FOR THE HOLIDAYS\"", "-o",
                       (dir / "round2.png").string(), "--report", (dir / "report.json").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json report = read_json(dir / "report.json");
  const auto& text = report["verification"]["text"];
  ASSERT_EQ(text.size(), 2u) << text.dump(2);
  EXPECT_EQ(text[1]["expected"], "CLOSED FOR THE HOLIDAYS");
  EXPECT_EQ(text[1]["status"], "passed") << text[1].dump(2);
  EXPECT_EQ(text[1]["visible"], 1.0) << text[1].dump(2);
  EXPECT_NE(text[1]["layout"]["size"].get<std::string>().find("reflowed"), std::string::npos) << text[1].dump(2);
  EXPECT_EQ(text[1]["layout"]["weight"].get<std::string>().rfind("bold", 0), 0u) << text[1].dump(2);
}

}  // namespace
}  // namespace easel
