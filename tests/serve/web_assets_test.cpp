// The web workspace's routes in the real `easel serve`: `/` needs no key while the API keeps its own,
// files come only from the table embedded at build time (never from a path in the request), with
// content types and cache headers; a build without web/dist says how to build it.
#include <gtest/gtest.h>

#include "easel/serve/web_assets.hpp"
#include "server_process.hpp"
#include "support/test_support.hpp"

namespace easel::test {
namespace {

class ServerWebAssets : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServerProcess(temp_dir() / "data", {"--api-key", "sk-web-assets-123"}); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static ServerProcess* server_;
};
ServerProcess* ServerWebAssets::server_ = nullptr;

TEST_F(ServerWebAssets, ThePageNeedsNoKeyAndTheApiDoes) {
  auto client = server_->client();
  const auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page->get_header_value("Cache-Control"), "no-cache");
  // This test program links the same embedded table as the binary it starts.
  if (serve::embedded_web_files().empty()) {
    EXPECT_EQ(page->status, 404);
    EXPECT_NE(page->body.find("scripts/build-web.sh"), std::string::npos) << page->body;
  } else {
    EXPECT_EQ(page->status, 200);
    EXPECT_NE(page->body.find("<title>Easel workspace</title>"), std::string::npos);
    EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  }
  const auto models = client.Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 401);
}

TEST_F(ServerWebAssets, EveryEmbeddedFileIsServedWithItsTypeAndCaching) {
  auto client = server_->client();
  for (const auto& file : serve::embedded_web_files()) {
    const auto answer = client.Get(std::string(file.path));
    ASSERT_TRUE(answer) << file.path;
    EXPECT_EQ(answer->status, 200) << file.path;
    EXPECT_EQ(answer->body.size(), file.bytes.size()) << file.path;
    const std::string type = answer->get_header_value("Content-Type");
    const std::string expected_type = file.path.ends_with(".js")     ? "text/javascript; charset=utf-8"
                                      : file.path.ends_with(".css")  ? "text/css; charset=utf-8"
                                      : file.path.ends_with(".svg")  ? "image/svg+xml"
                                      : file.path.ends_with(".html") ? "text/html; charset=utf-8"
                                                                     : type;
    EXPECT_EQ(type, expected_type) << file.path;
    const bool hashed = file.path.starts_with("/assets/");
    EXPECT_EQ(answer->get_header_value("Cache-Control"), hashed ? "public, max-age=31536000, immutable" : "no-cache")
        << file.path;
    EXPECT_EQ(answer->get_header_value("X-Content-Type-Options"), "nosniff");
  }
}

TEST_F(ServerWebAssets, NoRequestPathReachesTheFilesystem) {
  auto client = server_->client();
  for (const char* path :
       {"/assets/../../CMakeLists.txt", "/assets/..%2F..%2FCMakeLists.txt", "/../README.md", "/assets/missing.js",
        "/package.json", "/src/main.ts", "/CMakeLists.txt", "/%2e%2e/README.md"}) {
    const auto answer = client.Get(path);
    ASSERT_TRUE(answer) << path;
    EXPECT_TRUE(answer->status == 404 || answer->status == 400) << path << " answered " << answer->status;
    EXPECT_EQ(answer->body.find("cmake_minimum_required"), std::string::npos) << path;
    EXPECT_EQ(answer->body.find("devDependencies"), std::string::npos) << path;
  }
}

}  // namespace
}  // namespace easel::test
