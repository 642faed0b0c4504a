// One text-to-image request (ops/text_to_image.hpp): the same generation through `easel generate`,
// POST /v1/images/generations and an EditPlan generate.image step gives identical pixels, and a step
// count or guidance out of range is refused by all three with the registry's words.
#include <gtest/gtest.h>

#include <fstream>

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

}  // namespace
}  // namespace easel::test
