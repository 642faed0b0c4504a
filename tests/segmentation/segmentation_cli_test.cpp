// The real binary: the report names the segmenter that ran; a required but missing model is a clear
// error with exit status 5 and no output file.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "segmentation/segmentation_support.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

namespace fs = std::filesystem;

fs::path write_plan(const std::string& name, const std::string& plan) {
  const fs::path file = test::temp_dir() / name;
  std::ofstream(file) << plan;
  return file;
}

nlohmann::json run_and_read_report(const fs::path& plan, const fs::path& output) {
  const fs::path report = output.string() + ".json";
  const test::CliRun run = test::run_easel({"edit", test::photo("coffee.png").string(), "--plan-file", plan.string(), "-o",
                                            output.string(), "--report", report.string()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  if (run.exit_code != 0) return {};
  std::ifstream in(report);
  return nlohmann::json::parse(in);
}

const char* const kReplacePlan =
    R"({"steps": [{"op": "background.replace", "target": {"region": "background"}, "params": {"fill": "gradient", "color": "#9ec5ff", "to_color": "#eaf2ff"}}]})";

TEST(SegmentationCli, ReportNamesTheModel) {
  test::require_segmentation_model();
  const auto report = run_and_read_report(write_plan("replace.json", kReplacePlan), test::temp_dir() / "model.png");
  ASSERT_FALSE(report.is_null());
  EXPECT_EQ(report["steps"][0]["model"], "segmentation: isnet-medium");
  EXPECT_EQ(report["verification"]["preservation"]["changed_pixels_outside"], 0);
}

TEST(SegmentationCli, MissingModelFallsBackAndSaysSo) {
  const test::ScopedEnvironment model("EASEL_SEGMENTATION_MODEL", (test::temp_dir() / "absent.onnx").string());
  const auto report = run_and_read_report(write_plan("replace.json", kReplacePlan), test::temp_dir() / "fallback.png");
  ASSERT_FALSE(report.is_null());
  EXPECT_EQ(report["steps"][0]["model"], "segmentation: fallback grabcut");
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
