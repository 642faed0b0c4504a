// POST /v1/images/edits against the real `easel serve` over HTTP: real photographs in, images and
// reports out, OpenAI's response and error shapes.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "easel/image/codec.hpp"
#include "server_process.hpp"
#include "support/test_support.hpp"

namespace easel::test {
namespace {

using nlohmann::json;

Image decode_b64_image(const json& body) {
  const auto bytes = decode_base64(body["data"][0]["b64_json"].get<std::string>());
  return decode_image(bytes, DecodeLimits{}).image;
}

bool is_grey(const cv::Vec4b& pixel) { return pixel[0] == pixel[1] && pixel[1] == pixel[2]; }

// Of every 7th pixel in both directions, the fraction with R = G = B.
double grey_fraction(const Image& image) {
  int grey = 0;
  int samples = 0;
  for (int y = 0; y < image.height(); y += 7) {
    for (int x = 0; x < image.width(); x += 7, ++samples) grey += is_grey(image.mat().at<cv::Vec4b>(y, x)) ? 1 : 0;
  }
  return static_cast<double>(grey) / samples;
}

class ServerEdits : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServerProcess(temp_dir() / "data", {"--workers", "2"}); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static ServerProcess* server_;
};
ServerProcess* ServerEdits::server_ = nullptr;

TEST_F(ServerEdits, EditsARealPhotoAndReturnsImageReportAndUsage) {
  auto client = server_->client();
  const std::string prompt = "make it black and white";
  const auto result =
      client.Post("/v1/images/edits", edit_form(prompt, {photo("coffee.png").string()}, {{"model", "gpt-image-1"}}));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body.substr(0, 400);
  EXPECT_TRUE(result->has_header("x-request-id"));
  const json body = json_of(result);
  ASSERT_EQ(body["data"].size(), 1u);
  const Image out = decode_b64_image(body);
  const Image source = load_photo("coffee.png");
  ASSERT_EQ(out.width(), source.width());
  ASSERT_EQ(out.height(), source.height());
  EXPECT_EQ(grey_fraction(out), 1.0) << "every sampled pixel of a black-and-white edit has R = G = B";
  EXPECT_LT(grey_fraction(source), 0.5);
  EXPECT_EQ(body["size"], "600x400");
  EXPECT_EQ(body["output_format"], "png");
  EXPECT_GT(body["created"].get<long long>(), 1'700'000'000);
  // The plan and report ride along under `easel`.
  EXPECT_EQ(body["easel"]["plan"]["steps"][0]["op"], "color.adjust");
  EXPECT_EQ(body["easel"]["report"]["verification"]["preservation"]["changed_pixels_outside"], 0);
  // usage: ceil(23 bytes / 4) = 6 text tokens; 600x400 is 2x1 tiles of 512 → 85 + 170*2 = 425 per image.
  const json usage = body["usage"];
  EXPECT_EQ(usage["input_tokens_details"]["text_tokens"], 6);
  EXPECT_EQ(usage["input_tokens_details"]["image_tokens"], 425);
  EXPECT_EQ(usage["input_tokens"], 431);
  EXPECT_EQ(usage["output_tokens"], 425);
  EXPECT_EQ(usage["total_tokens"], 856);
}

TEST_F(ServerEdits, AnInputSeenBeforeCountsAsCachedTokens) {
  auto client = server_->client();
  const auto form = edit_form("increase the contrast", {photo("chelsea.png").string()});
  const json first = json_of(client.Post("/v1/images/edits", form));
  const json second = json_of(client.Post("/v1/images/edits", form));
  EXPECT_EQ(first["usage"]["input_tokens_details"]["cached_tokens"], 0);
  EXPECT_EQ(second["usage"]["input_tokens_details"]["cached_tokens"],
            second["usage"]["input_tokens_details"]["image_tokens"]);
  EXPECT_EQ(first["data"][0]["b64_json"], second["data"][0]["b64_json"]) << "the edit engine is deterministic";
  // The second time the source is not decoded again: it comes from the decoded-image cache.
  EXPECT_EQ(first["easel"]["report"]["input"]["decoded_from_cache"], false);
  EXPECT_EQ(second["easel"]["report"]["input"]["decoded_from_cache"], true);
  EXPECT_EQ(second["easel"]["report"]["input"]["width"], 451);
}

TEST(ServerInputCache, IsPerKeyAndBoundedInBytes) {
  // Two keys: the same photo from another key is decoded again (nothing is shared between keys).
  ServerProcess server(temp_dir() / "data", {"--api-key", "sk-cache-one", "--api-key", "sk-cache-two"});
  const auto form = edit_form("increase the contrast", {photo("chelsea.png").string()});
  EXPECT_EQ(json_of(server.client("sk-cache-one")
                        .Post("/v1/images/edits", form))["easel"]["report"]["input"]["decoded_from_cache"],
            false);
  EXPECT_EQ(json_of(server.client("sk-cache-one")
                        .Post("/v1/images/edits", form))["easel"]["report"]["input"]["decoded_from_cache"],
            true);
  EXPECT_EQ(json_of(server.client("sk-cache-two")
                        .Post("/v1/images/edits", form))["easel"]["report"]["input"]["decoded_from_cache"],
            false);
  // A bound smaller than the decoded photo (451x300 RGBA = 0.52 MB) keeps nothing; tokens still count as cached.
  ServerProcess small(temp_dir() / "small-data", {"--decoded-cache-mb", "0.5"});
  json again;
  for (int i = 0; i < 2; ++i) again = json_of(small.client().Post("/v1/images/edits", form));
  EXPECT_EQ(again["easel"]["report"]["input"]["decoded_from_cache"], false);
  EXPECT_EQ(again["usage"]["input_tokens_details"]["cached_tokens"],
            again["usage"]["input_tokens_details"]["image_tokens"]);
}

TEST_F(ServerEdits, MaskAlphaZeroMarksTheEditAreaAndTheRestStaysBitIdentical) {
  const Image source = load_photo("coffee.png");
  cv::Mat mask(source.height(), source.width(), CV_8UC4, cv::Scalar(0, 0, 0, 255));
  mask(cv::Rect(0, 0, source.width() / 2, source.height())).setTo(cv::Scalar(0, 0, 0, 0));  // left half: edit
  const auto mask_file = temp_dir() / "mask.png";
  ASSERT_TRUE(cv::imwrite(mask_file.string(), mask));
  auto form = edit_form("make it black and white", {photo("coffee.png").string()});
  form.push_back({"mask", file_text(mask_file), "mask.png", "image/png"});
  const auto result = server_->client().Post("/v1/images/edits", form);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body.substr(0, 400);
  const json body = json_of(result);
  const Image out = decode_b64_image(body);
  EXPECT_EQ(body["easel"]["mask"]["steps_restricted"], 1);
  const int half = source.width() / 2;
  const cv::Rect kept(half, 0, source.width() - half, source.height());
  EXPECT_EQ(cv::norm(out.mat()(kept), source.mat()(kept), cv::NORM_INF), 0) << "right half (alpha 255) is untouched";
  EXPECT_TRUE(is_grey(out.mat().at<cv::Vec4b>(source.height() / 2, half / 2))) << "left half (alpha 0) is edited";
}

TEST_F(ServerEdits, SizeAndOutputFormatShapeTheResult) {
  const auto result = server_->client().Post(
      "/v1/images/edits", edit_form("brighten slightly", {photo("coffee.png").string()},
                                    {{"size", "512x512"}, {"output_format", "jpeg"}, {"output_compression", "80"}}));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body.substr(0, 400);
  const json body = json_of(result);
  const auto bytes = decode_base64(body["data"][0]["b64_json"].get<std::string>());
  ASSERT_GT(bytes.size(), 3u);
  EXPECT_EQ(bytes[0], 0xFF);
  EXPECT_EQ(bytes[1], 0xD8) << "JPEG signature";
  const DecodedImage out = decode_image(bytes, DecodeLimits{});
  EXPECT_EQ(out.image.width(), 512);
  EXPECT_EQ(out.image.height(), 512);
  EXPECT_EQ(body["size"], "512x512");
}

TEST_F(ServerEdits, ReferenceImagesAreAcceptedAndReported) {
  const auto result = server_->client().Post(
      "/v1/images/edits", edit_form("make it warmer", {photo("coffee.png").string(), photo("chelsea.png").string(),
                                                       photo("astronaut.png").string()}));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body.substr(0, 400);
  const json body = json_of(result);
  EXPECT_EQ(body["easel"]["references"]["count"], 2);
  EXPECT_EQ(body["easel"]["references"]["used"], false) << "no step of a warmth edit reads a reference";
  EXPECT_EQ(decode_b64_image(body).width(), 600) << "the first image is the source";
}

TEST_F(ServerEdits, AColourMatchReadsTheReferenceImage) {
  const auto result = server_->client().Post(
      "/v1/images/edits",
      edit_form("match the colours of the reference", {photo("coffee.png").string(), photo("chelsea.png").string()}));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body.substr(0, 400);
  const json body = json_of(result);
  EXPECT_EQ(body["easel"]["references"]["used"], true);
  const json step = body["easel"]["plan"]["steps"][0];
  EXPECT_EQ(step["op"], "color.match");
  EXPECT_EQ(step["params"]["reference"], "image[1]") << "responses name the request field, never a server path";
  const Image out = decode_b64_image(body);
  EXPECT_GT(cv::norm(out.mat(), load_photo("coffee.png").mat(), cv::NORM_L1) / (out.width() * out.height()), 5.0)
      << "the colours moved towards the reference";
}

TEST_F(ServerEdits, APlanNamesFilesOnlyAsTheRequestsOwnUploads) {
  const auto plan_with = [](const std::string& reference) {
    return json{{"steps", json::array({{{"op", "color.match"}, {"params", {{"reference", reference}}}}})}}.dump();
  };
  const std::vector<std::string> images{photo("coffee.png").string(), photo("chelsea.png").string()};
  const auto bound =
      server_->client().Post("/v1/images/edits", edit_form("", images, {{"plan", plan_with("image[1]")}}));
  ASSERT_TRUE(bound);
  ASSERT_EQ(bound->status, 200) << bound->body.substr(0, 400);
  EXPECT_EQ(json_of(bound)["easel"]["plan"]["steps"][0]["params"]["reference"], "image[1]");

  // A path on the server's disk is refused before anything reads it, whether it exists or not.
  for (const std::string& path :
       {photo("astronaut.png").string(), std::string("/etc/hostname"), std::string("image[2]")}) {
    const auto refused = server_->client().Post("/v1/images/edits", edit_form("", images, {{"plan", plan_with(path)}}));
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 400) << path;
    const json error = json_of(refused)["error"];
    EXPECT_EQ(error["param"], "plan") << path;
    EXPECT_NE(error["message"].get<std::string>().find("can only name this request's uploads"), std::string::npos)
        << error.dump();
  }
}

TEST_F(ServerEdits, StreamingSendsAPartialImageAfterEachStepThenTheResult) {
  const auto result = server_->client().Post(
      "/v1/images/edits", edit_form("increase the contrast, make it warmer, then make it black and white",
                                    {photo("coffee.png").string()}, {{"stream", "true"}, {"partial_images", "2"}}));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body.substr(0, 300);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/event-stream");
  const auto events = parse_events(result->body);
  ASSERT_EQ(events.size(), 3u) << result->body.substr(0, 300);
  EXPECT_EQ(events[0].first, "image_edit.partial_image");
  EXPECT_EQ(events[0].second["partial_image_index"], 0);
  EXPECT_EQ(events[1].second["partial_image_index"], 1);
  EXPECT_EQ(events[2].first, "image_edit.completed");
  EXPECT_EQ(events[2].second["type"], "image_edit.completed");
  EXPECT_EQ(events[2].second["usage"]["output_tokens"], 425);
  // The first partial has only the contrast step: colour is still there. The final image is grey.
  const Image first = decode_b64_image(json{{"data", {{{"b64_json", events[0].second["b64_json"]}}}}});
  const Image last = decode_b64_image(json{{"data", {{{"b64_json", events[2].second["b64_json"]}}}}});
  EXPECT_LT(grey_fraction(first), 0.5);
  EXPECT_EQ(grey_fraction(last), 1.0);
  EXPECT_FALSE(bit_identical(first, load_photo("coffee.png"))) << "a partial shows the steps done so far";
}

TEST_F(ServerEdits, AStreamedEditThatFailsSendsAnErrorEvent) {
  const auto result = server_->client().Post(
      "/v1/images/edits", edit_form("sing a song about the sea", {photo("coffee.png").string()}, {{"stream", "true"}}));
  ASSERT_TRUE(result);
  const auto events = parse_events(result->body);
  ASSERT_EQ(events.size(), 1u) << result->body;
  EXPECT_EQ(events[0].first, "error");
  EXPECT_EQ(events[0].second["error"]["code"], "unsupported_instruction");
}

void expect_error(const httplib::Result& result, int status, const std::string& param,
                  const std::string& type = "invalid_request_error") {
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, status) << result->body;
  EXPECT_TRUE(result->has_header("x-request-id"));
  const json body = json_of(result);
  ASSERT_TRUE(body.contains("error")) << result->body;
  EXPECT_EQ(body["error"]["type"], type) << result->body;
  EXPECT_FALSE(body["error"]["message"].get<std::string>().empty());
  if (param.empty()) {
    EXPECT_TRUE(body["error"]["param"].is_null()) << result->body;
  } else {
    EXPECT_EQ(body["error"]["param"], param) << result->body;
  }
  EXPECT_TRUE(body["error"].contains("code"));
}

TEST_F(ServerEdits, WrongFieldsGetOpenAIErrorsNamingTheField) {
  auto client = server_->client();
  const std::string coffee = photo("coffee.png").string();
  expect_error(client.Post("/v1/images/edits", edit_form("", {coffee})), 400, "prompt");
  expect_error(client.Post("/v1/images/edits", edit_form("brighten", {})), 400, "image");
  expect_error(client.Post("/v1/images/edits", edit_form("brighten", {coffee}, {{"size", "1000x1000"}})), 400, "size");
  expect_error(client.Post("/v1/images/edits", edit_form("brighten", {coffee}, {{"size", "4000x16"}})), 400, "size");
  expect_error(client.Post("/v1/images/edits", edit_form("brighten", {coffee}, {{"n", "two"}})), 400, "n");
  // A plan without a generative step is deterministic: n copies would be identical.
  expect_error(client.Post("/v1/images/edits", edit_form("brighten", {coffee}, {{"n", "2"}})), 400, "n");
  expect_error(client.Post("/v1/images/edits", edit_form("brighten", {coffee}, {{"n", "2"}, {"stream", "true"}})), 400,
               "n");
  expect_error(client.Post("/v1/images/edits", edit_form("brighten", {coffee}, {{"output_format", "gif"}})), 400,
               "output_format");
  expect_error(client.Post("/v1/images/edits", edit_form("brighten", {coffee}, {{"output_compression", "101"}})), 400,
               "output_compression");
  expect_error(client.Post("/v1/images/edits", edit_form("brighten", {coffee}, {{"colour", "red"}})), 400, "colour");
  expect_error(client.Post("/v1/images/edits", edit_form("brighten", {coffee}, {{"model", "dall-e-9"}})), 400, "model");
  expect_error(client.Post("/v1/images/edits",
                           edit_form("brighten", {coffee}, {{"background", "transparent"}, {"output_format", "jpeg"}})),
               400, "background");
  httplib::MultipartFormDataItems not_an_image = {{"prompt", "brighten", "", ""},
                                                  {"image", "this is text, not a PNG", "x.png", "image/png"}};
  expect_error(client.Post("/v1/images/edits", not_an_image), 400, "image");
  expect_error(client.Post("/v1/images/edits", "{\"prompt\": \"x\"}", "application/json"), 400, "");
}

TEST_F(ServerEdits, MasksWithoutAlphaOrOfAnotherSizeAreRefused) {
  const Image source = load_photo("coffee.png");
  const auto grey_mask = temp_dir() / "grey.png";
  ASSERT_TRUE(cv::imwrite(grey_mask.string(), cv::Mat(source.height(), source.width(), CV_8UC1, cv::Scalar(255))));
  const auto small_mask = temp_dir() / "small.png";
  ASSERT_TRUE(cv::imwrite(small_mask.string(), cv::Mat(100, 100, CV_8UC4, cv::Scalar(0, 0, 0, 0))));
  for (const auto& mask : {grey_mask, small_mask}) {
    auto form = edit_form("brighten", {photo("coffee.png").string()});
    form.push_back({"mask", file_text(mask), "mask.png", "image/png"});
    const auto result = server_->client().Post("/v1/images/edits", form);
    expect_error(result, 400, "mask");
  }
}

TEST_F(ServerEdits, APromptWithNothingUnderstoodIsRefusedNamingTheClauses) {
  const auto result = server_->client().Post(
      "/v1/images/edits",
      edit_form("make it smell of fresh bread, then sing a song about the sea", {photo("coffee.png").string()}));
  expect_error(result, 400, "prompt");
  const json body = json_of(result);
  EXPECT_EQ(body["error"]["code"], "unsupported_instruction");
  const std::string message = body["error"]["message"];
  EXPECT_NE(message.find("smell of fresh bread"), std::string::npos) << message;
  EXPECT_NE(message.find("sing a song about the sea"), std::string::npos) << message;
}

TEST_F(ServerEdits, AnEditNeedingAnAbsentModelIsA400NamingIt) {
  const auto result = server_->client().Post(
      "/v1/images/edits", edit_form("turn the object in the middle into a spaceship", {photo("coffee.png").string()}));
  expect_error(result, 400, "model");
  const json body = json_of(result);
  EXPECT_EQ(body["error"]["code"], "model_not_available");
  const std::string message = body["error"]["message"];
  EXPECT_NE(message.find("object.replace"), std::string::npos) << message;
  EXPECT_NE(message.find("'model' field"), std::string::npos)
      << "tells an HTTP client how to name a model: " << message;
  EXPECT_EQ(message.find("--model"), std::string::npos) << message;
}

TEST_F(ServerEdits, UnknownPathsAndMethodsAnswerInTheSameShape) {
  auto client = server_->client();
  expect_error(client.Get("/v1/nothing-here"), 404, "");
  expect_error(client.Get("/v1/jobs/job_doesnotexist"), 404, "id");
  expect_error(client.Get("/v1/assets/" + std::string(64, 'a')), 404, "id");
}

TEST_F(ServerEdits, ModelsListTheEditEngineAndItsOperations) {
  const auto result = server_->client().Get("/v1/models");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  const json body = json_of(result);
  EXPECT_EQ(body["object"], "list");
  ASSERT_FALSE(body["data"].empty());
  EXPECT_EQ(body["data"][0]["id"], "easel-edit");
  const auto& ops = body["data"][0]["easel"]["operations"];
  EXPECT_NE(std::find(ops.begin(), ops.end(), "color.adjust"), ops.end());
}

TEST_F(ServerEdits, VariationsWithoutAModelSayWhatIsMissing) {
  // No EASEL_MODEL here (and, in builds without the diffusion engine, no engine either).
  const auto result = server_->client().Post("/v1/images/variations",
                                             edit_form("", {photo("coffee.png").string()}, {{"model", "dall-e-2"}}));
  expect_error(result, 400, "model");
  EXPECT_EQ(json_of(result)["error"]["code"], "model_not_available");
  expect_error(
      server_->client().Post("/v1/images/variations", edit_form("", {photo("coffee.png").string()}, {{"n", "11"}})),
      400, "n");
  expect_error(
      server_->client().Post("/v1/images/variations", edit_form("", {photo("coffee.png").string()}, {{"mask", "x"}})),
      400, "mask");
  // Found by fuzz_image_request: a prompt that is not UTF-8 was a 500.
  expect_error(server_->client().Post("/v1/images/variations",
                                      edit_form("", {photo("coffee.png").string()}, {{"prompt", "a cat \xff\xfe"}})),
               400, "prompt");
}

TEST_F(ServerEdits, GenerationsWithoutADiffusionEngineSayWhatIsMissing) {
  const auto result = server_->client().Post(
      "/v1/images/generations", R"({"prompt": "a red bicycle", "model": "gpt-image-1"})", "application/json");
  expect_error(result, 400, "model");
  EXPECT_EQ(json_of(result)["error"]["code"], "model_not_available");
}

TEST(ServerLimits, OversizedBodiesGet413) {
  ServerProcess server(temp_dir() / "data", {"--max-body-mb", "0.05"});
  const auto result = server.client().Post("/v1/images/edits", edit_form("brighten", {photo("coffee.png").string()}));
  expect_error(result, 413, "");
}

TEST(ServerLimits, ApiKeysAreRequiredWhenConfigured) {
  ServerProcess server(temp_dir() / "data", {"--api-key", "sk-test-right-key"});
  expect_error(server.client().Get("/v1/models"), 401, "");
  expect_error(server.client("sk-test-wrong-key").Get("/v1/models"), 401, "");
  const auto ok = server.client("sk-test-right-key").Get("/v1/models");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(ServerLimits, RefusesANonLoopbackHostWithoutKeys) {
  const auto run = run_easel({"serve", "--host", "0.0.0.0", "--port", "0", "--data", (temp_dir() / "data").string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--api-key"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace easel::test
