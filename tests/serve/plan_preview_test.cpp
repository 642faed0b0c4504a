// POST /v1/plans against the real `easel serve`: the plan an edit would run, with each step's words
// ("what it will touch"), before anything runs — and the edit endpoint then running exactly that plan.
#include <gtest/gtest.h>

#include "server_process.hpp"
#include "support/test_support.hpp"

namespace easel::test {
namespace {

using nlohmann::json;

constexpr const char* kKey = "sk-plans-test-123";

class ServerPlanPreview : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServerProcess(temp_dir() / "data", {"--api-key", kKey}); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static httplib::Result preview(const json& body, const std::string& key = kKey) {
    auto client = server_->client(key);
    return client.Post("/v1/plans", body.dump(), "application/json");
  }
  static json preview_ok(const json& body) {
    const auto result = preview(body);
    EXPECT_TRUE(result);
    if (!result) return json{};
    EXPECT_EQ(result->status, 200) << result->body.substr(0, 400);
    return json_of(result);
  }
  static json error_of(const json& body) {
    const auto result = preview(body);
    EXPECT_TRUE(result);
    if (!result) return json{};
    EXPECT_EQ(result->status, 400) << result->body.substr(0, 400);
    return json_of(result)["error"];
  }
  static ServerProcess* server_;
};
ServerProcess* ServerPlanPreview::server_ = nullptr;

TEST_F(ServerPlanPreview, DescribesEachStepAndTheEditRunsThatPlan) {
  const std::string prompt = "add the text \"Morning Blend\" at the top";
  const json preview = preview_ok({{"prompt", prompt}});
  EXPECT_EQ(preview["object"], "plan");
  EXPECT_EQ(preview["runnable"], true);
  ASSERT_EQ(preview["steps"].size(), 1u) << preview.dump();
  const json& step = preview["steps"][0];
  EXPECT_EQ(step["op"], "text.add");
  EXPECT_EQ(step["touches"], "the top half");
  EXPECT_EQ(step["clause"], prompt);
  EXPECT_EQ(step["params"]["text"], "Morning Blend");
  EXPECT_FALSE(step["description"].get<std::string>().empty()) << "the registry's description of the op";
  EXPECT_NE(preview["explanation"].get<std::string>().find("on the top half"), std::string::npos)
      << preview["explanation"];

  auto client = server_->client(kKey);
  const auto edited = client.Post("/v1/images/edits", edit_form(prompt, {photo("coffee.png").string()}));
  ASSERT_TRUE(edited);
  ASSERT_EQ(edited->status, 200) << edited->body.substr(0, 400);
  const json ran = json_of(edited)["easel"]["plan"]["steps"];
  ASSERT_EQ(ran.size(), preview["plan"]["steps"].size());
  for (std::size_t i = 0; i < ran.size(); ++i) {
    EXPECT_EQ(ran[i]["op"], preview["plan"]["steps"][i]["op"]);
    EXPECT_EQ(ran[i]["target"], preview["plan"]["steps"][i]["target"]);
    EXPECT_EQ(ran[i]["params"], preview["plan"]["steps"][i]["params"]);
  }
}

TEST_F(ServerPlanPreview, PreserveAndEditSectionsAndUnsupportedClauses) {
  const json preview = preview_ok(
      {{"prompt", "Preserve: the background\nEdit: make it black and white, then summon a friendly dragon"}});
  ASSERT_EQ(preview["preserve"].size(), 1u) << preview.dump();
  EXPECT_EQ(preview["preserve"][0]["touches"], "the background");
  ASSERT_FALSE(preview["steps"].empty()) << preview.dump();
  ASSERT_EQ(preview["unsupported"].size(), 1u) << preview.dump();
  EXPECT_NE(preview["unsupported"][0]["clause"].get<std::string>().find("dragon"), std::string::npos);
  EXPECT_FALSE(preview["unsupported"][0]["reason"].get<std::string>().empty());

  const json nothing = preview_ok({{"prompt", "summon a friendly dragon"}});
  EXPECT_EQ(nothing["runnable"], false);
  EXPECT_TRUE(nothing["steps"].empty());
  EXPECT_EQ(nothing["unsupported"].size(), 1u);
}

TEST_F(ServerPlanPreview, AMaskBecomesTheTargetAndReferencesAreNamedAsUploads) {
  const json masked = preview_ok({{"prompt", "make it black and white"}, {"mask", true}});
  ASSERT_EQ(masked["steps"].size(), 1u) << masked.dump();
  EXPECT_EQ(masked["steps"][0]["touches"], "the area painted in the mask");
  EXPECT_EQ(masked["steps"][0]["target"], (json{{"mask", "mask"}}));
  const json unmasked = preview_ok({{"prompt", "make it black and white"}, {"mask", "false"}});
  EXPECT_EQ(unmasked["steps"][0]["touches"], "the whole image");

  const json matched = preview_ok({{"prompt", "match the colors of the reference image"}, {"references", 1}});
  ASSERT_EQ(matched["steps"].size(), 1u) << matched.dump();
  EXPECT_EQ(matched["steps"][0]["op"], "color.match");
  EXPECT_NE(matched["steps"][0]["params"].dump().find("image[1]"), std::string::npos) << matched.dump();
  const json without = preview_ok({{"prompt", "match the colors of the reference image"}});
  EXPECT_TRUE(without["steps"].empty()) << "no reference was sent: the step cannot run";
  ASSERT_EQ(without["unsupported"].size(), 1u);
}

// The edit's size field adds a crop to its aspect and a resize; the preview shows them as the edit runs them.
TEST_F(ServerPlanPreview, ARequestedSizeShowsItsCropAndResizeSteps) {
  const std::string prompt = "make it black and white";
  const json preview = preview_ok({{"prompt", prompt}, {"size", "512x512"}});
  ASSERT_EQ(preview["steps"].size(), 3u) << preview.dump();
  EXPECT_EQ(preview["steps"][1]["op"], "image.crop");
  EXPECT_EQ(preview["steps"][1]["params"]["aspect"], "1:1");
  EXPECT_EQ(preview["steps"][2]["op"], "image.resize");
  EXPECT_EQ(preview["steps"][2]["params"]["width"], 512);

  auto client = server_->client(kKey);
  auto form = edit_form(prompt, {photo("coffee.png").string()});
  form.push_back({"size", "512x512", "", ""});
  const auto edited = client.Post("/v1/images/edits", form);
  ASSERT_TRUE(edited);
  ASSERT_EQ(edited->status, 200) << edited->body.substr(0, 400);
  const json ran = json_of(edited)["easel"]["plan"]["steps"];
  ASSERT_EQ(ran.size(), 3u);
  for (std::size_t i = 0; i < ran.size(); ++i) EXPECT_EQ(ran[i]["params"], preview["plan"]["steps"][i]["params"]) << i;
  EXPECT_EQ(preview_ok({{"prompt", prompt}, {"size", "auto"}})["steps"].size(), 1u);
  EXPECT_TRUE(preview_ok({{"prompt", "summon a dragon"}, {"size", "512x512"}})["steps"].empty())
      << "nothing to run: no size steps alone";
}

TEST_F(ServerPlanPreview, BadRequestsNameTheField) {
  EXPECT_EQ(error_of(json::object())["param"], "prompt");
  EXPECT_EQ(error_of({{"prompt", 5}})["param"], "prompt");
  EXPECT_EQ(error_of({{"prompt", ""}})["param"], "prompt");
  EXPECT_EQ(error_of({{"prompt", std::string(40000, 'a')}})["param"], "prompt");
  EXPECT_EQ(error_of({{"prompt", "crop it square"}, {"references", 16}})["param"], "references");
  EXPECT_EQ(error_of({{"prompt", "crop it square"}, {"references", -1}})["param"], "references");
  EXPECT_EQ(error_of({{"prompt", "crop it square"}, {"mask", "yes"}})["param"], "mask");
  EXPECT_EQ(error_of({{"prompt", "crop it square"}, {"size", "500x500"}})["param"], "size");
  EXPECT_EQ(error_of({{"prompt", "crop it square"}, {"size", 512}})["param"], "size");
  const json unknown = error_of({{"prompt", "crop it square"}, {"image", "x"}});
  EXPECT_EQ(unknown["param"], "image");
  EXPECT_EQ(unknown["code"], "unknown_parameter");

  auto client = server_->client(kKey);
  const auto not_json = client.Post("/v1/plans", "{prompt:", "application/json");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);
  const auto no_key = preview({{"prompt", "crop it square"}}, "");
  ASSERT_TRUE(no_key);
  EXPECT_EQ(no_key->status, 401);
  const auto wrong_key = preview({{"prompt", "crop it square"}}, "sk-someone-else");
  ASSERT_TRUE(wrong_key);
  EXPECT_EQ(wrong_key->status, 401);
}

}  // namespace
}  // namespace easel::test
