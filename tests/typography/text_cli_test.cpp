// `easel edit` with text: the report lists each string read back, and what could not be verified is
// said on stderr, never hidden.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "support/test_support.hpp"

namespace easel {
namespace {
namespace fs = std::filesystem;

TEST(TextCli, InstructionTextIsTypesetAndReadBackInTheReport) {
  const fs::path dir = test::temp_dir();
  const test::CliRun run = test::run_easel({"edit", test::photo("coffee.png").string(), "-p", "add the text “Morning Blend” at the top in bold serif",
                                "-o", (dir / "out.png").string(), "--report", (dir / "report.json").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::ifstream in(dir / "report.json");
  const nlohmann::json report = nlohmann::json::parse(in);
  const auto& text = report["verification"]["text"];
  ASSERT_EQ(text.size(), 1u);
  EXPECT_EQ(text[0]["expected"], "Morning Blend");
  EXPECT_EQ(text[0]["read"], "Morning Blend");
  EXPECT_EQ(text[0]["match"], true);
  EXPECT_EQ(report["verification"]["preservation"]["changed_pixels_outside"], 0);
  EXPECT_EQ(run.err.find("text"), std::string::npos) << run.err;
}

TEST(TextCli, UnverifiableAndMissingGlyphsAreSaidOnStderr) {
  const fs::path dir = test::temp_dir();
  const test::CliRun run = test::run_easel({"edit", test::photo("coffee.png").string(), "-p", "add the text \"שלום \U0010FFFD\" at the bottom", "-o",
                                (dir / "out.png").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("easel: text not verified: \"שלום"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("easel: missing glyphs in"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace easel
