#include "easel/diffusion/tokenizer.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

std::filesystem::path tokenizer_dir() { return test::reference_dir() / "sd" / "tokenizer"; }

nlohmann::json golden_prompts() {
  std::ifstream in(tokenizer_dir() / "tokens.json");
  EXPECT_TRUE(in.good()) << "missing tokens.json";
  return nlohmann::json::parse(in)["prompts"];
}

void expect_goldens(const ClipTokenizer& tokenizer) {
  const auto prompts = golden_prompts();
  ASSERT_EQ(prompts.size(), 42u);
  for (const auto& prompt : prompts) {
    const std::string text = prompt["prompt"];
    SCOPED_TRACE(prompt["name"].get<std::string>());
    auto untruncated = tokenizer.encode(text);
    untruncated.insert(untruncated.begin(), ClipTokenizer::bos_id);
    untruncated.push_back(ClipTokenizer::eos_id);
    EXPECT_EQ(untruncated, prompt["ids_untruncated"].get<std::vector<std::int64_t>>());
    EXPECT_EQ(tokenizer.window(text, ClipTokenizer::sd1_pad_id), prompt["ids_sd1"].get<std::vector<std::int64_t>>());
    EXPECT_EQ(tokenizer.window(text, ClipTokenizer::sd2_pad_id), prompt["ids_sd2"].get<std::vector<std::int64_t>>());
  }
}

TEST(ClipTokenizer, VocabAndMergesMatchGoldenIds) {
  expect_goldens(ClipTokenizer::from_vocab_and_merges(tokenizer_dir() / "vocab.json", tokenizer_dir() / "merges.txt"));
}

TEST(ClipTokenizer, GzippedBpeMatchesGoldenIds) {
  expect_goldens(ClipTokenizer::from_gzipped_bpe(tokenizer_dir() / "bpe_simple_vocab_16e6.txt.gz"));
}

TEST(ClipTokenizer, GoldenBpeStrings) {
  const auto tokenizer = ClipTokenizer::from_gzipped_bpe(tokenizer_dir() / "bpe_simple_vocab_16e6.txt.gz");
  for (const auto& prompt : golden_prompts()) {
    auto expected = prompt["tokens_untruncated"].get<std::vector<std::string>>();
    expected.erase(expected.begin());
    expected.pop_back();
    EXPECT_EQ(tokenizer.tokens(prompt["prompt"].get<std::string>()), expected) << prompt["name"];
  }
}

TEST(ClipTokenizer, LongPromptsAreSplitIntoWindowsOf75) {
  const auto tokenizer = ClipTokenizer::from_gzipped_bpe(tokenizer_dir() / "bpe_simple_vocab_16e6.txt.gz");
  std::string text;
  for (int i = 0; i < 160; ++i) text += "a ";
  const auto windows = tokenizer.windows(text, ClipTokenizer::sd1_pad_id);
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_EQ(windows[0].front(), ClipTokenizer::bos_id);
  EXPECT_EQ(windows[0][76], ClipTokenizer::eos_id);
  EXPECT_EQ(windows[2][11], ClipTokenizer::eos_id);  // 160 − 150 = 10 ids
  EXPECT_EQ(windows[2][12], ClipTokenizer::sd1_pad_id);
  EXPECT_EQ(tokenizer.windows("", ClipTokenizer::sd2_pad_id).size(), 1u);
}

}  // namespace
}  // namespace easel::diffusion
