// What the API says about the segmenter behind a subject/background edit (docs/segmentation.md,
// "Warnings"): the real `easel serve` without a segmentation network.
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "server_process.hpp"
#include "support/test_support.hpp"

namespace easel::test {
namespace {

using nlohmann::json;

// A server whose models folder holds no segmentation network; EASEL_SEGMENTATION as given (unset = auto).
class ServerWithoutSegmentationModel : public ::testing::Test {
 protected:
  static std::unique_ptr<ServerProcess> start(const char* policy, const std::string& name) {
    const std::filesystem::path models = temp_dir() / (name + "-models");
    std::filesystem::create_directories(models);
    ::setenv("EASEL_MODELS", models.c_str(), 1);
    ::unsetenv("EASEL_SEGMENTATION_MODEL");
    if (policy != nullptr) ::setenv("EASEL_SEGMENTATION", policy, 1);
    auto server = std::make_unique<ServerProcess>(temp_dir() / (name + "-data"));
    ::unsetenv("EASEL_MODELS");
    ::unsetenv("EASEL_SEGMENTATION");
    return server;
  }
};

TEST_F(ServerWithoutSegmentationModel, AnAcceptedFallbackIsReportedWithItsConfidenceAndTheFix) {
  const auto server = start("fallback", "accepted-fallback");
  const auto result =
      server->client().Post("/v1/images/edits", edit_form("blur the background", {photo("rocket.jpg").string()}));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body.substr(0, 400);
  const json segmentation = json_of(result)["easel"]["report"]["verification"]["segmentation"];
  EXPECT_EQ(segmentation["engine"], "fallback grabcut");
  EXPECT_EQ(segmentation["fallback"], true);
  ASSERT_TRUE(segmentation["confidence"].is_number()) << segmentation.dump();
  EXPECT_LT(segmentation["confidence"].get<double>(), segmentation["minimum_confidence"].get<double>());
  EXPECT_EQ(segmentation["low_confidence"], true);
  EXPECT_NE(segmentation["advice"].get<std::string>().find("fetch-segmentation-model.sh"), std::string::npos)
      << segmentation.dump();
}

TEST_F(ServerWithoutSegmentationModel, ALowConfidenceFallbackIsRefusedSayingHowToGetAModel) {
  const auto server = start(nullptr, "refused-fallback");
  const auto result =
      server->client().Post("/v1/images/edits", edit_form("blur the background", {photo("chelsea.png").string()}));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400) << result->body.substr(0, 400);
  const json body = json_of(result);
  EXPECT_EQ(body["error"]["code"], "model_not_available");
  const std::string message = body["error"]["message"];
  EXPECT_NE(message.find("not sure what the subject is"), std::string::npos) << message;
  EXPECT_NE(message.find("fetch-segmentation-model.sh"), std::string::npos) << message;
}

}  // namespace
}  // namespace easel::test
