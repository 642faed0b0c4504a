// POST /v1/images/generations, generation jobs, generative edits and variations against the real
// `easel serve` and the diffusion engine, with a small random-weight reference model
// (../shared/reference/sd/models/sd1) installed by name in EASEL_MODELS.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "easel/image/codec.hpp"
#include "server_process.hpp"
#include "support/reference_models.hpp"
#include "support/test_support.hpp"

namespace easel::test {
namespace {

using nlohmann::json;

// models_with_reference_sd1() and beside `sd1` the reference's single file as a user installs it:
// `tiny-sd1` with its sidecar, `bare-sd1` without one, and `sd1-unet`, its UNet alone.
std::filesystem::path models_with_reference_single_files() {
  const auto models = models_with_reference_sd1();
  install_single_file(models, "sd1", "tiny-sd1");
  std::filesystem::copy_file(reference_dir() / "sd" / "models" / "sd1.safetensors", models / "bare-sd1.safetensors");
  install_unet_only(models, "sd1", "sd1-unet");
  std::filesystem::copy_file(reference_dir() / "lora" / "loras" / "sd1_lora_diffusers.safetensors",
                             models / "watercolor.safetensors");
  return models;
}

class ServerGenerations : public ReferenceServerSuite {
 protected:
  static void SetUpTestSuite() { start_reference_server(models_with_reference_single_files(), "data"); }
  static void TearDownTestSuite() { stop_reference_server(); }
  static json generate(const json& body) {
    auto client = server_->client();
    client.set_read_timeout(120, 0);
    const auto result = client.Post("/v1/images/generations", body.dump(), "application/json");
    EXPECT_TRUE(result);
    if (!result) return json{};
    EXPECT_EQ(result->status, 200) << result->body.substr(0, 400);
    return json_of(result);
  }
};
const json small_request = {{"model", "sd1"},
                            {"prompt", "a red bicycle leaning on a brick wall"},
                            {"size", "64x64"},
                            {"seed", 1234},
                            {"steps", 2}};

void expect_field_error(const httplib::Result& result, const std::string& param) {
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400) << result->body.substr(0, 400);
  EXPECT_EQ(json_of(result)["error"]["param"], param) << result->body.substr(0, 400);
}

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
  EXPECT_EQ(body["easel"]["model"], "sd1") << "named as the client names it, not by its path on the server";
  EXPECT_EQ(body["easel"]["precision"], "fp32") << "the default precision, which reproduces diffusers' seeds";
  // usage: ceil(37 bytes / 4) = 10 text tokens; 64x64 is one 512 tile → 85 + 170 = 255 output tokens.
  const json usage = body["usage"];
  EXPECT_EQ(usage["input_tokens_details"]["text_tokens"], 10);
  EXPECT_EQ(usage["input_tokens"], 10);
  EXPECT_EQ(usage["output_tokens"], 255);
  EXPECT_EQ(usage["total_tokens"], 265);
}

TEST_F(ServerGenerations, QualityPicksThePresetsStepsAndSamplerUnlessGiven) {
  const json low = generate(
      {{"model", "sd1"}, {"prompt", "a lighthouse at dusk"}, {"seed", 7}, {"size", "64x64"}, {"quality", "low"}});
  EXPECT_EQ(low["easel"]["steps"], 10) << low.dump().substr(0, 400);
  EXPECT_EQ(low["easel"]["sampler"], "dpmpp_2m");
  const json chosen = generate({{"model", "sd1"},
                                {"prompt", "a lighthouse at dusk"},
                                {"seed", 7},
                                {"size", "64x64"},
                                {"quality", "low"},
                                {"steps", 2},
                                {"sampler", "euler"}});
  EXPECT_EQ(chosen["easel"]["steps"], 2) << chosen.dump().substr(0, 400);
  EXPECT_EQ(chosen["easel"]["sampler"], "euler");
}

// What the web workspace's model picker shows: what each model enables and lacks, which installed
// model runs each generative operation, and why a broken model cannot be used.
TEST_F(ServerGenerations, ModelsSayWhatTheyEnableLackAndWhyOneCannotBeUsed) {
  const std::filesystem::path broken = std::filesystem::path(std::getenv("EASEL_MODELS")) / "broken";
  std::filesystem::create_directories(broken);
  { std::ofstream(broken / "model_index.json") << "{ not json"; }
  const json listing = json_of(server_->client().Get("/v1/models"));
  std::filesystem::remove_all(broken);
  const json* edit = nullptr;
  const json* sd1 = nullptr;
  const json* unusable = nullptr;
  for (const auto& model : listing["data"]) {
    if (model["id"] == "easel-edit") edit = &model;
    if (model["id"] == "sd1") sd1 = &model;
    if (model["id"] == "broken") unusable = &model;
  }
  ASSERT_TRUE(edit && sd1 && unusable) << listing.dump().substr(0, 600);
  const json& generative = (*edit)["easel"]["generative_operations"];
  EXPECT_NE(std::find(generative.begin(), generative.end(), "generate.instruct"), generative.end()) << generative;
  EXPECT_EQ(std::find(generative.begin(), generative.end(), "color.adjust"), generative.end()) << generative;
  // Operations whose generative fill is optional are generative operations too (the registry says so).
  EXPECT_NE(std::find(generative.begin(), generative.end(), "object.remove"), generative.end()) << generative;
  const json& enables = (*sd1)["easel"]["enables"];
  EXPECT_NE(std::find(enables.begin(), enables.end(), "generate.image"), enables.end()) << enables;
  EXPECT_NE(std::find(enables.begin(), enables.end(), "generate.variation"), enables.end()) << enables;
  EXPECT_EQ(std::find(enables.begin(), enables.end(), "generate.instruct"), enables.end())
      << "sd1 is not an InstructPix2Pix model";
  EXPECT_TRUE((*sd1)["easel"]["missing"].is_array());
  EXPECT_FALSE((*unusable)["easel"].value("problem", "").empty()) << unusable->dump();
  EXPECT_TRUE((*unusable)["easel"]["enables"].empty());
}

// The seeded golden's pixels: ≤ 1 LSB on ≤ 0.5 % of values (reference README).
void expect_sd1_seeded_golden(const json& body) {
  ASSERT_EQ(body["data"].size(), 1u) << body.dump().substr(0, 400);
  const cv::Mat ours = decode_image(decode_base64(body["data"][0]["b64_json"].get<std::string>()), DecodeLimits{})
                           .image.to_rgba8()
                           .mat();
  cv::Mat golden =
      cv::imread((reference_dir() / "sd" / "goldens" / "seeded" / "sd1_t2i_euler_g7.5_s8_seed1234.png").string(),
                 cv::IMREAD_COLOR);
  ASSERT_FALSE(golden.empty());
  cv::cvtColor(golden, golden, cv::COLOR_BGR2RGBA);
  cv::Mat difference;
  cv::absdiff(ours, golden, difference);
  double worst = 0;
  cv::minMaxLoc(difference.reshape(1), nullptr, &worst);
  EXPECT_LE(worst, 1);
  EXPECT_LE(cv::countNonZero(difference.reshape(1)), static_cast<int>(0.005 * 64 * 64 * 3));
}

const json golden_request = {{"prompt", "a red bicycle leaning on a brick wall"},
                             {"size", "64x64"},
                             {"seed", 1234},
                             {"steps", 8},
                             {"guidance_scale", 7.5},
                             {"sampler", "euler"}};

// Issue 16: a request naming the reference single file killed the server (SIGFPE). With its sidecar it
// runs like any model and gives the seeded golden; without, /v1/models lists it as unusable with the
// reason, a request for it is a 400 naming the sidecar, and the server goes on serving.
TEST_F(ServerGenerations, SingleFilesRunWithTheirSidecarAndAreListedUnusableWithoutOne) {
  const json listing = json_of(server_->client().Get("/v1/models"));
  std::map<std::string, json> details;
  for (const auto& model : listing["data"]) details[model["id"]] = model["easel"];
  EXPECT_EQ(details["tiny-sd1"]["usable"], true) << details["tiny-sd1"].dump();
  EXPECT_EQ(details["bare-sd1"]["usable"], false) << details["bare-sd1"].dump();
  EXPECT_NE(details["bare-sd1"].value("problem", "").find("bare-sd1.easel.json"), std::string::npos)
      << details["bare-sd1"].dump();
  EXPECT_TRUE(details["bare-sd1"]["enables"].empty());
  EXPECT_EQ(details["sd1-unet"]["usable"], false) << "no base named: " << details["sd1-unet"].dump();

  json request = golden_request;
  request["model"] = "tiny-sd1";
  expect_sd1_seeded_golden(generate(request));

  request["model"] = "bare-sd1";
  const auto refused = server_->client().Post("/v1/images/generations", request.dump(), "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400) << refused->body;
  EXPECT_EQ(json_of(refused)["error"]["param"], "model") << refused->body;
  EXPECT_EQ(json_of(refused)["error"]["code"], "model_not_available") << refused->body;
  EXPECT_NE(json_of(refused)["error"]["message"].get<std::string>().find("bare-sd1.easel.json"), std::string::npos)
      << refused->body;
  // As a job (which used to kill the server on every restart), it fails with the same reason.
  auto client = server_->client();
  json item = request;
  item["endpoint"] = "generations";
  const auto created = post_json(client, "/v1/jobs", item);
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body.substr(0, 400);
  const json failed = wait_for_job(client, json_of(created)["id"]);
  EXPECT_EQ(failed["state"], "failed") << failed.dump().substr(0, 400);
  EXPECT_NE(failed.dump().find("bare-sd1.easel.json"), std::string::npos) << failed.dump().substr(0, 600);
  const auto health = server_->client().Get("/health");
  ASSERT_TRUE(health) << "the server is still up";
  EXPECT_EQ(health->status, 200);
}

// A UNet-only model runs with the base a request names (`base`, a model name like `model`).
TEST_F(ServerGenerations, AUnetOnlyModelRunsWithTheBaseTheRequestNames) {
  json request = golden_request;
  request["model"] = "sd1-unet";
  request["base"] = "tiny-sd1";
  const json body = generate(request);
  expect_sd1_seeded_golden(body);
  EXPECT_EQ(body["easel"]["base"], "tiny-sd1.safetensors");
  request.erase("base");
  const auto alone = server_->client().Post("/v1/images/generations", request.dump(), "application/json");
  ASSERT_TRUE(alone);
  EXPECT_EQ(alone->status, 400) << alone->body;
  EXPECT_NE(json_of(alone)["error"]["message"].get<std::string>().find("holds no text encoder"), std::string::npos)
      << alone->body;
  request["base"] = "../tiny-sd1";
  expect_field_error(server_->client().Post("/v1/images/generations", request.dump(), "application/json"), "base");
}

// Easel's "loras" extension: a LoRA by name and scale changes the image and is reported; paths, LoRAs
// that are not installed and scales out of range are 400s naming "loras".
TEST_F(ServerGenerations, ALoraByNameChangesTheImageAndIsReported) {
  const json plain = generate(small_request);
  json request = small_request;
  request["loras"] = json::array({{{"name", "watercolor"}, {"scale", 0.8}}});
  const json styled = generate(request);
  ASSERT_EQ(styled["data"].size(), 1u);
  EXPECT_NE(styled["data"][0]["b64_json"], plain["data"][0]["b64_json"]);
  EXPECT_EQ(styled["easel"]["loras"], json::array({{{"name", "watercolor.safetensors"}, {"scale", 0.8}}}));
  EXPECT_FALSE(plain["easel"].contains("loras"));
  // Each stage's time, as `easel generate --timings` reports them (the model was loaded by an earlier request or this
  // one).
  ASSERT_EQ(styled["easel"]["timings_ms"]["steps"].size(), 2u) << styled["easel"].dump();
  EXPECT_GT(styled["easel"]["timings_ms"]["decode"].get<double>(), 0);
  EXPECT_GT(styled["easel"]["timings_ms"]["encode"].get<double>(), 0);
  EXPECT_GT(styled["easel"]["peak_rss_mib"].get<int>(), 0);

  auto client = server_->client();
  for (const json& bad : {json::array({"../watercolor"}), json::array({"not-installed"}),
                          json::array({"watercolor:11"}), json("watercolor")}) {
    request["loras"] = bad;
    expect_field_error(client.Post("/v1/images/generations", request.dump(), "application/json"), "loras");
  }
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

// A generation long enough (many denoising steps at a larger size) to act on while it runs.
json slow_generation() {
  return {{"endpoint", "generations"}, {"model", "sd1"}, {"prompt", "a slow lighthouse"},
          {"size", "256x256"},         {"seed", 3},      {"steps", 150}};
}

// Polls a running job until its progress is strictly between 0 and 1: a denoising step has been
// reported, and the run is not over.
double wait_for_partial_progress(httplib::Client& client, const std::string& id) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const json job = json_of(client.Get("/v1/jobs/" + id));
    const double progress = job.value("progress", 0.0);
    if (progress > 0 && progress < 1) return progress;
    if (job.value("state", "") != "queued" && job.value("state", "") != "running") {
      ADD_FAILURE() << "the job finished before any partial progress was seen: " << job.dump().substr(0, 400);
      return progress;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ADD_FAILURE() << "no partial progress within 60 s";
  return 0;
}

std::string small_png(int side) {
  const auto file = temp_dir() / ("small-" + std::to_string(side) + ".png");
  cv::Mat resized;
  cv::resize(load_photo("astronaut.png").mat(), resized, cv::Size(side, side), 0, 0, cv::INTER_AREA);
  EXPECT_TRUE(cv::imwrite(file.string(), resized));
  return file.string();
}

json img2img_plan(int steps, std::optional<int> seed) {
  json params = {{"prompt", "an oil painting"}, {"model", "sd1"}, {"steps", steps}, {"strength", 1.0}};
  if (seed) params["seed"] = *seed;
  return {{"instruction", "redraw it"}, {"steps", {{{"op", "generate.img2img"}, {"params", params}}}}};
}

TEST_F(ServerGenerations, AGenerationJobMakesTheSameImageAsTheSynchronousRequest) {
  auto client = server_->client();
  json item = small_request;
  item["endpoint"] = "generations";
  const auto created = post_json(client, "/v1/jobs", item);
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body.substr(0, 400);
  EXPECT_EQ(json_of(created)["endpoint"], "generations");
  const json done = wait_for_job(client, json_of(created)["id"]);
  ASSERT_EQ(done["state"], "succeeded") << done.dump().substr(0, 400);
  EXPECT_EQ(done["progress"], 1.0);
  EXPECT_EQ(done["result"]["size"], "64x64");
  EXPECT_EQ(done["result"]["easel"]["seed"], 1234);
  const auto asset = client.Get("/v1/assets/" + done["result"]["data"][0]["asset_id"].get<std::string>());
  ASSERT_TRUE(asset);
  const json synchronous = generate(small_request);
  const auto expected = decode_base64(synchronous["data"][0]["b64_json"]);
  EXPECT_EQ(asset->body, std::string(expected.begin(), expected.end()))
      << "the same seed gives the same bytes in a job";
}

TEST_F(ServerGenerations, ABadGenerationJobIsRefusedNamingTheField) {
  auto client = server_->client();
  json item = small_request;
  item["endpoint"] = "generations";
  item["steps"] = 0;
  expect_field_error(post_json(client, "/v1/jobs", item), "steps");
  item = small_request;
  item["endpoint"] = "variations-of-nothing";
  expect_field_error(post_json(client, "/v1/jobs", item), "endpoint");
}

TEST_F(ServerGenerations, ARunningGenerationJobReportsEachStepAndStopsOnCancel) {
  auto client = server_->client();
  const json created = json_of(post_json(client, "/v1/jobs", slow_generation()));
  const std::string id = created["id"];
  const double seen = wait_for_partial_progress(client, id);
  EXPECT_GT(seen, 0.0);
  const auto cancelled = client.Delete("/v1/jobs/" + id);
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, 200) << cancelled->body;
  const json done = wait_for_job(client, id);
  EXPECT_EQ(done["state"], "cancelled") << done.dump().substr(0, 400);
  EXPECT_LT(done["progress"].get<double>(), 1.0) << "stopped before its last denoising step";
}

TEST_F(ServerGenerations, AGenerationJobPastItsTimeoutStopsBetweenDenoisingSteps) {
  auto client = server_->client();
  json item = slow_generation();
  item["timeout_s"] = 0.5;
  const json created = json_of(post_json(client, "/v1/jobs", item));
  const json done = wait_for_job(client, created["id"]);
  EXPECT_EQ(done["state"], "failed");
  EXPECT_EQ(done["error"]["code"], "job_timeout") << done.dump().substr(0, 400);
  EXPECT_LT(done["progress"].get<double>(), 1.0);
}

// The edit's generative step builds its request from Params; the job's control reaches it through
// ScopedGenerationControl.
TEST_F(ServerGenerations, AnEditJobWithAGenerativeStepReportsDenoisingProgressAndStopsOnCancel) {
  auto client = server_->client();
  const json item = {{"plan", img2img_plan(150, 11)}, {"image", base64_file(small_png(256))}};
  const json created = json_of(post_json(client, "/v1/jobs", item));
  const std::string id = created["id"];
  wait_for_partial_progress(client, id);
  const auto cancelled = client.Delete("/v1/jobs/" + id);
  ASSERT_TRUE(cancelled);
  const json done = wait_for_job(client, id);
  EXPECT_EQ(done["state"], "cancelled") << done.dump().substr(0, 400);
  EXPECT_LT(done["progress"].get<double>(), 1.0);
}

TEST_F(ServerGenerations, AnEditWithAGenerativeStepGivesNImagesWithConsecutiveSeeds) {
  auto client = server_->client();
  const std::string image = small_png(64);
  const auto both =
      client.Post("/v1/images/edits", edit_form("", {image}, {{"plan", img2img_plan(2, 5).dump()}, {"n", "2"}}));
  ASSERT_TRUE(both);
  ASSERT_EQ(both->status, 200) << both->body.substr(0, 400);
  const json body = json_of(both);
  ASSERT_EQ(body["data"].size(), 2u);
  EXPECT_EQ(body["easel"]["seeds"], json::array({5, 6}));
  EXPECT_NE(body["data"][0]["b64_json"], body["data"][1]["b64_json"]);
  // The second image is exactly what seed 6 alone gives.
  const json second =
      json_of(client.Post("/v1/images/edits", edit_form("", {image}, {{"plan", img2img_plan(2, 6).dump()}})));
  ASSERT_EQ(second["data"].size(), 1u) << second.dump().substr(0, 400);
  EXPECT_EQ(second["data"][0]["b64_json"], body["data"][1]["b64_json"]);
  // Without a seed a random one is chosen and reported, so the plan reproduces the images.
  const json unseeded = json_of(client.Post(
      "/v1/images/edits", edit_form("", {image}, {{"plan", img2img_plan(2, std::nullopt).dump()}, {"n", "2"}})));
  ASSERT_EQ(unseeded["easel"]["seeds"].size(), 2u) << unseeded.dump().substr(0, 400);
  EXPECT_EQ(unseeded["easel"]["seeds"][1].get<std::uint64_t>(), unseeded["easel"]["seeds"][0].get<std::uint64_t>() + 1);
  EXPECT_EQ(unseeded["easel"]["plan"]["steps"][0]["params"]["seed"], unseeded["easel"]["seeds"][0]);
}

// The plan and report name the model as the client did, so the returned plan can be sent again.
TEST_F(ServerGenerations, AGenerativeEditNamesItsModelAndItsPlanReproducesTheImage) {
  auto client = server_->client();
  const std::string image = small_png(64);
  const json first =
      json_of(client.Post("/v1/images/edits", edit_form("", {image}, {{"plan", img2img_plan(2, 8).dump()}})));
  ASSERT_EQ(first["data"].size(), 1u) << first.dump().substr(0, 400);
  const json plan = first["easel"]["plan"];
  EXPECT_EQ(plan["steps"][0]["params"]["model"], "sd1");
  EXPECT_EQ(first["easel"]["report"]["steps"][0]["model"], "diffusion: sd1")
      << first["easel"]["report"].dump().substr(0, 400);
  EXPECT_EQ(first.dump().find(reference_dir().string()), std::string::npos) << "a server path leaked into the response";
  const json again = json_of(client.Post("/v1/images/edits", edit_form("", {image}, {{"plan", plan.dump()}})));
  ASSERT_EQ(again["data"].size(), 1u) << again.dump().substr(0, 400);
  EXPECT_EQ(again["data"][0]["b64_json"], first["data"][0]["b64_json"]);
}

TEST_F(ServerGenerations, StreamingSendsPartialImagesThenTheCompletedImage) {
  auto client = server_->client();
  json request = small_request;
  request["stream"] = true;
  request["partial_images"] = 2;
  request["steps"] = 6;
  const auto result = client.Post("/v1/images/generations", request.dump(), "application/json");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body.substr(0, 400);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/event-stream");
  const auto events = parse_events(result->body);
  ASSERT_EQ(events.size(), 3u) << result->body.substr(0, 400);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(events[static_cast<std::size_t>(i)].first, "image_generation.partial_image");
    EXPECT_EQ(events[static_cast<std::size_t>(i)].second["partial_image_index"], i);
    EXPECT_EQ(events[static_cast<std::size_t>(i)].second["size"], "64x64");
  }
  const json& completed = events[2].second;
  EXPECT_EQ(events[2].first, "image_generation.completed");
  EXPECT_EQ(completed["type"], "image_generation.completed");
  EXPECT_EQ(completed["usage"]["output_tokens"], 255);
  EXPECT_EQ(completed["output_format"], "png");
  EXPECT_EQ(completed["background"], "opaque");
  EXPECT_NE(events[0].second["b64_json"], completed["b64_json"]) << "a partial image is an earlier state of the run";
  // The completed image is the one the same request gives without streaming.
  request.erase("stream");
  request.erase("partial_images");
  EXPECT_EQ(completed["b64_json"], generate(request)["data"][0]["b64_json"]);
}

// A one-step generative edit has no earlier plan step to show: its partial images are the denoising
// previews, placed into the picture, and the completed image is the unstreamed one.
TEST_F(ServerGenerations, AStreamedGenerativeEditSendsDenoisingPreviewsPlacedInThePicture) {
  auto client = server_->client();
  const std::string image = small_png(128);
  const json params = {{"method", "generative"}, {"model", "sd1"}, {"steps", 6}, {"seed", 4}, {"working_size", 64}};
  const json plan = {
      {"instruction", "remove the patch"},
      {"steps", {{{"op", "object.remove"}, {"target", {{"box", {0.4, 0.4, 0.2, 0.2}}}}, {"params", params}}}}};
  const auto streamed = client.Post(
      "/v1/images/edits", edit_form("", {image}, {{"plan", plan.dump()}, {"stream", "true"}, {"partial_images", "2"}}));
  ASSERT_TRUE(streamed);
  ASSERT_EQ(streamed->status, 200) << streamed->body.substr(0, 400);
  const auto events = parse_events(streamed->body);
  ASSERT_EQ(events.size(), 3u) << streamed->body.substr(0, 400);
  const cv::Mat source = cv::imread(image, cv::IMREAD_UNCHANGED);
  for (int i = 0; i < 2; ++i) {
    const auto& [name, event] = events[static_cast<std::size_t>(i)];
    EXPECT_EQ(name, "image_edit.partial_image");
    EXPECT_EQ(event["partial_image_index"], i);
    const cv::Mat partial =
        decode_image(decode_base64(event["b64_json"].get<std::string>()), DecodeLimits{}).image.to_rgba8().mat();
    ASSERT_EQ(partial.size(), source.size()) << "a preview shows the whole picture";
    cv::Mat source_rgba;
    cv::cvtColor(source, source_rgba, cv::COLOR_BGR2RGBA);
    const cv::Rect corner(0, 0, 16, 16);  // far outside the repainted window
    EXPECT_EQ(cv::norm(partial(corner), source_rgba(corner), cv::NORM_INF), 0.0);
    const cv::Rect middle(56, 56, 16, 16);
    EXPECT_GT(cv::norm(partial(middle), source_rgba(middle), cv::NORM_INF), 0.0)
        << "preview " << i << " shows the repainting";
  }
  EXPECT_EQ(events[2].first, "image_edit.completed");
  const json unstreamed = json_of(client.Post("/v1/images/edits", edit_form("", {image}, {{"plan", plan.dump()}})));
  ASSERT_EQ(unstreamed["data"].size(), 1u) << unstreamed.dump().substr(0, 400);
  EXPECT_EQ(events[2].second["b64_json"], unstreamed["data"][0]["b64_json"]);
}

TEST_F(ServerGenerations, VariationsGiveNImagesOfTheInputWithConsecutiveSeeds) {
  auto client = server_->client();
  const std::string image = small_png(64);
  const auto result = client.Post(
      "/v1/images/variations", edit_form("", {image}, {{"n", "2"}, {"model", "sd1"}, {"seed", "21"}, {"steps", "2"}}));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body.substr(0, 400);
  const json body = json_of(result);
  ASSERT_EQ(body["data"].size(), 2u);
  EXPECT_EQ(body["size"], "64x64");
  EXPECT_EQ(body["easel"]["seeds"], json::array({21, 22}));
  EXPECT_EQ(body["easel"]["plan"]["steps"][0]["op"], "generate.variation");
  EXPECT_NE(body["data"][0]["b64_json"], body["data"][1]["b64_json"]);
  expect_field_error(client.Post("/v1/images/variations", edit_form("", {image}, {{"strength", "2"}})), "strength");
  expect_field_error(client.Post("/v1/images/variations", edit_form("", {}, {{"n", "2"}})), "image");
}

// A variations job: validated when submitted, its seed fixed then, and the same images as the
// synchronous endpoint gives for that seed.
TEST_F(ServerGenerations, AVariationsJobMakesTheSameImagesAsTheSynchronousRequest) {
  auto client = server_->client();
  const std::string image = small_png(64);
  const json item = {{"endpoint", "variations"},
                     {"image", base64_file(image)},
                     {"model", "sd1"},
                     {"n", 2},
                     {"seed", 31},
                     {"steps", 2}};
  const json created = json_of(post_json(client, "/v1/jobs", item));
  ASSERT_TRUE(created.contains("id")) << created.dump().substr(0, 400);
  const json done = wait_for_job(client, created["id"]);
  ASSERT_EQ(done["state"], "succeeded") << done.dump().substr(0, 400);
  ASSERT_EQ(done["result"]["data"].size(), 2u);
  EXPECT_EQ(done["result"]["easel"]["seeds"], json::array({31, 32}));
  const json direct = json_of(client.Post(
      "/v1/images/variations", edit_form("", {image}, {{"n", "2"}, {"model", "sd1"}, {"seed", "31"}, {"steps", "2"}})));
  ASSERT_EQ(direct["data"].size(), 2u) << direct.dump().substr(0, 400);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto asset = client.Get(done["result"]["data"][i]["url"].get<std::string>());
    ASSERT_TRUE(asset);
    const auto expected = decode_base64(direct["data"][i]["b64_json"].get<std::string>());
    EXPECT_EQ(asset->body, std::string(expected.begin(), expected.end())) << "image " << i;
  }

  json unseeded = item;
  unseeded.erase("seed");
  const json fixed = wait_for_job(client, json_of(post_json(client, "/v1/jobs", unseeded))["id"]);
  ASSERT_EQ(fixed["state"], "succeeded") << fixed.dump().substr(0, 400);
  EXPECT_TRUE(fixed["result"]["easel"]["seeds"][0].is_number_unsigned())
      << "a seed was chosen at submission and reported";

  json bad = item;
  bad["strength"] = 3;
  expect_field_error(post_json(client, "/v1/jobs", bad), "strength");
}

}  // namespace
}  // namespace easel::test
