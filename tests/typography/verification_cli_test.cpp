// Verification through the real binary (issue 16): a typeset string the output does not read back fails
// the command loudly — exit status 7, `verification.ok: false`, a line on stderr — with the output and
// the report written; a word a later round of a document replaced is superseded, not failed or passed.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "support/test_support.hpp"

namespace easel {
namespace {
namespace fs = std::filesystem;

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

void write_plan(const fs::path& path, const nlohmann::json& steps) { std::ofstream(path) << nlohmann::json{{"steps", steps}}.dump(); }

TEST(VerificationCli, TextALaterCropCutsFailsTheCommand) {
  const fs::path dir = test::temp_dir();
  write_plan(dir / "plan.json", nlohmann::json::array({{{"op", "text.add"}, {"target", {{"box", {0.0, 0.0, 0.6, 0.25}}}},
                                                        {"params", {{"text", "Morning Blend"}, {"size", 48}, {"color", "white"}}}},
                                                       {{"op", "image.crop"}, {"params", {{"aspect", "4:5"}}}}}));
  const test::CliRun run = test::run_easel({"edit", test::photo("coffee.png").string(), "--plan-file", (dir / "plan.json").string(), "-o",
                                            (dir / "out.png").string(), "--report", (dir / "report.json").string()});
  EXPECT_EQ(run.exit_code, 7) << run.err;
  EXPECT_NE(run.err.find("easel: text check failed: expected \"Morning Blend\""), std::string::npos) << run.err;
  ASSERT_TRUE(fs::exists(dir / "report.json"));
  EXPECT_TRUE(fs::exists(dir / "out.png"));
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
  write_plan(dir / "sign.json", nlohmann::json::array({{{"op", "text.add"}, {"target", {{"box", {0.25, 0.02, 0.5, 0.3}}}},
                                                        {"params", {{"text", "SALE"}, {"font", "bold sans"}, {"size", 72}, {"color", "#202020"},
                                                                    {"box_color", "#f4efe4"}}}}}));
  const test::CliRun first = test::run_easel({"edit", test::photo("coffee.png").string(), "--plan-file", (dir / "sign.json").string(), "-o",
                                              (dir / "round1.png").string(), "--save", document});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const test::CliRun second = test::run_easel({"edit", document, "-p", "replace \"SALE\" with \"SOLD\"", "-o", (dir / "round2.png").string(),
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

}  // namespace
}  // namespace easel
