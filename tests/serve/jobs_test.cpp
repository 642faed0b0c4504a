// Async jobs, batches, idempotent retries, cancellation, the bounded queue, and the durable store across
// restarts — all against the real `easel serve` over HTTP.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <thread>

#include "easel/image/codec.hpp"
#include "server_process.hpp"
#include "support/test_support.hpp"

namespace easel::test {
namespace {

using nlohmann::json;

json edit_item(const std::string& prompt, const std::string& photo_name = "coffee.png") {
  return {{"prompt", prompt}, {"image", base64_file(photo(photo_name))}};
}

// A plan long enough that a one-worker server is still busy when the test acts on the later jobs.
json slow_item() {
  json steps = json::array();
  for (int i = 0; i < 12; ++i)
    steps.push_back({{"op", "color.adjust"}, {"params", {{"sharpen", 1.0}, {"contrast", 0.05}}}});
  return {{"plan", {{"instruction", "sharpen twelve times"}, {"steps", steps}}},
          {"image", base64_file(photo("astronaut.png"))}};
}

TEST(ServerJobs, AJobRunsAndItsResultIsFetchedByAssetId) {
  ServerProcess server(temp_dir() / "data");
  auto client = server.client();
  const auto created = post_json(client, "/v1/jobs", edit_item("make it black and white"));
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body.substr(0, 300);
  const json job = json_of(created);
  EXPECT_EQ(job["object"], "job");
  EXPECT_EQ(job["endpoint"], "edits");
  EXPECT_TRUE(job["state"] == "queued" || job["state"] == "running");
  const json done = wait_for_job(client, job["id"]);
  ASSERT_EQ(done["state"], "succeeded") << done.dump();
  EXPECT_EQ(done["progress"], 1.0);
  const std::string asset = done["result"]["data"][0]["asset_id"];
  const auto fetched = client.Get("/v1/assets/" + asset);
  ASSERT_TRUE(fetched);
  ASSERT_EQ(fetched->status, 200);
  EXPECT_EQ(fetched->get_header_value("Content-Type"), "image/png");
  const std::vector<std::uint8_t> bytes(fetched->body.begin(), fetched->body.end());
  const Image out = decode_image(bytes, DecodeLimits{}).image;
  EXPECT_EQ(out.width(), 600);
  const cv::Vec4b pixel = out.mat().at<cv::Vec4b>(200, 300);
  EXPECT_TRUE(pixel[0] == pixel[1] && pixel[1] == pixel[2]);
  EXPECT_EQ(done["result"]["usage"]["output_tokens"], 425);
  // Usage per key accumulates.
  EXPECT_EQ(json_of(client.Get("/v1/usage"))["images"], 1);
}

TEST(ServerJobs, ABadItemIsRefusedWithItsIndexAndNothingIsQueued) {
  ServerProcess server(temp_dir() / "data");
  auto client = server.client();
  json bad = edit_item("brighten");
  bad["size"] = "100x100";
  const auto result = post_json(client, "/v1/jobs", json{{"requests", {edit_item("brighten"), bad}}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  EXPECT_EQ(json_of(result)["error"]["param"], "requests[1].size") << result->body;
}

TEST(ServerJobs, QueueFullAnswers429WithRetryAfter) {
  ServerProcess server(temp_dir() / "data", {"--workers", "1", "--queue-length", "2"});
  auto client = server.client();
  const auto result =
      post_json(client, "/v1/jobs", json::array({edit_item("brighten"), edit_item("darken"), edit_item("warmer")}));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 429) << result->body.substr(0, 300);
  EXPECT_TRUE(result->has_header("Retry-After"));
  EXPECT_GE(std::stoi(result->get_header_value("Retry-After")), 1);
  EXPECT_EQ(json_of(result)["error"]["code"], "queue_full");
  // A batch that fits is accepted.
  const auto fits = post_json(client, "/v1/jobs", json::array({edit_item("brighten"), edit_item("darken")}));
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->status, 201);
}

TEST(ServerJobs, AnIdempotentRetryReturnsTheSameJobs) {
  ServerProcess server(temp_dir() / "data");
  auto client = server.client();
  const json batch = json::array({edit_item("brighten"), edit_item("cooler")});
  const auto first = post_json(client, "/v1/jobs", batch, "retry-key-1");
  const auto again = post_json(client, "/v1/jobs", batch, "retry-key-1");
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first->status, 201);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(again->get_header_value("Idempotent-Replayed"), "true");
  const json a = json_of(first);
  const json b = json_of(again);
  ASSERT_EQ(a["data"].size(), 2u);
  ASSERT_EQ(b["data"].size(), 2u);
  EXPECT_EQ(a["data"][0]["id"], b["data"][0]["id"]);
  EXPECT_EQ(a["data"][1]["id"], b["data"][1]["id"]);
  const auto other = post_json(client, "/v1/jobs", json::array({edit_item("darken")}), "retry-key-1");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 409);
}

TEST(ServerJobs, CancelStopsAQueuedJobAndRefusesAFinishedOne) {
  ServerProcess server(temp_dir() / "data", {"--workers", "1"});
  auto client = server.client();
  const json created = json_of(post_json(client, "/v1/jobs", json::array({slow_item(), slow_item(), slow_item()})));
  ASSERT_EQ(created["data"].size(), 3u);
  const std::string last = created["data"][2]["id"];
  const auto cancelled = client.Delete("/v1/jobs/" + last);
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, 200);
  EXPECT_EQ(json_of(cancelled)["state"], "cancelled");
  const json first = wait_for_job(client, created["data"][0]["id"]);
  EXPECT_EQ(first["state"], "succeeded");
  EXPECT_EQ(wait_for_job(client, last)["state"], "cancelled");
  const auto refused = client.Delete("/v1/jobs/" + first["id"].get<std::string>());
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 409);
}

TEST(ServerJobs, AJobPastItsTimeoutFails) {
  ServerProcess server(temp_dir() / "data");
  auto client = server.client();
  json item = slow_item();
  item["timeout_s"] = 0.000001;
  const json created = json_of(post_json(client, "/v1/jobs", item));
  const json done = wait_for_job(client, created["id"]);
  EXPECT_EQ(done["state"], "failed");
  EXPECT_EQ(done["error"]["code"], "job_timeout") << done.dump();
}

TEST(ServerJobs, JobsAndAssetsAreVisibleOnlyToTheirKey) {
  ServerProcess server(temp_dir() / "data", {"--api-key", "sk-owner-one", "--api-key", "sk-owner-two"});
  auto one = server.client("sk-owner-one");
  auto two = server.client("sk-owner-two");
  const json created = json_of(post_json(one, "/v1/jobs", edit_item("brighten")));
  const json done = wait_for_job(one, created["id"]);
  ASSERT_EQ(done["state"], "succeeded");
  const auto other_job = two.Get("/v1/jobs/" + created["id"].get<std::string>());
  ASSERT_TRUE(other_job);
  EXPECT_EQ(other_job->status, 404);
  const auto other_asset = two.Get("/v1/assets/" + done["result"]["data"][0]["asset_id"].get<std::string>());
  ASSERT_TRUE(other_asset);
  EXPECT_EQ(other_asset->status, 404);
}

// SIGTERM during a batch: running work finishes, queued work is kept; the next start resumes it and
// every finished result is still there.
TEST(ServerStore, GracefulStopKeepsFinishedResultsAndResumesQueuedJobs) {
  const auto data = temp_dir() / "data";
  std::vector<std::string> ids;
  std::string first_asset;
  {
    ServerProcess server(data, {"--workers", "1"});
    auto client = server.client();
    const json created = json_of(post_json(client, "/v1/jobs",
                                           json::array({slow_item(), slow_item(), slow_item(), slow_item(), slow_item(),
                                                        slow_item(), slow_item(), slow_item()})));
    ASSERT_EQ(created["data"].size(), 8u);
    for (const auto& job : created["data"]) ids.push_back(job["id"]);
    const json first = wait_for_job(client, ids[0]);
    ASSERT_EQ(first["state"], "succeeded");
    first_asset = first["result"]["data"][0]["asset_id"];
    EXPECT_EQ(server.stop(SIGTERM), 0) << server.stderr_text();
  }
  ServerProcess restarted(data, {"--workers", "2"});
  auto client = restarted.client();
  for (const auto& id : ids) EXPECT_EQ(wait_for_job(client, id)["state"], "succeeded") << id;
  const json first = json_of(client.Get("/v1/jobs/" + ids[0]));
  EXPECT_EQ(first["result"]["data"][0]["asset_id"], first_asset) << "a finished result is kept as it was";
  const auto asset = client.Get("/v1/assets/" + first_asset);
  ASSERT_TRUE(asset);
  EXPECT_EQ(asset->status, 200);
  restarted.stop(SIGTERM);
  EXPECT_NE(restarted.stderr_text().find("resumed"), std::string::npos)
      << "at least one job was still queued at the stop: " << restarted.stderr_text();
}

// kill -9 in the middle of a batch: every accepted job still ends succeeded, none is lost or doubled.
TEST(ServerStore, KillNineDuringABatchLosesNothing) {
  const auto data = temp_dir() / "data";
  std::vector<std::string> ids;
  {
    ServerProcess server(data, {"--workers", "1"});
    auto client = server.client();
    const json created = json_of(
        post_json(client, "/v1/jobs", json::array({slow_item(), slow_item(), slow_item(), slow_item()}), "batch-9"));
    for (const auto& job : created["data"]) ids.push_back(job["id"]);
    ASSERT_EQ(wait_for_job(client, ids[0])["state"], "succeeded");
    EXPECT_EQ(server.stop(SIGKILL), 128 + SIGKILL);
  }
  ServerProcess restarted(data, {"--workers", "2"});
  auto client = restarted.client();
  for (const auto& id : ids) EXPECT_EQ(wait_for_job(client, id)["state"], "succeeded") << id;
  // The retried POST after the crash returns the same jobs, not new ones.
  const json replay = json_of(
      post_json(client, "/v1/jobs", json::array({slow_item(), slow_item(), slow_item(), slow_item()}), "batch-9"));
  ASSERT_EQ(replay["data"].size(), ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(replay["data"][i]["id"], ids[i]);
}

}  // namespace
}  // namespace easel::test
