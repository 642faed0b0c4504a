// The official OpenAI Node SDK (npm `openai`, installed by scripts/install-test-clients.sh outside the
// repository) talks to `easel serve` with only its base URL changed.
#include <gtest/gtest.h>

#include <cstdlib>

#include "server_process.hpp"
#include "support/test_support.hpp"

namespace easel::test {
namespace {

std::filesystem::path test_clients_dir() {
  if (const char* dir = std::getenv("EASEL_TEST_CLIENTS"); dir && *dir) return dir;
  if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache && *cache) return std::filesystem::path(cache) / "easel" / "test-clients";
  return std::filesystem::path(std::getenv("HOME") ? std::getenv("HOME") : "/root") / ".cache" / "easel" / "test-clients";
}

TEST(OpenAISdk, ImagesEditWorksWithOnlyTheBaseUrlChanged) {
  const auto modules = test_clients_dir() / "node_modules";
  ASSERT_TRUE(std::filesystem::exists(modules / "openai" / "package.json"))
      << "the openai npm package is missing from " << modules << ": run scripts/install-test-clients.sh";
  ServerProcess server(temp_dir() / "data", {"--api-key", "sk-easel-sdk-test"});
  const auto output = temp_dir() / "node-output.txt";
  const std::string script = std::filesystem::path(EASEL_SERVER_TEST_DIR) / "openai_sdk_edit.cjs";
  const std::string command = "NODE_PATH='" + modules.string() + "' node '" + script + "' '" + server.base_url() + "/v1' sk-easel-sdk-test '" +
                              photo("coffee.png").string() + "' '" + photo("chelsea.png").string() + "' > '" + output.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  EXPECT_EQ(status, 0) << file_text(output);
  EXPECT_NE(file_text(output).find("\"ok\":true"), std::string::npos) << file_text(output);
}

TEST(OpenAISdk, ImagesGenerateWorksWithOnlyTheBaseUrlChanged) {
  const auto modules = test_clients_dir() / "node_modules";
  ASSERT_TRUE(std::filesystem::exists(modules / "openai" / "package.json"))
      << "the openai npm package is missing from " << modules << ": run scripts/install-test-clients.sh";
  // The reference model, installed by name (the server takes names, never paths).
  const auto reference = reference_dir() / "sd" / "models" / "sd1";
  ASSERT_TRUE(std::filesystem::is_regular_file(reference / "model_index.json")) << "missing reference model " << reference;
  const auto models = temp_dir() / "models";
  std::filesystem::create_directories(models);
  std::filesystem::create_symlink(std::filesystem::absolute(reference), models / "sd1");
  ::setenv("EASEL_MODELS", models.c_str(), 1);
  ::setenv("EASEL_TOKENIZER", (reference_dir() / "sd" / "tokenizer").c_str(), 1);
  ServerProcess server(temp_dir() / "generate-data", {"--api-key", "sk-easel-sdk-test"});
  const auto output = temp_dir() / "node-generate-output.txt";
  const std::string script = std::filesystem::path(EASEL_SERVER_TEST_DIR) / "openai_sdk_generate.cjs";
  const std::string command = "NODE_PATH='" + modules.string() + "' node '" + script + "' '" + server.base_url() +
                              "/v1' sk-easel-sdk-test sd1 > '" + output.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  ::unsetenv("EASEL_MODELS");
  ::unsetenv("EASEL_TOKENIZER");
  EXPECT_EQ(status, 0) << file_text(output);
  EXPECT_NE(file_text(output).find("\"ok\":true"), std::string::npos) << file_text(output);
}

}  // namespace
}  // namespace easel::test
