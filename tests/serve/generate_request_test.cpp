// How POST /v1/images/generations reads OpenAI's `quality` and `size: auto`: the quality presets of
// `easel generate --preset` (docs/diffusion.md, "Presets"), with explicit fields winning.
#include <gtest/gtest.h>

#include "easel/serve/api_error.hpp"
#include "easel/serve/generate_request.hpp"

namespace easel::test {
namespace {

using nlohmann::json;

serve::GenerateRequest parsed(json body) {
  body["prompt"] = "a lighthouse at dusk";
  return serve::parse_generate_request(body, serve::RequestLimits{});
}

TEST(GenerateRequestQuality, AutoSizeFollowsTheQualityPreset) {
  EXPECT_EQ(parsed({}).size.width, 512);
  EXPECT_EQ(parsed({{"quality", "low"}}).size.width, 384);
  EXPECT_EQ(parsed({{"quality", "medium"}}).size.height, 512);
  EXPECT_EQ(parsed({{"quality", "high"}}).size.width, 768);
  EXPECT_EQ(parsed({{"quality", "hd"}}).size.width, 768);  // dall-e-3's names
  EXPECT_EQ(parsed({{"quality", "standard"}}).size.width, 512);
  EXPECT_EQ(parsed({{"quality", "high"}, {"size", "1024x576"}}).size.height, 576);
}

TEST(GenerateRequestQuality, StepsAndSamplerFollowThePresetUnlessGiven) {
  const auto high = parsed({{"quality", "high"}});
  EXPECT_EQ(high.settings.steps, 40);
  EXPECT_EQ(high.settings.sampler, "dpmpp_2m_karras");
  const auto automatic = parsed({{"quality", "auto"}});
  EXPECT_EQ(automatic.settings.steps, 0);  // the engine's own defaults (lcm models take 4)
  EXPECT_EQ(automatic.settings.sampler, "");
  const auto chosen = parsed({{"quality", "low"}, {"steps", 3}, {"sampler", "ddim"}});
  EXPECT_EQ(chosen.settings.steps, 3);
  EXPECT_EQ(chosen.settings.sampler, "ddim");
}

TEST(GenerateRequestQuality, AnUnknownQualityNamesTheField) {
  try {
    parsed({{"quality", "ultra"}});
    FAIL() << "quality ultra was accepted";
  } catch (const serve::ApiError& error) {
    EXPECT_EQ(error.param(), "quality");
    EXPECT_NE(std::string(error.what()).find("low, medium, high"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace easel::test
