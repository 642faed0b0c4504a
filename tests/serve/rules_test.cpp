// The documented rules behind the API's numbers: token usage (docs/server.md) and the size rule.
#include <gtest/gtest.h>

#include "easel/serve/api_error.hpp"
#include "easel/serve/edit_request.hpp"
#include "easel/serve/usage.hpp"

namespace easel::serve {
namespace {

TEST(UsageRule, ImageTokensFollowOpenAIsTileRule) {
  EXPECT_EQ(image_tokens(1024, 1024), 765);   // OpenAI's worked example: 768x768 → 4 tiles
  EXPECT_EQ(image_tokens(2048, 4096), 1105);  // → 1024x2048 → 768x1536 → 6 tiles
  EXPECT_EQ(image_tokens(600, 400), 425);     // coffee.png: 2 tiles, no scaling
  EXPECT_EQ(image_tokens(512, 512), 255);
}

TEST(UsageRule, TextTokensAreBytesOverFourRoundedUp) {
  EXPECT_EQ(text_tokens(""), 0);
  EXPECT_EQ(text_tokens("make it black and white"), 6);
  EXPECT_EQ(text_tokens("abcd"), 1);
  EXPECT_EQ(text_tokens("abcde"), 2);
}

TEST(UsageRule, TotalsAddUp) {
  Usage usage;
  usage.text_tokens = 6;
  usage.image_tokens = 425;
  usage.cached_tokens = 425;
  usage.output_tokens = 425;
  const auto json = usage.to_json();
  EXPECT_EQ(json["input_tokens"], 431);
  EXPECT_EQ(json["total_tokens"], 856);
  EXPECT_EQ(json["input_tokens_details"]["cached_tokens"], 425);
}

TEST(SizeRule, AcceptsAutoAndSizesOnTheGrid) {
  EXPECT_TRUE(parse_output_size("auto").automatic());
  const auto size = parse_output_size("1536x1024");
  EXPECT_EQ(size.width, 1536);
  EXPECT_EQ(size.height, 1024);
  EXPECT_EQ(parse_output_size("3840x2160").width, 3840);
  EXPECT_EQ(parse_output_size("1024x3072").height, 3072);
}

TEST(SizeRule, RefusesEachBrokenRuleNamingTheSizeParam) {
  for (const char* bad :
       {"1000x1000", "4096x1024", "3072x1008", "3840x3840", "0x16", "16x", "x16", "1024*1024", "big", "-16x16"}) {
    try {
      parse_output_size(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ApiError& error) {
      EXPECT_EQ(error.status(), 400) << bad;
      EXPECT_EQ(error.param(), "size") << bad;
    }
  }
}

}  // namespace
}  // namespace easel::serve
