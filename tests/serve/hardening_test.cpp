// No request may crash, stall or bloat the server (issue 17): JSON nesting, bodies read before the key
// was checked or beyond the size limit (chunked and compressed included), text that is not UTF-8, and
// the Authorization header — each against the real `easel serve` over loopback, with raw sockets where
// an HTTP client library would not send such a request.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "server_process.hpp"
#include "support/test_support.hpp"

namespace easel::test {
namespace {

using nlohmann::json;

constexpr const char* kKey = "sk-hardening-key-1";

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

json edit_item(const std::string& prompt) { return {{"prompt", prompt}, {"image", base64_file(photo("coffee.png"))}}; }

void expect_error(const httplib::Result& result, int status, const std::string& code, const std::string& param = "") {
  ASSERT_TRUE(result) << "no response: " << httplib::to_string(result.error());
  EXPECT_EQ(result->status, status) << result->body.substr(0, 400);
  const json body = json_of(result);
  EXPECT_EQ(body["error"]["code"], code) << result->body.substr(0, 400);
  if (!param.empty()) {
    EXPECT_EQ(body["error"]["param"], param) << result->body.substr(0, 400);
  }
}

void expect_alive(const ServerProcess& server) {
  const auto health = server.client().Get("/health");
  ASSERT_TRUE(health) << "the server stopped answering";
  EXPECT_EQ(health->status, 200);
}

// Was: the server exited with SIGSEGV (stack overflow) from a depth of about 70,000.
TEST(ServerHardening, DeeplyNestedJsonIsRefusedBeforeItIsUsed) {
  ServerProcess server(temp_dir() / "data");
  auto client = server.client();
  const std::string deep = nested_arrays(100000);
  expect_error(client.Post("/v1/jobs", deep, "application/json"), 400, "json_too_deep");
  expect_error(client.Post("/v1/images/generations", "{\"prompt\": " + deep + "}", "application/json"), 400,
               "json_too_deep");
  expect_error(client.Post("/v1/plans", "{\"prompt\": " + deep + "}", "application/json"), 400, "json_too_deep");
  expect_error(client.Post("/v1/images/edits",
                           edit_form("", {photo("coffee.png").string()}, {{"plan", "{\"steps\": " + deep + "}"}})),
               400, "json_too_deep", "plan");
  // The limit (64 levels by default) is the depth itself: 64 levels parse (and fail validation), 65 do not.
  const auto at_limit = client.Post("/v1/jobs", nested_arrays(64), "application/json");
  ASSERT_TRUE(at_limit);
  EXPECT_EQ(at_limit->status, 400);
  EXPECT_NE(json_of(at_limit)["error"]["code"], "json_too_deep") << at_limit->body;
  expect_error(client.Post("/v1/jobs", nested_arrays(65), "application/json"), 400, "json_too_deep");
  const auto message =
      json_of(client.Post("/v1/jobs", nested_arrays(65), "application/json"))["error"]["message"].get<std::string>();
  EXPECT_NE(message.find("64"), std::string::npos) << message;
  expect_alive(server);
}

TEST(ServerHardening, JsonDepthIsAnOption) {
  ServerProcess server(temp_dir() / "data", {"--max-json-depth", "3"});
  expect_error(server.client().Post("/v1/jobs", nested_arrays(4), "application/json"), 400, "json_too_deep");
}

// Was: `easel edit --plan-file` with such a plan died with SIGSEGV.
TEST(CliHardening, ADeeplyNestedPlanFileIsAnInvalidPlan) {
  const auto folder = temp_dir();
  std::ofstream(folder / "deep.json") << "{\"steps\": [{\"op\": \"color.adjust\", \"params\": " << nested_arrays(100000)
                                      << "}]}";
  const auto run = run_easel({"edit", photo("coffee.png").string(), "--plan-file", (folder / "deep.json").string(),
                              "-o", (folder / "out.png").string()});
  EXPECT_EQ(run.exit_code, 4) << run.err;
  EXPECT_NE(run.err.find("64 levels"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(folder / "out.png"));
}

// Was: "libpng error: IDAT: CRC error" on stderr before Easel's own message.
TEST(CliHardening, ACorruptPngGivesOneLineOnStderr) {
  const auto folder = temp_dir();
  std::string png = file_text(photo("coffee.png"));
  const auto idat = png.find("IDAT");
  ASSERT_NE(idat, std::string::npos);
  for (std::size_t i = idat + 100; i < idat + 200; ++i) png[i] = static_cast<char>(png[i] ^ 0x5a);
  std::ofstream(folder / "corrupt.png", std::ios::binary) << png;
  const auto run =
      run_easel({"edit", (folder / "corrupt.png").string(), "-p", "brighten", "-o", (folder / "out.png").string()});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_EQ(run.err.find("libpng"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("corrupt"), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

// Was: the body was read whole (300 MB chunked: ~555 MB more resident) before the 401.
TEST(ServerHardening, TheKeyIsCheckedBeforeTheBodyIsRead) {
  ServerProcess server(temp_dir() / "data", {"--api-key", kKey});
  {
    RawConnection connection(server.port());
    ASSERT_TRUE(connection.send(
        "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
    // No body sent: the answer comes from the headers alone, and the connection is closed after it.
    const std::string answer = connection.read_until_closed(10);
    EXPECT_EQ(status_of(answer), 401) << answer.substr(0, 300);
    EXPECT_NE(answer.find("missing_api_key"), std::string::npos);
  }
  const long before = server.memory_kib("VmHWM");
  RawConnection connection(server.port());
  ASSERT_TRUE(
      connection.send("POST /v1/images/edits HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                      "wrong-key-123\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "100000\r\n" + std::string(0x100000, 'a') + "\r\n";
  std::size_t sent_mb = 0;
  while (sent_mb < 300 && connection.send(chunk)) ++sent_mb;
  EXPECT_LT(sent_mb, 300u) << "the server kept reading the body of a refused request";
  EXPECT_LT(server.memory_kib("VmHWM") - before, 64 * 1024) << "the refused body raised the server's peak memory";
  expect_alive(server);
}

// Was: chunked bodies escaped --max-body-mb (150 MB of JSON was parsed, peaking at 1.13 GB).
TEST(ServerHardening, EveryBodyIsCappedWhileItIsRead) {
  ServerProcess server(temp_dir() / "data", {"--max-body-mb", "1"});
  const long before = server.memory_kib("VmHWM");
  {
    RawConnection connection(server.port());
    ASSERT_TRUE(connection.send(
        "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
    const std::string chunk = "100000\r\n" + std::string(0x100000, ' ') + "\r\n";
    for (int i = 0; i < 64 && connection.send(chunk); ++i) {
    }
    const std::string answer = connection.read_until_closed(10);
    EXPECT_EQ(status_of(answer), 413) << answer.substr(0, 300);
    EXPECT_NE(answer.find("request_too_large"), std::string::npos);
  }
  EXPECT_LT(server.memory_kib("VmHWM") - before, 32 * 1024);
  {
    // A declared length over the limit is answered before any of the body is sent.
    RawConnection connection(server.port());
    ASSERT_TRUE(connection.send(
        "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"));
    EXPECT_EQ(status_of(connection.read_until_closed(10)), 413);
  }
  // A compressed body counts by what it decompresses to: 20 MB of JSON gzip to about 20 KB.
  auto client = server.client();
  client.set_compress(true);
  expect_error(client.Post("/v1/jobs", json{{"prompt", std::string(20 << 20, 'a')}}.dump(), "application/json"), 413,
               "request_too_large");
  // A body under the limit still works, in chunks too.
  auto plain = server.client();
  const auto small = plain.Post("/v1/plans", json{{"prompt", "make it warmer"}}.dump(), "application/json");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 200);
  RawConnection chunked(server.port());
  const std::string body = json{{"prompt", "make it warmer"}}.dump();
  char size[16];
  std::snprintf(size, sizeof(size), "%zx", body.size());
  ASSERT_TRUE(
      chunked.send("POST /v1/plans HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                   "application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                   std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n"));
  EXPECT_EQ(status_of(chunked.read_until_closed(10)), 200);
  expect_alive(server);
}

// Was: 500 (nlohmann type_error.316 while writing an error message that quoted the bytes), and with an
// Idempotency-Key that is not UTF-8 the job was committed, run and billed while the client got 500.
TEST(ServerHardening, TextThatIsNotUtf8IsA400NamingTheField) {
  ServerProcess server(temp_dir() / "data", {"--workers", "1"});
  auto client = server.client();
  const std::string bad = "\xff\xfe\xc3";
  expect_error(client.Post("/v1/jobs", "{\"prompt\": \"brighten " + bad + "\", \"image\": \"x\"}", "application/json"),
               400, "invalid_json");
  expect_error(client.Post("/v1/images/generations", "{\"prompt\": \"" + bad + "\"}", "application/json"), 400,
               "invalid_json");
  expect_error(client.Post("/v1/images/edits", edit_form("brighten", {photo("coffee.png").string()}, {{"size", bad}})),
               400, "invalid_encoding", "size");
  expect_error(client.Post("/v1/images/edits",
                           edit_form("brighten", {photo("coffee.png").string()}, {{"quality", "high" + bad}})),
               400, "invalid_encoding", "quality");
  expect_error(client.Post("/v1/images/variations", edit_form("", {photo("coffee.png").string()}, {{"seed", bad}})),
               400, "invalid_encoding", "seed");
  const auto unnamed =
      client.Post("/v1/images/edits", edit_form("brighten", {photo("coffee.png").string()}, {{"field" + bad, "x"}}));
  expect_error(unnamed, 400, "invalid_encoding");

  const auto refused = client.Post("/v1/jobs", httplib::Headers{{"Idempotency-Key", "retry-" + bad}},
                                   edit_item("brighten").dump(), "application/json");
  expect_error(refused, 400, "invalid_value", "Idempotency-Key");
  // Nothing was committed: a job accepted now is the first this server runs and bills.
  const auto accepted = post_json(client, "/v1/jobs", edit_item("brighten"), "retry-1");
  ASSERT_TRUE(accepted);
  ASSERT_EQ(accepted->status, 201) << accepted->body.substr(0, 300);
  EXPECT_EQ(wait_for_job(client, json_of(accepted)["id"])["state"], "succeeded");
  EXPECT_EQ(json_of(client.Get("/v1/usage"))["requests"], 1);
  expect_alive(server);
}

TEST(ServerHardening, TheBearerSchemeIsCaseInsensitiveAndOneAuthorizationHeaderIsAllowed) {
  ServerProcess server(temp_dir() / "data", {"--api-key", kKey});
  auto client = server.client();
  for (const std::string scheme : {"Bearer", "bearer", "BEARER"}) {
    const auto result = client.Get("/v1/usage", {{"Authorization", scheme + " " + kKey}});
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200) << scheme << ": " << result->body;
  }
  expect_error(client.Get("/v1/usage", {{"Authorization", std::string("Basic ") + kKey}}), 401, "missing_api_key");
  RawConnection twice(server.port());
  ASSERT_TRUE(twice.send(std::string("GET /v1/usage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") + kKey +
                         "\r\nAuthorization: Bearer " + kKey + "\r\n\r\n"));
  const std::string answer = twice.read_until_closed(10);
  EXPECT_EQ(status_of(answer), 400) << answer.substr(0, 300);
  EXPECT_NE(answer.find("invalid_authorization"), std::string::npos);
}

TEST(ServerHardening, KeysFromAFileAreAccepted) {
  const auto folder = temp_dir();
  std::ofstream(folder / "keys") << "# keys of the team\n\n  " << kKey << "  \nsk-second-key-22\n";
  ServerProcess server(folder / "data", {"--api-key-file", (folder / "keys").string()});
  for (const std::string key : {kKey, "sk-second-key-22"}) {
    const auto result = server.client(key).Get("/v1/usage");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200) << key;
  }
  expect_error(server.client("sk-not-in-the-file").Get("/v1/usage"), 401, "invalid_api_key");
  EXPECT_EQ(file_text("/proc/" + std::to_string(server.pid()) + "/cmdline").find(kKey), std::string::npos);
}

}  // namespace
}  // namespace easel::test
