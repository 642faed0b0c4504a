// How POST /v1/images/generations reads OpenAI's `quality` and `size: auto`: the quality presets of
// `easel generate --preset` (docs/diffusion.md, "Presets"), with explicit fields winning, applied where
// every door's text-to-image request is built (ops/text_to_image.hpp).
#include <gtest/gtest.h>

#include "easel/core/error.hpp"
#include "easel/ops/text_to_image.hpp"
#include "easel/serve/api_error.hpp"
#include "easel/serve/generate_request.hpp"
#include "easel/serve/generation_service.hpp"

namespace easel::test {
namespace {

using nlohmann::json;

serve::GenerateRequest parsed(json body) {
  body["prompt"] = "a lighthouse at dusk";
  return serve::parse_generate_request(body, serve::RequestLimits{});
}

// The engine's request for `body`, as the server builds it (with a default model, seed 0 when none).
GenerationRequest generation_of(json body) {
  return text_to_image_request(serve::text_to_image_settings(parsed(std::move(body))),
                               {"POST /v1/images/generations", "sd1", "name a model", UnsetSeed::zero});
}

TEST(GenerateRequestQuality, AutoSizeFollowsTheQualityPreset) {
  EXPECT_EQ(generation_of({}).width, 512);
  EXPECT_EQ(generation_of({{"quality", "low"}}).width, 384);
  EXPECT_EQ(generation_of({{"quality", "medium"}}).height, 512);
  EXPECT_EQ(generation_of({{"quality", "high"}}).width, 768);
  EXPECT_EQ(generation_of({{"quality", "hd"}}).width, 768);  // dall-e-3's names
  EXPECT_EQ(generation_of({{"quality", "standard"}}).width, 512);
  EXPECT_EQ(generation_of({{"quality", "high"}, {"size", "1024x576"}}).height, 576);
}

TEST(GenerateRequestQuality, StepsAndSamplerFollowThePresetUnlessGiven) {
  const auto high = generation_of({{"quality", "high"}});
  EXPECT_EQ(high.steps, 40);
  EXPECT_EQ(high.sampler, "dpmpp_2m_karras");
  const auto automatic = generation_of({{"quality", "auto"}});
  EXPECT_EQ(automatic.steps, 0);  // the engine's own defaults (lcm models take 4)
  EXPECT_EQ(automatic.sampler, "");
  const auto chosen = generation_of({{"quality", "low"}, {"steps", 3}, {"sampler", "ddim"}});
  EXPECT_EQ(chosen.steps, 3);
  EXPECT_EQ(chosen.sampler, "ddim");
}

TEST(GenerateRequestLoras, ObjectsAndNameScaleStringsAreRead) {
  const auto request =
      parsed({{"loras", json::array({{{"name", "ink"}, {"scale", -0.5}}, "org/style/file:0.25", "plain"})}});
  EXPECT_EQ(request.loras, (std::vector<LoraChoice>{{"ink", -0.5}, {"org/style/file", 0.25}, {"plain", 1.0}}));
  EXPECT_EQ(generation_of({{"loras", json::array({"ink:2"})}}).loras, (std::vector<LoraChoice>{{"ink", 2.0}}));
}

TEST(GenerateRequestLoras, BadLorasNameTheField) {
  const auto param_of = [](json body) {
    try {
      generation_of(std::move(body));
    } catch (const serve::ApiError& error) {
      return error.param();
    } catch (const Error& error) {
      return error.field();
    }
    return std::string("no error");
  };
  EXPECT_EQ(param_of({{"loras", "ink"}}), "loras");
  EXPECT_EQ(param_of({{"loras", json::array({"/etc/ink.safetensors"})}}), "loras");
  EXPECT_EQ(param_of({{"loras", json::array({{{"name", "ink"}, {"weight", 1}}})}}), "loras");
  EXPECT_EQ(param_of({{"loras", json::array({{{"name", "ink"}, {"scale", "high"}}})}}), "loras");
  EXPECT_EQ(param_of({{"loras", json::array({"ink:10.5"})}}), "loras");
  EXPECT_EQ(param_of({{"loras", json::array({"a", "b", "c", "d", "e", "f", "g", "h", "i"})}}), "loras");
  EXPECT_EQ(param_of({{"loras", json::array({"ink:-10"})}}), "no error");
}

// What runs without a preset and with the auto preset is the same: the engine's steps for the sampler.
TEST(TextToImageRequest, TheAutoPresetIsWhatRunsWithoutOne) {
  const TextToImageDoor door{"easel generate", "", "give --model", UnsetSeed::zero};
  TextToImageSettings settings;
  settings.model = "sd1";
  settings.sampler = "lcm";
  const GenerationRequest without = text_to_image_request(settings, door);
  settings.preset = "auto";
  const GenerationRequest automatic = text_to_image_request(settings, door);
  EXPECT_EQ(without.steps, 0);
  EXPECT_EQ(automatic.steps, 0);
  EXPECT_EQ(automatic.sampler, "lcm");
  EXPECT_EQ(automatic.width, 512);
  settings.preset = "low";
  EXPECT_EQ(text_to_image_request(settings, door).steps, 10);
  EXPECT_EQ(text_to_image_request(settings, door).sampler, "lcm");  // the sampler given wins
}

// The doors' seed policies: plan steps get 0 (the edit flow seeds them), the CLI and the API a random seed.
TEST(TextToImageRequest, AnUnsetSeedFollowsTheDoorsPolicy) {
  TextToImageSettings settings;
  settings.model = "sd1";
  EXPECT_EQ(text_to_image_request(settings, {"generate.image", "", "", UnsetSeed::zero}).seed, 0u);
  // Two random draws from 0 to 2^32 - 1 agree with odds of 1 in 4 billion.
  const TextToImageDoor random{"easel generate", "", "", UnsetSeed::random};
  EXPECT_NE(text_to_image_request(settings, random).seed, text_to_image_request(settings, random).seed);
  settings.seed = 7;
  EXPECT_EQ(text_to_image_request(settings, random).seed, 7u);
}

TEST(TextToImageRequest, ChecksEverySettingAsTheRegistryDoes) {
  TextToImageSettings settings;
  const TextToImageDoor door{"generate.image", "", "name a model for the step", UnsetSeed::zero};
  try {
    text_to_image_request(settings, door);
    FAIL() << "a request without a model was accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::capability);
    EXPECT_STREQ(error.what(), "generate.image needs a Stable Diffusion model: name a model for the step");
  }
  settings.model = "sd1";
  settings.steps = 2000;
  try {
    text_to_image_request(settings, door);
    FAIL() << "2000 steps were accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage);
    EXPECT_EQ(error.field(), "steps");
    EXPECT_NE(std::string(error.what()).find("parameter 'steps' = 2000 is out of range [1, 150]"), std::string::npos)
        << error.what();
  }
}

// A plan step asks for any size: it is generated at the nearest multiple of 8 within 2048 per side.
TEST(TextToImageRequest, GeneratesAtTheNearestSizeTheModelWorksAt) {
  TextToImageSettings settings;
  settings.model = "sd1";
  settings.size = cv::Size(100, 4000);
  const GenerationRequest request = text_to_image_request(settings, {"generate.image", "", "", UnsetSeed::zero});
  EXPECT_EQ(request.width, 48);  // 100 · 2048 / 4000 = 51.2, to the nearest multiple of 8
  EXPECT_EQ(request.height, 2048);
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
