// The one edit flow (run/edit_flow.hpp): the same edit — instruction, photo, seed, model — through
// `easel edit` and through POST /v1/images/edits gives bit-identical pixels and reports that agree
// field for field (plan, verification with the seam, steps), for a classical, a text and a generative
// edit; and a generative edit names its model in the request, with errors in the API's words.
#include <gtest/gtest.h>

#include <fstream>

#include "easel/image/codec.hpp"
#include "server_process.hpp"
#include "support/test_support.hpp"

namespace easel::test {
namespace {

using nlohmann::json;

struct DoorResult {
  Image image;
  json report;
};

class OneEditFlow : public ReferenceServerSuite {
 protected:
  static void SetUpTestSuite() { start_reference_server(models_with_reference_sd1(), "data"); }
  static void TearDownTestSuite() { stop_reference_server(); }

  static DoorResult through_cli(const std::string& instruction, const std::vector<std::string>& extra = {}) {
    const auto dir = temp_dir();
    std::vector<std::string> args = {"edit", photo("coffee.png").string(), "-p",       instruction,
                                     "-o",   (dir / "out.png").string(),   "--report", (dir / "report.json").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    const CliRun run = run_easel(args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::ifstream report(dir / "report.json");
    return {read_image_file(dir / "out.png", DecodeLimits{}).image, json::parse(report)};
  }

  static DoorResult through_http(const std::string& instruction,
                                 const std::vector<std::pair<std::string, std::string>>& fields = {}) {
    auto client = server_->client();
    client.set_read_timeout(300, 0);
    const auto result = client.Post("/v1/images/edits", edit_form(instruction, {photo("coffee.png").string()}, fields));
    EXPECT_TRUE(result);
    if (!result) return {};
    EXPECT_EQ(result->status, 200) << result->body.substr(0, 600);
    const json body = json_of(result);
    const auto bytes = decode_base64(body["data"][0]["b64_json"].get<std::string>());
    return {decode_image(bytes, DecodeLimits{}).image, body["easel"]["report"]};
  }

  // What the flow decides (not what each door adds: timings, input and output facts, usage).
  static void expect_same_edit(const DoorResult& cli, const DoorResult& http) {
    ASSERT_FALSE(cli.image.empty());
    ASSERT_FALSE(http.image.empty());
    EXPECT_TRUE(bit_identical(cli.image, http.image)) << "the two doors rendered different pixels";
    EXPECT_EQ(cli.report["plan"], http.report["plan"]);
    for (const char* part : {"ok", "text", "preservation", "preserve", "seam"}) {
      EXPECT_EQ(cli.report["verification"][part], http.report["verification"][part]) << "verification." << part;
    }
    ASSERT_EQ(cli.report["steps"].size(), http.report["steps"].size());
    for (std::size_t i = 0; i < cli.report["steps"].size(); ++i) {
      for (const char* field : {"op", "clause", "model", "preserve"}) {
        EXPECT_EQ(cli.report["steps"][i].value(field, json()), http.report["steps"][i].value(field, json()))
            << "steps[" << i << "]." << field;
      }
    }
  }
};
TEST_F(OneEditFlow, AClassicalEditIsTheSameThroughTheCliAndTheApi) {
  const std::string instruction = "make the left half warmer, then increase the saturation of the top right corner";
  const DoorResult cli = through_cli(instruction);
  expect_same_edit(cli, through_http(instruction));
  EXPECT_FALSE(cli.report["verification"]["seam"].is_null())
      << "the seam of a regional edit is measured through both doors";
}

TEST_F(OneEditFlow, ATextEditIsTheSameThroughTheCliAndTheApi) {
  const std::string instruction = "add the text \"SALE\" at the top";
  const DoorResult cli = through_cli(instruction);
  expect_same_edit(cli, through_http(instruction));
  ASSERT_EQ(cli.report["verification"]["text"].size(), 1u);
}

TEST_F(OneEditFlow, AGenerativeEditWithTheRequestsModelAndSeedIsTheSameThroughTheCliAndTheApi) {
  const std::string instruction = "extend the canvas to the left by 40 px and fill it";
  const DoorResult cli = through_cli(instruction, {"--model", "sd1", "--seed", "11"});
  const DoorResult http = through_http(instruction, {{"model", "sd1"}, {"seed", "11"}});
  expect_same_edit(cli, http);
  ASSERT_EQ(http.report["steps"].size(), 1u);
  EXPECT_EQ(http.report["steps"][0]["model"], "diffusion: sd1") << "the request's model ran the generative fill";
  EXPECT_EQ(http.report["plan"]["steps"][0]["params"]["seed"], 11);
  EXPECT_EQ(http.image.width(), load_photo("coffee.png").width() + 40);
}

TEST_F(OneEditFlow, AGenerativeEditWithoutAModelIsRefusedInTheApisWords) {
  const json plan = {
      {"steps", {{{"op", "generate.img2img"}, {"params", {{"prompt", "an oil painting"}, {"steps", 2}}}}}}};
  const auto result = server_->client().Post("/v1/images/edits",
                                             edit_form("", {photo("coffee.png").string()}, {{"plan", plan.dump()}}));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400) << result->body;
  const json error = json_of(result)["error"];
  EXPECT_EQ(error["param"], "model");
  const std::string message = error["message"];
  EXPECT_NE(message.find("'model'"), std::string::npos) << message;
  EXPECT_EQ(message.find("--model"), std::string::npos) << "command-line advice given to an HTTP client: " << message;
  EXPECT_EQ(message.find("EASEL_MODEL"), std::string::npos) << message;
}

TEST_F(OneEditFlow, AnEditNamingAModelThatIsNotInstalledIsA400OnTheModelField) {
  const auto result = server_->client().Post("/v1/images/edits",
                                             edit_form("extend the canvas to the left by 40 px and fill it",
                                                       {photo("coffee.png").string()}, {{"model", "no-such-model"}}));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400) << result->body;
  EXPECT_EQ(json_of(result)["error"]["param"], "model");
  EXPECT_EQ(json_of(result)["error"]["code"], "model_not_found");
}

TEST_F(OneEditFlow, SeveralImagesOfADeterministicEditAreRefusedOnN) {
  const auto result = server_->client().Post(
      "/v1/images/edits", edit_form("increase the contrast", {photo("coffee.png").string()}, {{"n", "2"}}));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400) << result->body;
  EXPECT_EQ(json_of(result)["error"]["param"], "n");
}

}  // namespace
}  // namespace easel::test
