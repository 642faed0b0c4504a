// POST /v1/images/generations against the real `easel serve` and the diffusion engine, with a small
// random-weight reference model (../shared/reference/sd/models/sd1) installed by name in EASEL_MODELS.
#include <gtest/gtest.h>

#include <cstdlib>

#include "easel/image/codec.hpp"
#include "server_process.hpp"
#include "support/test_support.hpp"

namespace easel::test {
namespace {

using nlohmann::json;

// A models folder holding `sd1` (a link to the reference model); the server only accepts names.
std::filesystem::path models_with_reference_sd1() {
  const auto reference = reference_dir() / "sd" / "models" / "sd1";
  EXPECT_TRUE(std::filesystem::is_regular_file(reference / "model_index.json")) << "missing reference model " << reference;
  const auto models = temp_dir() / "models";
  std::filesystem::create_directories(models);
  std::filesystem::create_symlink(std::filesystem::absolute(reference), models / "sd1");
  return models;
}

class ServerGenerations : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ::setenv("EASEL_MODELS", models_with_reference_sd1().c_str(), 1);
    ::setenv("EASEL_TOKENIZER", (reference_dir() / "sd" / "tokenizer").c_str(), 1);
    ::unsetenv("EASEL_MODEL");
    server_ = new ServerProcess(temp_dir() / "data");
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    ::unsetenv("EASEL_MODELS");
    ::unsetenv("EASEL_TOKENIZER");
  }
  static json generate(const json& body) {
    auto client = server_->client();
    client.set_read_timeout(120, 0);
    const auto result = client.Post("/v1/images/generations", body.dump(), "application/json");
    EXPECT_TRUE(result);
    if (!result) return json{};
    EXPECT_EQ(result->status, 200) << result->body.substr(0, 400);
    return json_of(result);
  }
  static ServerProcess* server_;
};
ServerProcess* ServerGenerations::server_ = nullptr;

const json small_request = {{"model", "sd1"}, {"prompt", "a red bicycle leaning on a brick wall"}, {"size", "64x64"},
                            {"seed", 1234}, {"steps", 2}};

TEST_F(ServerGenerations, GeneratesASeededImageOfTheRequestedSizeWithUsage) {
  const json body = generate(small_request);
  ASSERT_EQ(body["data"].size(), 1u) << body.dump().substr(0, 400);
  const auto bytes = decode_base64(body["data"][0]["b64_json"].get<std::string>());
  const Image image = decode_image(bytes, DecodeLimits{}).image;
  EXPECT_EQ(image.width(), 64);
  EXPECT_EQ(image.height(), 64);
  EXPECT_EQ(body["size"], "64x64");
  EXPECT_EQ(body["output_format"], "png");
  EXPECT_EQ(body["easel"]["seed"], 1234);
  EXPECT_EQ(body["easel"]["steps"], 2);
  // usage: ceil(37 bytes / 4) = 10 text tokens; 64x64 is one 512 tile → 85 + 170 = 255 output tokens.
  const json usage = body["usage"];
  EXPECT_EQ(usage["input_tokens_details"]["text_tokens"], 10);
  EXPECT_EQ(usage["input_tokens"], 10);
  EXPECT_EQ(usage["output_tokens"], 255);
  EXPECT_EQ(usage["total_tokens"], 265);
}

TEST_F(ServerGenerations, TheSameSeedGivesIdenticalBytesAndAnotherSeedDoesNot) {
  const json first = generate(small_request);
  const json second = generate(small_request);
  json other_request = small_request;
  other_request["seed"] = 99;
  const json other = generate(other_request);
  ASSERT_EQ(first["data"].size(), 1u);
  ASSERT_EQ(second["data"].size(), 1u);
  ASSERT_EQ(other["data"].size(), 1u);
  EXPECT_EQ(first["data"][0]["b64_json"], second["data"][0]["b64_json"]);
  EXPECT_NE(first["data"][0]["b64_json"], other["data"][0]["b64_json"]);
}

TEST_F(ServerGenerations, AnUnknownModelNameIsA400NamingTheModel) {
  auto client = server_->client();
  json request = small_request;
  request["model"] = "no-such-model";
  const auto result = client.Post("/v1/images/generations", request.dump(), "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400) << result->body;
  EXPECT_EQ(json_of(result)["error"]["param"], "model") << result->body;
}

// Found by fuzz_image_request: a number too large for a double was a 500, not a 400.
TEST_F(ServerGenerations, ANumberOutOfRangeIsA400InvalidJson) {
  auto client = server_->client();
  const auto result = client.Post("/v1/images/generations", R"({"prompt": "x", "seed": 1E999})", "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400) << result->body;
  EXPECT_EQ(json_of(result)["error"]["code"], "invalid_json") << result->body;
}

}  // namespace
}  // namespace easel::test
