// The real binary: the report names the segmenter that ran; without a network a low-confidence
// fallback mask is refused with the command that installs one, and an accepted fallback mask is
// warned about on stderr and in the report; a required but missing model is a clear error.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "easel/vision/segmentation.hpp"
#include "vision/segmentation_support.hpp"
#include "support/run_settings.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

namespace fs = std::filesystem;

fs::path write_plan(const std::string& name, const std::string& plan) {
  const fs::path file = test::temp_dir() / name;
  std::ofstream(file) << plan;
  return file;
}

nlohmann::json read_json(const fs::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

nlohmann::json run_and_read_report(const fs::path& plan, const fs::path& output) {
  const fs::path report = output.string() + ".json";
  const test::CliRun run = test::run_easel({"edit", test::photo("coffee.png").string(), "--plan-file", plan.string(),
                                            "-o", output.string(), "--report", report.string()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  if (run.exit_code != 0) return {};
  return read_json(report);
}

// A models folder with no segmentation network in it: the fallback is all there is.
fs::path empty_models_folder() {
  const fs::path folder = test::temp_dir() / "no-models";
  fs::create_directories(folder);
  return folder;
}

const char* const kReplacePlan =
    R"({"steps": [{"op": "background.replace", "target": {"region": "background"}, "params": {"fill": "gradient", "color": "#9ec5ff", "to_color": "#eaf2ff"}}]})";

TEST(SegmentationCli, ReportNamesTheModel) {
  test::require_segmentation_model();
  auto report = run_and_read_report(write_plan("replace.json", kReplacePlan), test::temp_dir() / "model.png");
  ASSERT_FALSE(report.is_null());
  EXPECT_EQ(report["steps"][0]["model"], "segmentation: isnet-medium");
  EXPECT_EQ(report["verification"]["segmentation"],
            (nlohmann::json{{"engine", "isnet-medium"}, {"fallback", false}, {"steps", {1}}}));
  EXPECT_EQ(report["verification"]["preservation"]["changed_pixels_outside"], 0);
}

// U²-Net-p is what the fetch script installs by default; alone in the folder, it runs.
TEST(SegmentationCli, TheDefaultNetworkRunsWhenItIsTheOneInstalled) {
  const fs::path u2netp = test::installed_segmenter().u2netp_file();
  ASSERT_TRUE(fs::is_regular_file(u2netp)) << u2netp << " is missing: run `bash scripts/fetch-segmentation-model.sh`";
  const fs::path models = test::temp_dir() / "u2netp-only";
  fs::create_directories(models / "segmentation");
  fs::remove(models / "segmentation" / "u2netp.onnx");
  fs::create_symlink(u2netp, models / "segmentation" / "u2netp.onnx");
  const test::ScopedEnvironment folder("EASEL_MODELS", models.string());
  const test::ScopedEnvironment model("EASEL_SEGMENTATION_MODEL", std::nullopt);
  const fs::path output = test::temp_dir() / "u2netp.png";
  const test::CliRun run = test::run_easel({"edit", test::photo("chelsea.png").string(), "-p", "blur the background",
                                            "-o", output.string(), "--report", output.string() + ".json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err.find("easel: warning"), std::string::npos) << run.err;
  auto report = read_json(output.string() + ".json");
  EXPECT_EQ(report["steps"][0]["model"], "segmentation: u2netp");
  EXPECT_EQ(report["verification"]["segmentation"]["fallback"], false);
}

// The issue's "blur the background" on the cat, and the rocket and the cup: without a network the
// fallback's mask is not trusted, so nothing is written and the message says how to get a network.
TEST(SegmentationCli, WithoutANetworkALowConfidenceFallbackIsRefused) {
  const test::ScopedEnvironment folder("EASEL_MODELS", empty_models_folder().string());
  const test::ScopedEnvironment model("EASEL_SEGMENTATION_MODEL", std::nullopt);
  for (const char* photo : {"chelsea.png", "rocket.jpg", "coffee.png"}) {
    SCOPED_TRACE(photo);
    const fs::path output = test::temp_dir() / (std::string("refused-") + photo + ".png");
    const test::CliRun run =
        test::run_easel({"edit", test::photo(photo).string(), "-p", "blur the background", "-o", output.string()});
    EXPECT_EQ(run.exit_code, 5) << run.err;
    EXPECT_NE(run.err.find("not sure what the subject is"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("confidence 0."), std::string::npos) << run.err;
    EXPECT_NE(run.err.find(kSegmentationModelCommand), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("EASEL_SEGMENTATION=fallback"), std::string::npos) << run.err;
    EXPECT_FALSE(fs::exists(output));
  }
}

// Asked for explicitly, the fallback runs on the rocket, and both stderr and the report say loudly that
// its guess is probably wrong and how to get a network.
TEST(SegmentationCli, AnAcceptedFallbackIsWarnedAboutOnStderrAndInTheReport) {
  const test::ScopedEnvironment policy("EASEL_SEGMENTATION", "fallback");
  const fs::path output = test::temp_dir() / "fallback-rocket.png";
  const test::CliRun run = test::run_easel({"edit", test::photo("rocket.jpg").string(), "-p", "blur the background",
                                            "-o", output.string(), "--report", output.string() + ".json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(fs::exists(output));
  EXPECT_NE(run.err.find("easel: warning: no segmentation model ran"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("step 1 (background.blur)"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("LOW"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(kSegmentationModelCommand), std::string::npos) << run.err;
  auto report = read_json(output.string() + ".json");
  EXPECT_EQ(report["steps"][0]["model"], "segmentation: fallback grabcut");
  const auto& segmentation = report["verification"]["segmentation"];
  EXPECT_EQ(segmentation["engine"], kSegmentationFallbackName);
  EXPECT_EQ(segmentation["fallback"], true);
  EXPECT_EQ(segmentation["steps"], nlohmann::json::array({1}));
  ASSERT_TRUE(segmentation["confidence"].is_number()) << segmentation.dump();
  EXPECT_LT(segmentation["confidence"].get<double>(), kFallbackMinimumConfidence);
  EXPECT_EQ(segmentation["minimum_confidence"], kFallbackMinimumConfidence);
  EXPECT_EQ(segmentation["low_confidence"], true);
  EXPECT_FALSE(segmentation["concern"].get<std::string>().empty());
  EXPECT_NE(segmentation["advice"].get<std::string>().find(kSegmentationModelCommand), std::string::npos);
}

// Re-rendered from a document's disk cache (round 3 of a document; round 2 filled the cache), the step
// still carries its segmenter's confidence.
TEST(SegmentationCli, ACachedRoundKeepsTheWarning) {
  const test::ScopedEnvironment policy("EASEL_SEGMENTATION", "fallback");
  const fs::path document = test::temp_dir() / "fallback-document";
  fs::remove_all(document);
  ASSERT_EQ(test::run_easel({"edit", test::photo("rocket.jpg").string(), "-p", "blur the background", "-o",
                             (test::temp_dir() / "round1.png").string(), "--save", document.string()})
                .exit_code,
            0);
  ASSERT_EQ(test::run_easel({"edit", document.string(), "-p", "make it black and white", "-o",
                             (test::temp_dir() / "round2.png").string()})
                .exit_code,
            0);
  const fs::path third = test::temp_dir() / "round3.png";
  const test::CliRun run = test::run_easel({"edit", document.string(), "-p", "increase the contrast", "-o",
                                            third.string(), "--report", third.string() + ".json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("no segmentation model ran"), std::string::npos) << run.err;
  auto report = read_json(third.string() + ".json");
  EXPECT_EQ(report["steps"][0]["cached"], true);
  EXPECT_EQ(report["verification"]["segmentation"]["low_confidence"], true);
}

TEST(SegmentationCli, RequiredModelThatIsMissingIsAClearError) {
  const test::ScopedEnvironment policy("EASEL_SEGMENTATION", "model");
  const test::ScopedEnvironment model("EASEL_SEGMENTATION_MODEL", (test::temp_dir() / "absent.onnx").string());
  const fs::path output = test::temp_dir() / "never.png";
  const test::CliRun run = test::run_easel({"edit", test::photo("coffee.png").string(), "--plan-file",
                                            write_plan("replace.json", kReplacePlan).string(), "-o", output.string()});
  EXPECT_EQ(run.exit_code, 5) << run.err;
  EXPECT_NE(run.err.find("absent.onnx"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("fetch-segmentation-model.sh"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(output));
}

TEST(SegmentationCli, UnknownPolicyIsAUsageError) {
  const test::ScopedEnvironment policy("EASEL_SEGMENTATION", "sometimes");
  const fs::path output = test::temp_dir() / "never.png";
  const test::CliRun run = test::run_easel({"edit", test::photo("coffee.png").string(), "--plan-file",
                                            write_plan("replace.json", kReplacePlan).string(), "-o", output.string()});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("EASEL_SEGMENTATION"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(output));
}

}  // namespace
}  // namespace easel
