// `easel edit` with text: the report lists each string read back, and what could not be verified is
// said on stderr, never hidden.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/test_support.hpp"

namespace easel {
namespace {
namespace fs = std::filesystem;

TEST(TextCli, InstructionTextIsTypesetAndReadBackInTheReport) {
  const fs::path dir = test::temp_dir();
  const test::CliRun run = test::run_easel({"edit", test::photo("coffee.png").string(), "-p",
                                            "add the text “Morning Blend” at the top in bold serif", "-o",
                                            (dir / "out.png").string(), "--report", (dir / "report.json").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::ifstream in(dir / "report.json");
  const nlohmann::json report = nlohmann::json::parse(in);
  const auto& text = report["verification"]["text"];
  ASSERT_EQ(text.size(), 1u);
  EXPECT_EQ(text[0]["expected"], "Morning Blend");
  // Laid out beside the cup, the title may break into lines; `read` keeps the line break.
  std::string read = text[0]["read"].get<std::string>();
  std::replace(read.begin(), read.end(), '\n', ' ');
  EXPECT_EQ(read, "Morning Blend");
  EXPECT_EQ(text[0]["match"], true);
  EXPECT_EQ(report["verification"]["preservation"]["changed_pixels_outside"], 0);
  EXPECT_EQ(run.err.find("text"), std::string::npos) << run.err;
}

TEST(TextCli, UnverifiableAndMissingGlyphsAreSaidOnStderr) {
  const fs::path dir = test::temp_dir();
  const test::CliRun run =
      test::run_easel({"edit", test::photo("coffee.png").string(), "-p",
                       "add the text \"שלום \U0010FFFD\" at the bottom", "-o", (dir / "out.png").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("easel: text not verified: \"שלום"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("easel: missing glyphs in"), std::string::npos) << run.err;
}

TEST(TextCli, ALaterRoundRenderedFromTheDocumentCacheStillVerifiesItsText) {
  const fs::path dir = test::temp_dir();
  const std::string document = (dir / "poster.easel").string();
  const test::CliRun first =
      test::run_easel({"edit", test::photo("coffee.png").string(), "-p", "add the text \"SALE 40%\" at the top", "-o",
                       (dir / "round1.png").string(), "--save", document});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const test::CliRun second =
      test::run_easel({"edit", document, "-p", "increase the contrast slightly", "-o", (dir / "round2.png").string()});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  // A new process: the states of rounds 1 and 2 now come from the document's disk cache, not from memory.
  const test::CliRun third =
      test::run_easel({"edit", document, "-p", "make it warmer", "-o", (dir / "round3.png").string(), "--report",
                       (dir / "report.json").string()});
  ASSERT_EQ(third.exit_code, 0) << third.err;
  std::ifstream in(dir / "report.json");
  const nlohmann::json report = nlohmann::json::parse(in);
  const auto& text = report["verification"]["text"];
  ASSERT_EQ(text.size(), 1u) << report.dump(2);
  EXPECT_EQ(text[0]["expected"], "SALE 40%");
  EXPECT_EQ(text[0]["match"], true) << text.dump(2);
  bool reused_cache = false;
  for (const auto& step : report["steps"]) reused_cache = reused_cache || step.value("cached", false);
  EXPECT_TRUE(reused_cache) << report.dump(2);
  EXPECT_EQ(third.err.find("not verified"), std::string::npos) << third.err;
}

}  // namespace
}  // namespace easel
