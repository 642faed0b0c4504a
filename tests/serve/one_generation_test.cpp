// One text-to-image request (ops/text_to_image.hpp): the same generation through `easel generate`,
// POST /v1/images/generations and an EditPlan generate.image step gives identical pixels, a step
// count or guidance out of range is refused by all three with the registry's words, the auto quality
// preset means the same in both doors that take one, and a generation without a model is refused in
// the words of an edit without one.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "easel/image/codec.hpp"
#include "server_process.hpp"
#include "support/test_support.hpp"

namespace easel::test {
namespace {

using nlohmann::json;

class OneGeneration : public ReferenceServerSuite {
 protected:
  static void SetUpTestSuite() { start_reference_server(models_with_reference_sd1(), "generation-data"); }
  static void TearDownTestSuite() { stop_reference_server(); }

  static CliRun through_cli(const std::string& steps, const std::string& cfg, const std::filesystem::path& output) {
    return run_easel({"generate", "-p", "a red bicycle", "--model", "sd1", "--size", "64x64", "--seed", "7", "--steps",
                      steps, "--cfg", cfg, "-o", output.string()});
  }

  static httplib::Result through_http(const json& steps, const json& cfg) {
    auto client = server_->client();
    client.set_read_timeout(300, 0);
    const json body = {{"prompt", "a red bicycle"}, {"model", "sd1"}, {"size", "64x64"}, {"seed", 7}, {"steps", steps},
                       {"guidance_scale", cfg}};
    return client.Post("/v1/images/generations", body.dump(), "application/json");
  }

  static CliRun through_plan(int steps, double cfg, const std::filesystem::path& output) {
    const auto plan = temp_dir() / "generate-plan.json";
    const json step = {{"op", "generate.image"},
                       {"params",
                        {{"prompt", "a red bicycle"},
                         {"model", "sd1"},
                         {"width", 64},
                         {"height", 64},
                         {"seed", 7},
                         {"steps", steps},
                         {"cfg", cfg}}}};
    std::ofstream(plan) << json{{"steps", json::array({step})}}.dump();
    return run_easel({"edit", photo("coffee.png").string(), "--plan-file", plan.string(), "-o", output.string()});
  }
};

TEST_F(OneGeneration, TheCliTheApiAndAPlanStepMakeTheSamePixels) {
  const auto dir = temp_dir();
  const CliRun cli = through_cli("2", "7.5", dir / "cli.png");
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const auto http = through_http(2, 7.5);
  ASSERT_TRUE(http);
  ASSERT_EQ(http->status, 200) << http->body.substr(0, 600);
  const CliRun plan = through_plan(2, 7.5, dir / "plan.png");
  ASSERT_EQ(plan.exit_code, 0) << plan.err;

  const Image from_cli = read_image_file(dir / "cli.png", DecodeLimits{}).image;
  const Image from_http =
      decode_image(decode_base64(json_of(http)["data"][0]["b64_json"].get<std::string>()), DecodeLimits{}).image;
  const Image from_plan = read_image_file(dir / "plan.png", DecodeLimits{}).image;
  ASSERT_EQ(from_cli.width(), 64);
  EXPECT_TRUE(bit_identical(from_cli, from_http)) << "easel generate and /v1/images/generations differ";
  EXPECT_TRUE(bit_identical(from_cli, from_plan)) << "easel generate and a generate.image step differ";
}

TEST_F(OneGeneration, OutOfRangeStepsAndGuidanceAreRefusedInTheSameWordsByEveryDoor) {
  const auto dir = temp_dir();
  struct Case {
    std::string steps, cfg, api_field, words;
  };
  for (const Case& refused : {Case{"2000", "7.5", "steps", "parameter 'steps' = 2000 is out of range [1, 150]"},
                              Case{"2", "40", "guidance_scale", "parameter 'cfg' = 40 is out of range [0, 30]"}}) {
    SCOPED_TRACE(refused.words);
    const CliRun cli = through_cli(refused.steps, refused.cfg, dir / "refused-cli.png");
    EXPECT_EQ(cli.exit_code, 2) << cli.err;
    EXPECT_NE(cli.err.find(refused.words), std::string::npos) << cli.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "refused-cli.png"));

    const auto http = through_http(std::stoi(refused.steps), std::stod(refused.cfg));
    ASSERT_TRUE(http);
    EXPECT_EQ(http->status, 400);
    const json error = json_of(http)["error"];
    EXPECT_EQ(error["param"], refused.api_field) << error;
    EXPECT_NE(error["message"].get<std::string>().find(refused.words), std::string::npos) << error;

    const CliRun plan = through_plan(std::stoi(refused.steps), std::stod(refused.cfg), dir / "refused-plan.png");
    EXPECT_NE(plan.exit_code, 0);
    EXPECT_NE(plan.err.find(refused.words), std::string::npos) << plan.err;
  }
}

// `--preset auto` used to run 20 steps where `quality: auto` left the count to the sampler (lcm: 4);
// both now mean what runs without a preset (docs/diffusion.md, "Presets").
TEST_F(OneGeneration, TheAutoPresetLeavesTheStepsToTheSamplerInBothDoors) {
  const auto dir = temp_dir();
  const CliRun cli = run_easel({"generate", "-p", "a red bicycle", "--model", "sd1", "--size", "64x64", "--seed", "7",
                                "--preset", "auto", "--sampler", "lcm", "--report", (dir / "auto.json").string(), "-o",
                                (dir / "auto.png").string()});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const json report = json::parse(file_text(dir / "auto.json"));
  EXPECT_EQ(report["generate"]["steps"], 4) << report["generate"];
  EXPECT_EQ(report["generate"]["sampler"], "lcm") << report["generate"];

  auto client = server_->client();
  client.set_read_timeout(300, 0);
  const json body = {{"prompt", "a red bicycle"}, {"model", "sd1"},  {"size", "64x64"}, {"seed", 7},
                     {"quality", "auto"},         {"sampler", "lcm"}};
  const auto http = client.Post("/v1/images/generations", body.dump(), "application/json");
  ASSERT_TRUE(http);
  ASSERT_EQ(http->status, 200) << http->body.substr(0, 600);
  EXPECT_EQ(json_of(http)["easel"]["steps"], 4) << json_of(http)["easel"];
  const Image from_http =
      decode_image(decode_base64(json_of(http)["data"][0]["b64_json"].get<std::string>()), DecodeLimits{}).image;
  EXPECT_TRUE(bit_identical(read_image_file(dir / "auto.png", DecodeLimits{}).image, from_http));
}

// The server has no default model: a generation naming none is refused as an edit whose generate.image
// step names none (400 model_not_available, param model), ending with the same advice.
TEST_F(OneGeneration, AGenerationWithoutAModelIsRefusedInTheWordsOfAnEditWithoutOne) {
  auto client = server_->client();
  const json body = {{"prompt", "a red bicycle"}, {"size", "64x64"}, {"seed", 7}, {"steps", 2}};
  const auto generation = client.Post("/v1/images/generations", body.dump(), "application/json");
  const json step = {{"op", "generate.image"},
                     {"params", {{"prompt", "a red bicycle"}, {"width", 64}, {"height", 64}, {"steps", 2}}}};
  const json plan = {{"steps", json::array({step})}};
  const auto edit = client.Post("/v1/images/edits",
                                edit_form("a red bicycle", {photo("coffee.png").string()}, {{"plan", plan.dump()}}));
  const std::string needs = " needs a Stable Diffusion model: ";
  std::vector<std::string> advice;
  for (const auto& refused : {&generation, &edit}) {
    ASSERT_TRUE(*refused);
    EXPECT_EQ((*refused)->status, 400) << (*refused)->body;
    const json error = json_of(*refused)["error"];
    EXPECT_EQ(error["param"], "model") << error;
    EXPECT_EQ(error["code"], "model_not_available") << error;
    const std::string message = error["message"];
    ASSERT_NE(message.find(needs), std::string::npos) << message;
    advice.push_back(message.substr(message.find(needs) + needs.size()));
  }
  EXPECT_EQ(advice[0], advice[1]);
  // The API's words, as OneEditFlow.AGenerativeEditWithoutAModelIsRefusedInTheApisWords asks of edits: the
  // generation's used to tell the client about the server's environment (EASEL_MODEL).
  EXPECT_NE(advice[0].find("'model'"), std::string::npos) << advice[0];
  EXPECT_EQ(advice[0].find("EASEL_MODEL"), std::string::npos) << advice[0];
}

}  // namespace
}  // namespace easel::test
